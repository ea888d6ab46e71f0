"""Items and holdings at rest: each under its own data key, wrapped by the node's KEK (ADR 0075).

Whoever copies `node.db` read every title, label and content in it. Now each stored item (and
holding) gets a fresh AES-256-GCM data key; its sensitive columns are sealed under that key
with the row's identity and the column's name as associated data, so a sealed value moved into
another row or column does not open. The data key is stored beside the row, wrapped (AES-256-
GCM) by the node's key-encryption key, which HKDF derives from the node's storage key, itself
sealed in `keys/` under scrypt of the passphrase (ADR 0074): the database alone opens nothing.

Destroying a holding erases its wrapped data key (crypto-erasure): ciphertext that survives
anywhere — a dead PostgreSQL row version, a freed page, a backup taken later — no longer opens,
even with the KEK.

Formats: a sealed value is `b"GA1" ‖ nonce(12) ‖ ciphertext‖tag`; in a text column it is that,
base64url, after `ga1:`; a wrapped data key is `nonce(12) ‖ ciphertext‖tag`.
"""

from __future__ import annotations

import base64
import copy
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gsomia.errors import VerificationError

MAGIC = b"GA1"
TEXT_PREFIX = "ga1:"
_KEK_INFO = b"gsomia at-rest key-encryption key/1"
_META_INFO = b"gsomia at-rest metadata key/1|"
_MAC_INFO = b"gsomia at-rest row mac key/1|"
SEALED_MEMBER = "at_rest"  # the one member of a sealed JSON column
_NONCE = 12


def _aad(owner: str, column: str) -> bytes:
    return f"gsomia-at-rest/1|{owner}|{column}".encode()


@dataclass(frozen=True)
class DataKey:
    """The data key of one stored item or holding (`owner`, its id)."""

    owner: str
    key: bytes
    #: The key's cipher, made once: an item's title, label and content are sealed under it,
    #: and making an `AESGCM` (~9 µs) cost twice its 1 KiB encryption (ADR 0145).
    _cipher: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cipher", AESGCM(self.key))

    def seal(self, column: str, data: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return MAGIC + nonce + self._cipher.encrypt(nonce, data, _aad(self.owner, column))

    def open(self, column: str, value: bytes) -> bytes:
        """What `seal` sealed for `column` of this owner; VerificationError otherwise."""
        if not is_sealed(value) or len(value) < len(MAGIC) + _NONCE + 16:
            raise VerificationError(f"{column} of {self.owner} is not sealed at rest")
        body = value[len(MAGIC) :]
        try:
            return self._cipher.decrypt(body[:_NONCE], body[_NONCE:], _aad(self.owner, column))
        except InvalidTag:
            raise VerificationError(f"{column} of {self.owner} does not open at rest") from None

    def seal_text(self, column: str, text: str) -> str:
        sealed = self.seal(column, text.encode("utf-8"))
        return TEXT_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")

    def seal_json(self, column: str, value: Mapping[str, Any]) -> dict[str, str]:
        """A JSON object sealed for a JSON column: `{"at_rest": base64url}`."""
        data = json.dumps(dict(value), sort_keys=True, ensure_ascii=False).encode("utf-8")
        return {SEALED_MEMBER: base64.urlsafe_b64encode(self.seal(column, data)).decode("ascii")}

    def open_json(self, column: str, value: Mapping[str, Any]) -> Any:
        raw = base64.urlsafe_b64decode(str(value.get(SEALED_MEMBER, "")))
        return json.loads(self.open(column, raw))

    def open_text(self, column: str, value: str) -> str:
        if not value.startswith(TEXT_PREFIX):
            raise VerificationError(f"{column} of {self.owner} is not sealed at rest")
        raw = base64.urlsafe_b64decode(value[len(TEXT_PREFIX) :])
        return self.open(column, raw).decode("utf-8")


def is_sealed(value: bytes) -> bool:
    return value[: len(MAGIC)] == MAGIC


def is_sealed_text(value: str) -> bool:
    return value.startswith(TEXT_PREFIX)


#: How many opened values a vault keeps (`Vault.opened`) before it forgets them all.
REMEMBERED = 4096


class Vault:
    """The node's key-encryption key: makes, wraps and unwraps data keys. Never stored."""

    def __init__(self, storage_key: bytes) -> None:
        if len(storage_key) != 32:
            raise VerificationError("the node's storage key is not 32 bytes")
        self._kek = HKDF(hashes.SHA256(), 32, salt=None, info=_KEK_INFO).derive(storage_key)
        self._wrapping = AESGCM(self._kek)  # made once: every stored row wraps or unwraps
        #: Whether rows kept in clear from before ADR 0075 may be read as they are: only while
        #: the node seals them, once (`node.at_rest`, ADR 0088). Otherwise such a row is damage.
        self.reads_clear = False
        #: What sealed values said when opened, by (owner, column, sealed value): the same
        #: value opens the same way under the same key, so a read that finds it again (a
        #: person's terms, read on every request that carries a token, ADR 0146) need not
        #: derive and open again. Bounded by `REMEMBERED`; shared by `sealing_clear_rows`'s view.
        self.opened: dict[tuple[str, str, str], Any] = {}
        #: The MAC key of each space (`row_mac`), derived once: a token is checked on every
        #: request, and the derivation (4-6 µs) was more than the MAC itself (ADR 0150).
        self._mac_keys: dict[str, bytes] = {}

    def sealing_clear_rows(self) -> Vault:
        """This vault, reading rows kept in clear: for the one pass that seals them."""
        view = copy.copy(self)
        view.reads_clear = True
        return view

    def new_data_key(self, owner: str) -> tuple[DataKey, bytes]:
        """A fresh data key for `owner`, and its wrapped form to store beside the row."""
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        wrapped = nonce + self._wrapping.encrypt(nonce, key, _aad(owner, "data_key"))
        return DataKey(owner, key), wrapped

    def metadata_key(self, owner: str) -> DataKey:
        """The key `owner`'s descriptive columns (a holding's title and labels) are sealed
        under: derived from the KEK, not stored, and never erased, so a destroyed holding's
        record still says what it was to those who may read the record."""
        key = HKDF(hashes.SHA256(), 32, salt=None, info=_META_INFO + owner.encode()).derive(
            self._kek
        )
        return DataKey(owner, key)

    def row_mac(self, space: str, message: bytes) -> str:
        """HMAC-SHA256 of `message` under the key of `space` (hex): what vouches for a row
        that holds nothing secret but authenticates a person (a token's hash, a password's
        verifier, a session's), so a writer without the KEK makes none. Its own HKDF info, so
        no metadata key (a holding's, a person's terms) is a MAC key, nor the other way."""
        key = self._mac_keys.get(space)
        if key is None:
            info = _MAC_INFO + space.encode()
            key = HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(self._kek)
            self._mac_keys[space] = key
        return hmac.digest(key, message, "sha256").hex()

    def data_key(self, owner: str, wrapped: bytes | None) -> DataKey:
        """The data key `wrapped` for `owner`; VerificationError if it was erased (destroyed)
        or does not unwrap under this node's KEK."""
        if not wrapped:
            raise VerificationError(f"the data key of {owner} was erased: nothing of it opens")
        try:
            key = self._wrapping.decrypt(
                wrapped[:_NONCE], wrapped[_NONCE:], _aad(owner, "data_key")
            )
        except InvalidTag:
            raise VerificationError(f"the data key of {owner} does not unwrap here") from None
        return DataKey(owner, key)
