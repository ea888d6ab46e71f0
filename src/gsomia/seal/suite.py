"""The algorithm suites of envelope v2, by profile, and the one place v2 signs and verifies.

| profile   | HPKE KEM (per message)   | KDF          | AEAD        | batch signatures       |
|-----------|--------------------------|--------------|-------------|------------------------|
| `pq`      | ML-KEM-768 + X25519      | HKDF-SHA256  | AES-256-GCM | Ed25519 + ML-DSA-65    |
| `cnsa2`   | ML-KEM-1024 + P-384      | HKDF-SHA384  | AES-256-GCM | ES384 + ML-DSA-87      |
| `classic` | DHKEM(X25519)            | HKDF-SHA256  | AES-256-GCM | Ed25519                |

Signatures are raw (no JOSE wrapping): one per algorithm of the profile, in order, over the
bytes given; every one must verify. `COUNTS` counts post-quantum signature operations made in
this process, in the code path itself (`gsomia.seal.counts`), for the metric and the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hpke

from gsomia.errors import VerificationError
from gsomia.seal import jose
from gsomia.seal.counts import PQ_SIGNATURES
from gsomia.seal.keys import NodeKeys, PublicKeys
from gsomia.seal.profiles import CLASSIC, CNSA2, PQ

SUITES = {
    PQ: hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    CNSA2: hpke.Suite(hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM),
    CLASSIC: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
}

#: Post-quantum signature operations of this process (`gsomia.seal.counts`).
COUNTS = PQ_SIGNATURES


def sign(keys: NodeKeys, data: bytes) -> list[bytes]:
    """One raw signature per algorithm of `keys`' profile over `data`."""
    signatures = []
    for key in keys.signers:
        signatures.append(jose._sign_one(key, data))
    return signatures


def verify(public: PublicKeys, data: bytes, signatures: Sequence[bytes]) -> None:
    """VerificationError unless every signature of the profile verifies over `data`."""
    if len(signatures) != len(public.verifiers):
        raise VerificationError("the batch does not carry the profile's signatures")
    for key, signature in zip(public.verifiers, signatures, strict=True):
        try:
            jose._verify_one(key, data, signature)
        except InvalidSignature:
            raise VerificationError("a batch signature did not verify") from None
