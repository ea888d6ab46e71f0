"""Sealing rows at rest under the node's own storage key (AES-256-GCM), for outbox and inbox.

What waits in the outbox (a message not yet sealed for its partner) and what a holding keeps
(the opened message and its evidence) must not lie in the database in clear: a stolen backup
would show titles and markings. Each row is sealed with a fresh 12-byte nonce and the row's
identity as associated data (`context`: table and id), so a sealed value copied into another
row does not open there.

Format: `b"GS2" ‖ nonce ‖ ciphertext‖tag`.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gsomia.errors import VerificationError
from gsomia.seal.keys import NodeKeys

MAGIC = b"GS2"


def seal_at_rest(keys: NodeKeys, data: bytes, context: str) -> bytes:
    nonce = os.urandom(12)
    return MAGIC + nonce + AESGCM(keys.storage_key).encrypt(nonce, data, context.encode())


def is_sealed(value: bytes) -> bool:
    return value[:3] == MAGIC


def open_at_rest(keys: NodeKeys, value: bytes, context: str) -> bytes:
    """The bytes `seal_at_rest` sealed under `context`; VerificationError otherwise."""
    if not is_sealed(value) or len(value) < 3 + 12 + 16:
        raise VerificationError("the stored value is not sealed at rest")
    try:
        return AESGCM(keys.storage_key).decrypt(value[3:15], value[15:], context.encode())
    except InvalidTag:
        raise VerificationError("the stored value does not open under this node's key") from None
