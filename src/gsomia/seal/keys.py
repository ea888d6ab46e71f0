"""Node keys: generation per profile, encrypted PKCS#8 files at rest, public keys as JWKs.

A node holds one key-encapsulation key (the hybrid HPKE key, or X25519 for `classic`) and one
signing key per signature of its profile, and its link keys (`gsomia.seal.link_keys`): a TLS
key with its self-signed certificate, and a storage key. On disk every private key is its own
PEM file, encrypted PKCS#8 (`BestAvailableEncryption`), mode 0600, in a directory of mode
0700, under a secret scrypt derives from the operator's passphrase (`gsomia.seal.kdf`, ADR
0074). There is no default passphrase; an empty or weak one is refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, x25519

from gsomia.errors import InputError, UsageError
from gsomia.seal import hpke_open, kdf
from gsomia.seal.jwks import (
    HpkePublic,
    PublicKeys,
    SignPublic,
    key_id,
    parse_public_jwks,
    public_jwks,
)
from gsomia.seal.kdf import check_strength, new_secret
from gsomia.seal.link_keys import (
    STORAGE_KEY_FILE,
    TLS_CERT_FILE,
    TLS_KEY_FILE,
    TlsFiles,
    certificate_der,
    generate_tls_key,
    make_certificate,
    public_key_pin,
    read_storage_key,
    tls_curve,
    tls_pin,
    write_link_keys,
)
from gsomia.seal.profiles import CLASSIC, CNSA2, PQ, profile
from gsomia.seal.token import Token, TokenEd25519, TokenX25519

# The public side lives in gsomia.seal.jwks; its names stay importable from here.
__all__ = [
    "KEM_FILES",
    "SIGN_FILES",
    "HpkePrivate",
    "HpkePublic",
    "KemPrivate",
    "NodeKeys",
    "PublicKeys",
    "SignPrivate",
    "SignPublic",
    "TlsFiles",
    "add_link_keys",
    "generate_node_keys",
    "key_id",
    "load_node_keys",
    "parse_public_jwks",
    "write_node_keys",
]

KemPrivate = (
    mlkem.MLKEM768PrivateKey | mlkem.MLKEM1024PrivateKey | x25519.X25519PrivateKey | TokenX25519
)
SignPrivate = (
    ed25519.Ed25519PrivateKey
    | TokenEd25519
    | ec.EllipticCurvePrivateKey
    | mldsa.MLDSA65PrivateKey
    | mldsa.MLDSA87PrivateKey
)
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
#: The keys a PKCS#11 token holds in place of these files (ADR 0091); the rest stay files.
TOKEN_FILES = ("kem-x25519.pem", "sig-ed25519.pem")
TOKEN_PROFILES = (PQ, CLASSIC)


@dataclass(frozen=True)
class NodeKeys:
    """A node's private keys for one profile. `key_id` names them in envelopes (`kid`).

    `tls_certificate` is the DER of the self-signed certificate of `tls_key` (it goes on the
    card); `tls_files` is where `ssl` finds both once they are on disk; `storage_key` is the
    AES-256-GCM key for what the node keeps at rest.
    """

    profile: str
    kem: tuple[Any, ...]
    signers: tuple[SignPrivate, ...]
    tls_key: ec.EllipticCurvePrivateKey = field(repr=False)
    tls_certificate: bytes = field(repr=False)
    storage_key: bytes = field(repr=False)
    tls_files: TlsFiles | None = None
    #: Keys this node had before each key rotation, newest first (ADR 0093): they open what
    #: was sealed to them and speak to a partner not yet told of the rotation.
    retired: tuple[NodeKeys, ...] = field(default=(), repr=False)

    def addressed(self, kid: str) -> NodeKeys | None:
        """These keys or the retired ones whose key id is `kid` (what a sender sealed to)."""
        if kid == self.key_id:
            return self
        return next((old for old in self.retired if old.key_id == kid), None)

    @cached_property
    def public(self) -> dict[str, Any]:
        """The public keys as JWKs: `{"kem": jwk, "sig": [jwk, ...]}` (goes on the card)."""
        return public_jwks(self.profile, self.kem, self.signers)

    @cached_property
    def key_id(self) -> str:
        return key_id(self.public)

    @cached_property
    def hpke(self) -> HpkePrivate:
        """The private key HPKE decapsulates with (built once)."""
        return self.hpke_private()

    def hpke_decrypt(self, suite: Any, data: bytes, info: bytes) -> bytes:
        """`suite.decrypt(data, self.hpke, info=info)`, or, when a token holds the X25519
        key, the same HPKE open with the token doing the Diffie-Hellman (`seal.hpke_open`)."""
        held = self.kem[-1]
        if isinstance(held, TokenX25519):
            public = held.public_key().public_bytes_raw()
            if self.profile == PQ:
                return hpke_open.open_xwing(self.kem[0], held.exchange, public, data, info)
            return hpke_open.open_x25519(held.exchange, public, data, info)
        opened: bytes = suite.decrypt(data, self.hpke, info=info)
        return opened

    @property
    def in_token(self) -> bool:
        """Whether a PKCS#11 token holds this node's X25519 and Ed25519 keys."""
        return any(isinstance(k, TokenX25519 | TokenEd25519) for k in self.kem + self.signers)

    def hpke_private(self) -> HpkePrivate:
        if self.profile == PQ:
            return hpke.MLKEM768X25519PrivateKey(self.kem[0], self.kem[1])
        if self.profile == CNSA2:
            return hpke.MLKEM1024P384PrivateKey(self.kem[0], self.kem[1])
        key: x25519.X25519PrivateKey = self.kem[0]
        return key


def generate_node_keys(
    profile_name: str = PQ,
    *,
    nation: str | None = None,
    hosts: Sequence[str] = (),
    now: datetime | None = None,
    token: Token | None = None,
) -> NodeKeys:
    """Fresh keys for `profile_name`; the TLS certificate names `nation` and `hosts`. With
    `token`, its X25519 and Ed25519 keys are made in the token (`TOKEN_FILES`)."""
    prof = profile(profile_name)
    if token is not None and prof.name not in TOKEN_PROFILES:
        raise UsageError(
            f"keys in a PKCS#11 token are for the {' and '.join(TOKEN_PROFILES)} profiles",
            hint="a cnsa2 node keeps its P-384 and ML-DSA-87 keys in files (ADR 0091)",
        )
    kem: tuple[Any, ...]
    signers: tuple[SignPrivate, ...]
    if prof.name == PQ:
        kem = (mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate())
        signers = (ed25519.Ed25519PrivateKey.generate(), mldsa.MLDSA65PrivateKey.generate())
    elif prof.name == CNSA2:
        kem = (mlkem.MLKEM1024PrivateKey.generate(), ec.generate_private_key(ec.SECP384R1()))
        signers = (ec.generate_private_key(ec.SECP384R1()), mldsa.MLDSA87PrivateKey.generate())
    else:
        kem, signers = (
            (x25519.X25519PrivateKey.generate(),),
            (ed25519.Ed25519PrivateKey.generate(),),
        )
    if token is not None:
        held_kem, held_signer = token.generate()
        kem, signers = (*kem[:-1], held_kem), (held_signer, *signers[1:])
    tls_key = generate_tls_key(prof.name)
    certificate = make_certificate(
        tls_key, nation=nation, hosts=hosts, not_before=now or datetime.now(UTC)
    )
    return NodeKeys(prof.name, kem, signers, tls_key, certificate, os.urandom(32))


def write_node_keys(directory: Path, keys: NodeKeys, passphrase: str) -> NodeKeys:
    """Write `keys` as encrypted PKCS#8 PEM files (mode 0600) into `directory` (mode 0700);
    the same keys, with the paths of their TLS files. A weak passphrase is refused first."""
    check_strength(passphrase)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    secret = new_secret(directory, passphrase)
    names = KEM_FILES[keys.profile] + SIGN_FILES[keys.profile]
    for name, key in zip(names, keys.kem + keys.signers, strict=True):
        if isinstance(key, TokenX25519 | TokenEd25519):
            continue  # it stays in its token
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        )
        path = directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
    files = write_link_keys(
        directory,
        secret,
        tls_key=keys.tls_key,
        certificate=keys.tls_certificate,
        storage_key=keys.storage_key,
    )
    return replace(keys, tls_files=files)


def add_link_keys(
    directory: Path,
    passphrase: str,
    profile_name: str,
    *,
    nation: str,
    hosts: Sequence[str],
    now: datetime,
) -> None:
    """Give a keys directory made before nodes had link keys a TLS key, its certificate and
    a storage key (the upgrade of an old home; the other keys are left as they are)."""
    tls_key = generate_tls_key(profile_name)
    write_link_keys(
        directory,
        kdf.secret(directory, passphrase),
        tls_key=tls_key,
        certificate=make_certificate(tls_key, nation=nation, hosts=hosts, not_before=now),
        storage_key=os.urandom(32),
    )


def load_node_keys(
    directory: Path, passphrase: str, profile_name: str, token: Token | None = None
) -> NodeKeys:
    """Load the keys of `profile_name` from `directory` (and `token`, for those it holds);
    UsageError on a wrong passphrase, a missing file, a file others can read, or a key of the
    wrong type."""
    secret = kdf.secret(directory, passphrase)
    names = KEM_FILES[profile(profile_name).name] + SIGN_FILES[profile_name] + (TLS_KEY_FILE,)
    if token is not None and profile_name not in TOKEN_PROFILES:
        raise UsageError(f"a {profile_name} node keeps no keys in a PKCS#11 token (ADR 0091)")
    loaded: list[Any] = [
        _load_private(directory / name, secret)
        if token is None or name not in TOKEN_FILES
        else token.kem()
        if name.startswith("kem-")
        else token.signer()
        for name in names
    ]
    tls_key = loaded.pop()
    n_kem = len(KEM_FILES[profile_name])
    kem, signers = tuple(loaded[:n_kem]), tuple[SignPrivate, ...](loaded[n_kem:])
    shape = _SHAPES[profile_name]
    held = (TokenX25519, TokenEd25519)
    if not all(
        isinstance(k, (cls, *held)) for k, cls in zip(kem + signers, shape, strict=True)
    ) or not (
        isinstance(tls_key, ec.EllipticCurvePrivateKey)
        and tls_key.curve.name == tls_curve(profile_name).name
    ):
        raise UsageError(f"key files in {directory} do not match profile {profile_name}")
    try:
        certificate = certificate_der((directory / TLS_CERT_FILE).read_bytes())
    except (OSError, InputError) as error:
        raise UsageError(f"cannot read {directory / TLS_CERT_FILE}: {error}") from error
    if tls_pin(certificate) != public_key_pin(tls_key.public_key()):
        raise UsageError(f"{directory / TLS_CERT_FILE} is not the certificate of {TLS_KEY_FILE}")
    return NodeKeys(
        profile_name,
        kem,
        signers,
        tls_key,
        certificate,
        read_storage_key(directory / STORAGE_KEY_FILE, secret),
        TlsFiles(directory / TLS_CERT_FILE, directory / TLS_KEY_FILE, secret, tls_key.curve.name),
    )


def _load_private(path: Path, secret: bytes) -> Any:
    try:
        mode = path.stat().st_mode
        pem = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read key file {path}: {error.strerror}") from error
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UsageError(f"key file {path} is readable by others", hint=f"chmod 600 {path}")
    try:
        return serialization.load_pem_private_key(pem, secret)
    except (ValueError, TypeError) as error:
        raise UsageError(f"cannot decrypt key file {path}", hint="check the passphrase") from error


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


def rewrap_node_keys(
    directory: Path,
    passphrase: str,
    new_passphrase: str,
    profile_name: str,
    token: Token | None = None,
) -> None:
    """Seal the keys of `directory` again under scrypt of `new_passphrase` (ADR 0074): the
    upgrade of a directory made under the bare passphrase, or a change of passphrase. The new
    directory is written whole beside the old and swapped in by renames, so a crash leaves one
    or the other, never a mixture."""
    keys = load_node_keys(directory, passphrase, profile_name, token)
    fresh = directory.with_name(directory.name + ".rewrap")
    retired = directory.with_name(directory.name + ".old")
    for leftover in (fresh, retired):
        if leftover.exists():
            raise UsageError(
                f"{leftover} is left from an interrupted rewrap",
                hint=f"check which of {directory} and {leftover} holds the keys, then remove it",
            )
    write_node_keys(fresh, keys, new_passphrase)
    for other in directory.iterdir():  # anything else kept with the keys goes along as it is
        if not (fresh / other.name).exists() and other.is_file():
            target = fresh / other.name
            target.write_bytes(other.read_bytes())
            os.chmod(target, stat.S_IMODE(other.stat().st_mode))
    directory.rename(retired)
    fresh.rename(directory)
    for old in retired.iterdir():
        old.unlink()
    retired.rmdir()


def load_storage_key(directory: Path, passphrase: str) -> bytes:
    """The storage key alone (what seals rows at rest), for a console command that needs no
    other key: UsageError on a wrong passphrase or a missing file."""
    return read_storage_key(directory / STORAGE_KEY_FILE, kdf.secret(directory, passphrase))
