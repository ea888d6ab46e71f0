"""The sealed `next` of a TAXII page (ADR 0143, 0144).

A `next` says where a reader's paging session stands: the last row a page looked at, or, when
a page held only definitions, the start or its `added_after`; and the definitions the session
has handed so far. In the clear it named the id and arrival time of a row the reader may have
been refused, and any text that decoded was taken as a position. It is sealed now, under a key
of the reader and the collection, so it opens only for whom it was handed to, there; anything
else is refused as no position.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from gsomia.errors import InputError, VerificationError
from gsomia.node.runtime import Node
from gsomia.seal.at_rest import DataKey
from gsomia.stix.definitions import TAG_BYTES

__all__ = ["MAX_CARRIED", "Cursor", "cursor_of", "opened", "position_key"]

#: The column a `next` is sealed for (`DataKey.seal`), under `position_key`'s key.
_NEXT = "next"
#: Definitions a cursor remembers as handed in its session (`TAG_BYTES` each): past it, a
#: definition not remembered is handed again before its next referrer (the same id and
#: version, which a tool takes as the same object), rather than a `next` without bound.
MAX_CARRIED = 200


def position_key(node: Node, reader: str, collection: str) -> DataKey:
    """The key the positions of `reader` (a person's name) in `collection` (its id) are sealed
    under: one a reader and collection, derived from the node's key, so a `next` opens only
    for whom it was handed to, there."""
    return node.vault.metadata_key(f"taxii-next\n{collection}\n{reader}")


def cursor_of(
    key: DataKey,
    added: datetime | None,
    row: str = "",
    handed: frozenset[bytes] = frozenset(),
    *,
    since: datetime | None = None,
) -> str:
    """The `next` of a page whose last row looked at is (`added`, `row`), after the
    definitions `handed` in its paging session (ADR 0144), sealed: in the clear it was the id
    and arrival time of that row, which the reader may have been refused (found by the
    attack, ADR 0143). With no row gone past yet (the page held only definitions), the
    position is the start, or after `since` (its added_after)."""
    tags = _b64(b"".join(sorted(handed)[:MAX_CARRIED]))
    if added is not None:
        where = f"@|{added.isoformat()}|{row}"
    else:
        where = f"~|{since.isoformat() if since is not None else ''}|"
    sealed = key.seal(_NEXT, f"{tags}|{where}".encode())
    return _b64(sealed)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Cursor:
    after: tuple[datetime, str] | None = None
    since: datetime | None = None
    handed: frozenset[bytes] = frozenset()


def opened(key: DataKey, text: str) -> Cursor:
    """The position and definitions `cursor_of` sealed under `key`; InputError for any other
    text."""
    try:
        opened = key.open(_NEXT, _unb64(text)).decode()
        carried, kind, moment, row = opened.split("|", 3)
        tags = _unb64(carried)
        if len(tags) % TAG_BYTES or len(tags) > MAX_CARRIED * TAG_BYTES:
            raise ValueError("not tags")
        after, since = None, None
        if kind == "@":
            after = datetime.fromisoformat(moment), row
        elif moment:
            since = datetime.fromisoformat(moment)
    except (binascii.Error, UnicodeDecodeError, ValueError, VerificationError):
        raise InputError(
            "`next` is not a position this server handed out",
            hint="a `next` is yours in its collection only; page again from the start, or "
            "with added_after",
        ) from None
    handed = frozenset(tags[i : i + TAG_BYTES] for i in range(0, len(tags), TAG_BYTES))
    return Cursor(after, since, handed)
