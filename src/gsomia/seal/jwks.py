"""Public keys as JWKs: what a card carries, how a partner's are parsed, and the key id.

Split from `gsomia.seal.keys` (private keys and their files), which re-exports these names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, x25519

from gsomia.errors import InputError
from gsomia.seal.encoding import b64u, b64u_decode, canonical_json
from gsomia.seal.profiles import CNSA2, PQ, profile

SignPublic = (
    ed25519.Ed25519PublicKey
    | ec.EllipticCurvePublicKey
    | mldsa.MLDSA65PublicKey
    | mldsa.MLDSA87PublicKey
)
HpkePublic = hpke.MLKEM768X25519PublicKey | hpke.MLKEM1024P384PublicKey | x25519.X25519PublicKey
_P384_POINT = 97  # uncompressed SEC1 point length


def _raw(key: Any) -> bytes:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    raw: bytes = key.public_bytes_raw()
    return raw


def _ec_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    point = _raw(key)
    return {"kty": "EC", "crv": "P-384", "x": b64u(point[1:49]), "y": b64u(point[49:])}


def public_jwks(
    profile_name: str, kem_keys: Sequence[Any], signers: Sequence[Any]
) -> dict[str, Any]:
    """The public keys of a node's private keys, as the JWKs its card carries."""
    pubs = [k.public_key() for k in kem_keys]
    sigs = [k.public_key() for k in signers]
    if profile_name == PQ:
        kem = {"kty": "AKP", "alg": "MLKEM768-X25519", "pub": b64u(_raw(pubs[0]) + _raw(pubs[1]))}
        sig = [
            {"kty": "OKP", "crv": "Ed25519", "x": b64u(_raw(sigs[0]))},
            {"kty": "AKP", "alg": "ML-DSA-65", "pub": b64u(_raw(sigs[1]))},
        ]
    elif profile_name == CNSA2:
        kem = {"kty": "AKP", "alg": "MLKEM1024-P384", "pub": b64u(_raw(pubs[0]) + _raw(pubs[1]))}
        assert isinstance(sigs[0], ec.EllipticCurvePublicKey)
        sig = [_ec_jwk(sigs[0]), {"kty": "AKP", "alg": "ML-DSA-87", "pub": b64u(_raw(sigs[1]))}]
    else:
        kem = {"kty": "OKP", "crv": "X25519", "x": b64u(_raw(pubs[0]))}
        sig = [{"kty": "OKP", "crv": "Ed25519", "x": b64u(_raw(sigs[0]))}]
    return {"kem": kem, "sig": sig}


def key_id(public: dict[str, Any]) -> str:
    """The `kid` of a node: SHA-256 over the canonical JSON of its public JWKs, base64url."""
    return b64u(hashlib.sha256(canonical_json(public)).digest())


@dataclass(frozen=True)
class PublicKeys:
    """A partner's parsed public keys, ready to encrypt to and verify with."""

    profile: str
    kem: HpkePublic = field(compare=False)  # the parsed form of `jwks`, which is compared
    verifiers: tuple[SignPublic, ...] = field(compare=False)
    jwks: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def key_id(self) -> str:
        return key_id(self.jwks)


def _field(jwk: Any, name: str, expect: dict[str, str]) -> bytes:
    if not isinstance(jwk, dict) or set(jwk) != {*expect, name}:
        raise InputError(f"public key must have exactly the members {sorted({*expect, name})}")
    for member, value in expect.items():
        if jwk[member] != value:
            raise InputError(f"public key member {member!r} must be {value!r}")
    return b64u_decode(jwk[name], what=f"public key {name!r}")


def parse_public_jwks(profile_name: str, jwks: Any) -> PublicKeys:
    """Parse and validate the JWKs of a card for `profile_name`; InputError names the problem."""
    prof = profile(profile_name)
    if not isinstance(jwks, dict) or set(jwks) != {"kem", "sig"}:
        raise InputError("keys must be an object with exactly 'kem' and 'sig'")
    sig = jwks["sig"]
    if not isinstance(sig, list) or len(sig) != len(prof.signature_algs):
        raise InputError(f"profile {prof.name} needs {len(prof.signature_algs)} signature keys")
    try:
        kem: HpkePublic
        verifiers: tuple[SignPublic, ...]
        if prof.name == PQ:
            raw = _field(jwks["kem"], "pub", {"kty": "AKP", "alg": "MLKEM768-X25519"})
            if len(raw) != 1184 + 32:
                raise InputError("MLKEM768-X25519 public key must be 1216 bytes")
            kem = hpke.MLKEM768X25519PublicKey(
                mlkem.MLKEM768PublicKey.from_public_bytes(raw[:1184]),
                x25519.X25519PublicKey.from_public_bytes(raw[1184:]),
            )
            verifiers = (
                ed25519.Ed25519PublicKey.from_public_bytes(
                    _field(sig[0], "x", {"kty": "OKP", "crv": "Ed25519"})
                ),
                mldsa.MLDSA65PublicKey.from_public_bytes(
                    _field(sig[1], "pub", {"kty": "AKP", "alg": "ML-DSA-65"})
                ),
            )
        elif prof.name == CNSA2:
            raw = _field(jwks["kem"], "pub", {"kty": "AKP", "alg": "MLKEM1024-P384"})
            if len(raw) != 1568 + _P384_POINT:
                raise InputError("MLKEM1024-P384 public key must be 1665 bytes")
            kem = hpke.MLKEM1024P384PublicKey(
                mlkem.MLKEM1024PublicKey.from_public_bytes(raw[:1568]),
                ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), raw[1568:]),
            )
            verifiers = (
                _parse_p384(sig[0]),
                mldsa.MLDSA87PublicKey.from_public_bytes(
                    _field(sig[1], "pub", {"kty": "AKP", "alg": "ML-DSA-87"})
                ),
            )
        else:
            kem = x25519.X25519PublicKey.from_public_bytes(
                _field(jwks["kem"], "x", {"kty": "OKP", "crv": "X25519"})
            )
            verifiers = (
                ed25519.Ed25519PublicKey.from_public_bytes(
                    _field(sig[0], "x", {"kty": "OKP", "crv": "Ed25519"})
                ),
            )
    except ValueError as error:  # cryptography's verdict on a malformed key
        raise InputError(f"invalid public key: {error}") from error
    return PublicKeys(prof.name, kem, verifiers, jwks)


def _parse_p384(jwk: Any) -> ec.EllipticCurvePublicKey:
    if not isinstance(jwk, dict) or set(jwk) != {"kty", "crv", "x", "y"}:
        raise InputError("P-384 key must have exactly kty, crv, x, y")
    if jwk["kty"] != "EC" or jwk["crv"] != "P-384":
        raise InputError("P-384 key must have kty EC and crv P-384")
    x, y = b64u_decode(jwk["x"], what="x"), b64u_decode(jwk["y"], what="y")
    if len(x) != 48 or len(y) != 48:
        raise InputError("P-384 coordinates must be 48 bytes")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), b"\x04" + x + y)
