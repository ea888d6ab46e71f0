"""Node keys: generation per profile, encrypted PKCS#8 files at rest, public keys as JWKs.

A node holds one key-encapsulation key (the hybrid HPKE key, or X25519 for `classic`) and one
signing key per signature of its profile. On disk every private key is its own PEM file,
encrypted PKCS#8 (`BestAvailableEncryption`) under the operator's passphrase, mode 0600, in a
directory of mode 0700. There is no default passphrase; an empty one is refused.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, x25519

from gsomia.errors import InputError, UsageError
from gsomia.seal.encoding import b64u, b64u_decode, canonical_json
from gsomia.seal.profiles import CLASSIC, CNSA2, PQ, profile

KemPrivate = mlkem.MLKEM768PrivateKey | mlkem.MLKEM1024PrivateKey | x25519.X25519PrivateKey
SignPrivate = (
    ed25519.Ed25519PrivateKey
    | ec.EllipticCurvePrivateKey
    | mldsa.MLDSA65PrivateKey
    | mldsa.MLDSA87PrivateKey
)
SignPublic = (
    ed25519.Ed25519PublicKey
    | ec.EllipticCurvePublicKey
    | mldsa.MLDSA65PublicKey
    | mldsa.MLDSA87PublicKey
)
HpkePublic = hpke.MLKEM768X25519PublicKey | hpke.MLKEM1024P384PublicKey | x25519.X25519PublicKey
HpkePrivate = hpke.MLKEM768X25519PrivateKey | hpke.MLKEM1024P384PrivateKey | x25519.X25519PrivateKey

#: File names of each profile's keys, in the order NodeKeys holds them.
KEM_FILES = {
    PQ: ("kem-mlkem768.pem", "kem-x25519.pem"),
    CNSA2: ("kem-mlkem1024.pem", "kem-p384.pem"),
    CLASSIC: ("kem-x25519.pem",),
}
SIGN_FILES = {
    PQ: ("sig-ed25519.pem", "sig-mldsa65.pem"),
    CNSA2: ("sig-p384.pem", "sig-mldsa87.pem"),
    CLASSIC: ("sig-ed25519.pem",),
}
_P384_POINT = 97  # uncompressed SEC1 point length


@dataclass(frozen=True)
class NodeKeys:
    """A node's private keys for one profile. `key_id` names them in envelopes (`kid`)."""

    profile: str
    kem: tuple[Any, ...]
    signers: tuple[SignPrivate, ...]

    @cached_property
    def public(self) -> dict[str, Any]:
        """The public keys as JWKs: `{"kem": jwk, "sig": [jwk, ...]}` (goes on the card)."""
        return public_jwks(self)

    @cached_property
    def key_id(self) -> str:
        return key_id(self.public)

    @cached_property
    def hpke(self) -> HpkePrivate:
        """The private key HPKE decapsulates with (built once)."""
        return self.hpke_private()

    def hpke_private(self) -> HpkePrivate:
        if self.profile == PQ:
            return hpke.MLKEM768X25519PrivateKey(self.kem[0], self.kem[1])
        if self.profile == CNSA2:
            return hpke.MLKEM1024P384PrivateKey(self.kem[0], self.kem[1])
        key: x25519.X25519PrivateKey = self.kem[0]
        return key


def generate_node_keys(profile_name: str = PQ) -> NodeKeys:
    """Fresh keys for `profile_name`."""
    prof = profile(profile_name)
    if prof.name == PQ:
        return NodeKeys(
            PQ,
            (mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate()),
            (ed25519.Ed25519PrivateKey.generate(), mldsa.MLDSA65PrivateKey.generate()),
        )
    if prof.name == CNSA2:
        return NodeKeys(
            CNSA2,
            (mlkem.MLKEM1024PrivateKey.generate(), ec.generate_private_key(ec.SECP384R1())),
            (ec.generate_private_key(ec.SECP384R1()), mldsa.MLDSA87PrivateKey.generate()),
        )
    return NodeKeys(
        CLASSIC, (x25519.X25519PrivateKey.generate(),), (ed25519.Ed25519PrivateKey.generate(),)
    )


def _check_passphrase(passphrase: str) -> bytes:
    if not passphrase:
        raise UsageError(
            "an empty passphrase is not allowed",
            hint="set GSOMIA_PASSPHRASE or type a passphrase at the prompt",
        )
    return passphrase.encode("utf-8")


def write_node_keys(directory: Path, keys: NodeKeys, passphrase: str) -> None:
    """Write `keys` as encrypted PKCS#8 PEM files (mode 0600) into `directory` (mode 0700)."""
    secret = _check_passphrase(passphrase)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    names = KEM_FILES[keys.profile] + SIGN_FILES[keys.profile]
    for name, key in zip(names, keys.kem + keys.signers, strict=True):
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        )
        path = directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)


def load_node_keys(directory: Path, passphrase: str, profile_name: str) -> NodeKeys:
    """Load the keys of `profile_name` from `directory`; UsageError on a wrong passphrase,
    a missing file, a file others can read, or a key of the wrong type."""
    secret = _check_passphrase(passphrase)
    loaded = []
    for name in KEM_FILES[profile(profile_name).name] + SIGN_FILES[profile_name]:
        path = directory / name
        try:
            mode = path.stat().st_mode
            pem = path.read_bytes()
        except OSError as error:
            raise UsageError(f"cannot read key file {path}: {error.strerror}") from error
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(f"key file {path} is readable by others", hint=f"chmod 600 {path}")
        try:
            loaded.append(serialization.load_pem_private_key(pem, secret))
        except (ValueError, TypeError) as error:
            raise UsageError(
                f"cannot decrypt key file {path}", hint="check the passphrase"
            ) from error
    n_kem = len(KEM_FILES[profile_name])
    keys = NodeKeys(profile_name, tuple(loaded[:n_kem]), tuple(loaded[n_kem:]))  # type: ignore[arg-type]
    shape = _SHAPES[profile_name]
    if not all(isinstance(k, cls) for k, cls in zip(keys.kem + keys.signers, shape, strict=True)):
        raise UsageError(f"key files in {directory} do not match profile {profile_name}")
    return keys


_SHAPES: dict[str, tuple[type, ...]] = {
    PQ: (
        mlkem.MLKEM768PrivateKey,
        x25519.X25519PrivateKey,
        ed25519.Ed25519PrivateKey,
        mldsa.MLDSA65PrivateKey,
    ),
    CNSA2: (
        mlkem.MLKEM1024PrivateKey,
        ec.EllipticCurvePrivateKey,
        ec.EllipticCurvePrivateKey,
        mldsa.MLDSA87PrivateKey,
    ),
    CLASSIC: (x25519.X25519PrivateKey, ed25519.Ed25519PrivateKey),
}


# --- public keys as JWKs ---------------------------------------------------------------------


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


def public_jwks(keys: NodeKeys) -> dict[str, Any]:
    pubs = [k.public_key() for k in keys.kem]
    sigs = [k.public_key() for k in keys.signers]
    if keys.profile == PQ:
        kem = {"kty": "AKP", "alg": "MLKEM768-X25519", "pub": b64u(_raw(pubs[0]) + _raw(pubs[1]))}
        sig = [
            {"kty": "OKP", "crv": "Ed25519", "x": b64u(_raw(sigs[0]))},
            {"kty": "AKP", "alg": "ML-DSA-65", "pub": b64u(_raw(sigs[1]))},
        ]
    elif keys.profile == CNSA2:
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
