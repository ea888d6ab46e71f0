"""A node's keys handed to its own worker processes, which seal and open bulk batches (ADR 0122).

A node seals and opens bulk batches in child processes of its own (`gsomia.exchange.bulk`),
so that this work does not hold the interpreter lock the FLASH path needs. The children are
started with `spawn` (no copy of the parent's memory, no passphrase): each gets the private
keys once, as unencrypted PKCS#8 DER over the pipe the pool starts it with, and builds its
`NodeKeys` from them. The bytes never touch the disk; they travel as the keys in the parent's
memory already are, to a process of the same user.

Keys a PKCS#11 token holds cannot leave it (ADR 0091): `handed_over` is None for them, and the
node keeps all of its sealing and opening in the process that logged in to the token.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization

from gsomia.seal import cbor
from gsomia.seal.keys import NodeKeys
from gsomia.seal.token import TokenEd25519, TokenX25519

_FORMAT = "gsomia-keys-handover/1"


def _der(key: Any) -> bytes:
    der: bytes = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return der


def _load(der: bytes) -> Any:
    return serialization.load_der_private_key(der, None)


def _held(keys: NodeKeys) -> bool:
    return any(isinstance(k, TokenX25519 | TokenEd25519) for k in keys.kem + keys.signers)


def _parts(keys: NodeKeys) -> dict[str, Any]:
    return {
        "profile": keys.profile,
        "kem": [_der(k) for k in keys.kem],
        "sig": [_der(k) for k in keys.signers],
        "tls": _der(keys.tls_key),
        "cert": keys.tls_certificate,
        "storage": keys.storage_key,
        "retired": [_parts(old) for old in keys.retired],
    }


def handed_over(keys: NodeKeys) -> bytes | None:
    """`keys` (with the retired ones) as bytes for `taken_over` in a child process; None when
    a token holds any of them (they stay with the process that logged in to it)."""
    if _held(keys) or any(_held(old) for old in keys.retired):
        return None
    return cbor.dumps({"format": _FORMAT, "keys": _parts(keys)})


def _keys(parts: dict[str, Any]) -> NodeKeys:
    return NodeKeys(
        parts["profile"],
        tuple(_load(d) for d in parts["kem"]),
        tuple(_load(d) for d in parts["sig"]),
        _load(parts["tls"]),
        parts["cert"],
        parts["storage"],
        None,  # a child opens no TLS link
        tuple(_keys(old) for old in parts["retired"]),
    )


def taken_over(data: bytes) -> NodeKeys:
    """The keys `handed_over` gave (in the child process)."""
    raw = cbor.loads(data, what="handed-over keys", limit=1 << 20)
    if not isinstance(raw, dict) or raw.get("format") != _FORMAT:
        raise ValueError("not keys handed over by this version of gsomia")
    return _keys(raw["keys"])
