"""The node's link keys: its TLS key and self-signed certificate, and its storage key.

Nodes talk mutual TLS 1.3 to each other; no CA is involved. Each node's certificate is
self-signed and carried whole on its identity card (member `tls`), so a partner's card is the
trust anchor of the link just as it is of the partner's signatures (ADR 0071). The TLS key is
ECDSA — P-256 for `pq` and `classic`, P-384 for `cnsa2` — because that is what OpenSSL 3.0 and
browsers accept for TLS 1.3 (Chromium takes no Ed25519 certificate).

The certificate is a function of the key, the nation, the hosts and the start of validity:
the serial number is derived from the key and the time, and ECDSA signs deterministically
(RFC 6979), so test vectors can carry cards that stay byte for byte the same.

The storage key (32 random bytes, AES-256-GCM at rest) sits beside the other keys in
`storage-key.json`: scrypt (N=2^14, r=8, p=1) derives a key from the passphrase, which seals
the storage key with AES-256-GCM, the file's format name as associated data.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gsomia.errors import InputError, UsageError
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.profiles import CNSA2, profile

TLS_KEY_FILE = "tls-key.pem"
TLS_CERT_FILE = "tls-cert.pem"
STORAGE_KEY_FILE = "storage-key.json"
STORAGE_KEY_FORMAT = "gsomia-storage-key/1"
VALIDITY = timedelta(days=3652)  # ten years
LOOPBACK = ("localhost", "127.0.0.1", "::1")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class TlsFiles:
    """What `ssl.SSLContext.load_cert_chain` takes: the certificate file, the encrypted key
    file and the passphrase that opens it (no plaintext private key is ever on disk)."""

    certificate: Path
    key: Path
    password: bytes = field(repr=False)
    #: The TLS key's curve; a P-384 (cnsa2) node also exchanges keys over P-384 only.
    curve: str = "secp256r1"


def tls_curve(profile_name: str) -> ec.EllipticCurve:
    """The curve of the TLS key for a profile: P-384 for cnsa2, P-256 otherwise."""
    return ec.SECP384R1() if profile(profile_name).name == CNSA2 else ec.SECP256R1()


def generate_tls_key(profile_name: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(tls_curve(profile_name))


def _hash_for(key: ec.EllipticCurvePublicKey) -> hashes.SHA256 | hashes.SHA384:
    return hashes.SHA384() if key.curve.name == "secp384r1" else hashes.SHA256()


def _names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys([*LOOPBACK, *hosts]):  # in order, once each
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host.strip("[]"))))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def make_certificate(
    key: ec.EllipticCurvePrivateKey,
    *,
    nation: str | None,
    hosts: Sequence[str] = (),
    not_before: datetime,
) -> bytes:
    """The node's self-signed certificate (DER): CN "gsomia node <NATION>", SAN loopback and
    `hosts`, ten years from `not_before`, end entity for TLS server and client auth."""
    start = not_before.astimezone(UTC).replace(microsecond=0)
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    serial = int.from_bytes(hashlib.sha256(spki + start.isoformat().encode()).digest()[:19]) | 1
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, f"gsomia node {nation or ''}".strip())]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    both = [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(both), critical=False)
        .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
        .sign(key, _hash_for(key.public_key()), ecdsa_deterministic=True)
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def check_certificate(der: bytes, profile_name: str) -> bytes:
    """`der` if it is a self-signed certificate over a TLS key of the profile's curve."""
    try:
        certificate = x509.load_der_x509_certificate(der)
        public = certificate.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise InputError("the TLS certificate's key must be ECDSA")
        if public.curve.name != tls_curve(profile_name).name:
            raise InputError(
                f"the TLS certificate of a {profile_name} node must hold a "
                f"{tls_curve(profile_name).name} key, not {public.curve.name}"
            )
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature) as error:
        raise InputError(
            f"the TLS certificate is not a valid self-signed certificate: {error}"
        ) from error
    return der


def tls_pin(der: bytes) -> str:
    """SHA-256 of the certificate's SubjectPublicKeyInfo, in hex: what a link is pinned to."""
    try:
        public = x509.load_der_x509_certificate(der).public_key()
    except ValueError as error:
        raise InputError(f"not a DER certificate: {error}") from error
    return public_key_pin(public)


def public_key_pin(public: Any) -> str:
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def certificate_pem(der: bytes) -> str:
    """The certificate as PEM text (what `ssl` takes as `cadata` or in a file)."""
    certificate = x509.load_der_x509_certificate(der)
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_der(pem: str | bytes) -> bytes:
    """The DER of a PEM certificate; InputError if it is not one."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
    except ValueError as error:
        raise InputError(f"not a PEM certificate: {error}") from error


# --- on disk ---------------------------------------------------------------------------------


def _create(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _scrypt(secret: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, **_SCRYPT).derive(secret)


def write_link_keys(
    directory: Path,
    secret: bytes,
    *,
    tls_key: ec.EllipticCurvePrivateKey,
    certificate: bytes,
    storage_key: bytes,
) -> TlsFiles:
    """Write the TLS key (encrypted PKCS#8), its certificate and the sealed storage key."""
    key_pem = tls_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret),
    )
    _create(directory / TLS_KEY_FILE, key_pem)
    _create(directory / TLS_CERT_FILE, certificate_pem(certificate).encode("ascii"))
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(_scrypt(secret, salt)).encrypt(nonce, storage_key, STORAGE_KEY_FORMAT.encode())
    document = {
        "format": STORAGE_KEY_FORMAT,
        "kdf": {"alg": "scrypt", **_SCRYPT, "salt": b64u(salt)},
        "enc": "A256GCM",
        "nonce": b64u(nonce),
        "ciphertext": b64u(sealed),
    }
    _create(directory / STORAGE_KEY_FILE, json.dumps(document, indent=1).encode() + b"\n")
    return TlsFiles(directory / TLS_CERT_FILE, directory / TLS_KEY_FILE, secret, tls_key.curve.name)


def read_storage_key(path: Path, secret: bytes) -> bytes:
    """The storage key sealed in `path`; UsageError if the file or the passphrase is wrong."""
    try:
        document: Any = json.loads(path.read_bytes())
        kdf = document["kdf"]
        if document["format"] != STORAGE_KEY_FORMAT or kdf["alg"] != "scrypt":
            raise UsageError(f"{path} is not a {STORAGE_KEY_FORMAT} file")
        key = Scrypt(
            salt=b64u_decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]
        ).derive(secret)
        nonce, sealed = b64u_decode(document["nonce"]), b64u_decode(document["ciphertext"])
        storage_key = AESGCM(key).decrypt(nonce, sealed, STORAGE_KEY_FORMAT.encode())
    except InvalidTag as error:
        raise UsageError(f"cannot decrypt {path}", hint="check the passphrase") from error
    except (ValueError, KeyError, TypeError, InputError) as error:
        raise UsageError(f"{path} is not a readable storage key file: {error}") from error
    if len(storage_key) != 32:
        raise UsageError(f"{path} holds no 32-byte storage key")
    return storage_key


def missing_link_keys(directory: Path) -> bool:
    """Whether `directory` was made before nodes had link keys (no TLS key in it)."""
    return not (directory / TLS_KEY_FILE).exists()
