"""Ed25519 for the log's signed notes: the node's log key, test keys, and verification.

The log's formats (C2SP signed-note, tlog-checkpoint, tlog-cosignature) are pure and live in
`gsomia.ledger`: its signers take a key's raw public bytes and a `sign(message)` function, its
verifiers a `check(public_key, message, signature)` function (`gsomia.ledger.note_keys`). This
module gives them, so that the private key stays here and only `gsomia.seal` imports a crypto
library. A node signs its checkpoints and cosigns its partners' with the Ed25519 key of its
identity card (ADR 0034); a cnsa2 node has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gsomia.errors import InputError
from gsomia.seal.keys import NodeKeys
from gsomia.seal.token import TokenEd25519

_SEED_SIZE = 32


@dataclass(frozen=True)
class NoteKey:
    """An Ed25519 key as the log signs with it: the raw public key and a signing function."""

    public_key: bytes
    sign: Callable[[bytes], bytes] = field(repr=False)


def ed25519_key(private_key: Ed25519PrivateKey | TokenEd25519) -> NoteKey:
    """The note key of an Ed25519 private key."""
    return NoteKey(private_key.public_key().public_bytes_raw(), private_key.sign)


def seed_key(seed: bytes) -> NoteKey:
    """The note key of a 32-byte Ed25519 seed (Go-format test keys)."""
    if len(seed) != _SEED_SIZE:
        raise InputError(f"an Ed25519 seed is {_SEED_SIZE} bytes, not {len(seed)}")
    return ed25519_key(Ed25519PrivateKey.from_private_bytes(seed))


def node_note_key(keys: NodeKeys) -> NoteKey | None:
    """The node's Ed25519 signing key, the one its identity card shows; None for a profile
    without one (cnsa2), whose node logs but signs no checkpoint (ADR 0034)."""
    key = next((k for k in keys.signers if isinstance(k, Ed25519PrivateKey | TokenEd25519)), None)
    return None if key is None else ed25519_key(key)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is `public_key`'s Ed25519 signature of `message`; False for a
    malformed key or signature as for a wrong one."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
