"""Envelope profiles: which KEM, content cipher, digest and signatures an envelope uses.

| profile   | CEK per recipient                      | content | digest  | signatures        |
|-----------|----------------------------------------|---------|---------|-------------------|
| `pq`      | HPKE MLKEM768-X25519, HKDF-SHA256      | A256GCM | SHA-256 | Ed25519 + ML-DSA-65 |
| `cnsa2`   | HPKE MLKEM1024-P384, HKDF-SHA384       | A256GCM | SHA-384 | ES384 + ML-DSA-87 |
| `classic` | ECDH-ES+A256KW over X25519 (RFC 8037)  | A256GCM | SHA-256 | Ed25519           |

The HPKE suites use AES-256-GCM as their AEAD.
Every signature listed must verify; a profile is never "one of".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from gsomia.errors import UsageError

PQ = "pq"
CNSA2 = "cnsa2"
CLASSIC = "classic"


@dataclass(frozen=True)
class Profile:
    """The algorithms of one envelope profile, by their JOSE names."""

    name: str
    key_alg: str  # JWE "alg" of each recipient entry
    enc: str  # JWE "enc"
    digest: str  # name in the binding ("sha-256", "sha-384")
    signature_algs: tuple[str, ...]  # JWS "alg" of each signature, in order
    post_quantum: bool

    def hasher(self) -> Callable[[bytes], hashlib._Hash]:
        """The profile's digest constructor (`hasher()(data).digest()`, or `.update` to stream)."""
        return hashlib.sha384 if self.digest == "sha-384" else hashlib.sha256


# The HPKE algorithm names follow the shape of draft-ietf-jose-hpke-encrypt-14 key encryption
# ("HPKE-…-KE"); the PQ/T hybrid suites are not registered there yet, so gsomia names them by
# their HPKE triple (see docs/adr/0021).
HPKE_PQ = "HPKE-MLKEM768X25519-SHA256-A256GCM-KE"
HPKE_CNSA2 = "HPKE-MLKEM1024P384-SHA384-A256GCM-KE"

PROFILES: dict[str, Profile] = {
    PQ: Profile(PQ, HPKE_PQ, "A256GCM", "sha-256", ("Ed25519", "ML-DSA-65"), True),
    CNSA2: Profile(CNSA2, HPKE_CNSA2, "A256GCM", "sha-384", ("ES384", "ML-DSA-87"), True),
    CLASSIC: Profile(CLASSIC, "ECDH-ES+A256KW", "A256GCM", "sha-256", ("Ed25519",), False),
}

DEFAULT_PROFILE = PQ
#: What opening accepts unless the caller says otherwise: classic only where an agreement allows.
POST_QUANTUM_PROFILES: frozenset[str] = frozenset({PQ, CNSA2})
ALL_PROFILES: frozenset[str] = frozenset(PROFILES)


def profile(name: str) -> Profile:
    """The profile called `name`, or UsageError naming the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(
            f"unknown envelope profile {name!r}", hint=f"use one of {', '.join(sorted(PROFILES))}"
        ) from None


def require_crypto_support() -> None:
    """Refuse to run where `cryptography` lacks ML-KEM, ML-DSA or hybrid HPKE.

    A `cryptography` built against an older system OpenSSL imports fine but cannot do
    post-quantum; sealing would then fail late, or worse, an operator would be tempted to fall
    back to `classic`. Checking once at import makes the failure early and explicit.
    """
    try:
        from cryptography.hazmat.primitives import hpke  # noqa: PLC0415
        from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem  # noqa: PLC0415

        mlkem.MLKEM768PrivateKey.generate()
        mldsa.MLDSA65PrivateKey.generate()
        hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
        hpke.Suite(hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM)
    except Exception as error:  # ImportError, AttributeError, UnsupportedAlgorithm: all mean "no"
        raise UsageError(
            f"this cryptography build cannot do ML-KEM/ML-DSA/hybrid HPKE ({error})",
            hint="install cryptography >= 47 from PyPI (its wheels carry ML-KEM and ML-DSA): "
            "pip install -U 'cryptography>=47'",
        ) from error
