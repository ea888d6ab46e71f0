"""Bundles: what crosses an air gap or travels by courier, in one file (R27).

```
bundle = MAGIC ‖ frame(transport) ‖ frame(part) …
frame  = 8-byte big-endian length ‖ bytes
transport = canonical JSON {"head": head, "jws": JWS over head by the sending node}
head   = {"type": "gsomia-bundle/1", "kind": "dispatch" | "receipt", "dispatch": number,
          "sender", "recipient", "signer": key id, "channel", "courier", "at", "receipt_due",
          "parts": [{"id": batch id (base64url), "size": bytes, "sha256": hex}, …]}
```

The inner envelope is what the node would send online: a dispatch's parts are v2 batches
(`gsomia.seal.sealed`), a receipt's parts are the signed answers sealed back to the sender
under each batch id, exactly as the peer API answers a POST. The outer envelope names only
who sends to whom, by which channel and courier, the dispatch number and when a receipt is
due; nothing in it says what is inside or at what level (R27: the classification is on the
inner envelope only).

Reading is in two passes. `verify_bundle` reads the whole file once: the signature over the
head, then every part's length and digest against the head, and the end of the file. Only a
bundle that passed is applied (`parts`), so a damaged or truncated file is refused with
`DamagedBundle` before anything is stored. Parts are read one at a time, so a large bundle
never sits in memory whole; `progress` is told the bytes as they go.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gsomia.errors import DamagedBundle, InputError, VerificationError
from gsomia.exchange.wire import MAX_BATCH_BYTES
from gsomia.seal import IdentityCard, NodeKeys, sign_document, verified_payload

MAGIC = b"GSOMIA-BUNDLE/1\n"
TYPE = "gsomia-bundle/1"
DISPATCH, RECEIPT = "dispatch", "receipt"
#: The transport envelope is small: a head with one line per part.
MAX_TRANSPORT = 1 << 20
MAX_PARTS = 10_000
_LENGTH = struct.Struct(">Q")
_CHUNK = 1 << 20
_HEAD = frozenset(
    {"type", "kind", "dispatch", "sender", "recipient", "signer", "channel", "courier", "at"}
    | {"receipt_due", "parts"}
)

#: Told the number of bytes just read or written.
Progress = Callable[[int], None]


def _nothing(_: int) -> None:
    pass


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Part:
    """One inner envelope: its id (a batch id), and where its bytes sit in the file."""

    id: bytes
    size: int
    sha256: str
    offset: int = 0


@dataclass(frozen=True)
class Bundle:
    """A bundle file that verified: its head as the sender signed it, and its parts."""

    path: Path
    head: dict[str, Any]
    parts: tuple[Part, ...]

    @property
    def kind(self) -> str:
        return str(self.head["kind"])

    @property
    def sender(self) -> str:
        return str(self.head["sender"])

    @property
    def dispatch(self) -> str:
        return str(self.head["dispatch"])

    @property
    def size(self) -> int:
        return sum(part.size for part in self.parts)


# Writing ------------------------------------------------------------------------------------


def write_bundle(
    path: Path,
    keys: NodeKeys,
    head: Mapping[str, Any],
    parts: Iterable[tuple[bytes, bytes]],
    progress: Progress = _nothing,
) -> Bundle:
    """Write `parts` (id, bytes), made one at a time, under a signed transport envelope.

    The parts go to a temporary file first (the head lists their digests, so it is signed
    last), then the bundle is written beside `path` and renamed into place: a crash leaves
    either no file or a whole one."""
    directory = path.resolve().parent
    listed: list[Part] = []
    with tempfile.TemporaryFile(dir=directory) as spool:
        for part_id, data in parts:
            if len(data) > MAX_BATCH_BYTES:
                raise InputError(f"a part of {len(data)} bytes exceeds {MAX_BATCH_BYTES}")
            spool.write(_LENGTH.pack(len(data)) + data)
            listed.append(Part(part_id, len(data), hashlib.sha256(data).hexdigest()))
            progress(len(data))
        full = {**head, "type": TYPE, "signer": keys.key_id, "parts": [_listed(p) for p in listed]}
        transport = json.dumps(
            {"head": full, "jws": sign_document(keys, full)}, separators=(",", ":")
        ).encode()
        spool.seek(0)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".bundle-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + _LENGTH.pack(len(transport)) + transport)
                while chunk := spool.read(_CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return verify_bundle(path, lambda _: None, recipient=str(full["recipient"]), signed=False)


def _listed(part: Part) -> dict[str, Any]:
    return {"id": b64(part.id), "size": part.size, "sha256": part.sha256}


# Reading ------------------------------------------------------------------------------------


def _read(stream: IO[bytes], size: int, what: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise DamagedBundle(
            f"the bundle is truncated: it ends inside {what}",
            hint="ask the sender for a new copy of the bundle; nothing was stored",
        )
    return data


def _frame_length(stream: IO[bytes], what: str, limit: int) -> int:
    length: int = _LENGTH.unpack(_read(stream, _LENGTH.size, what))[0]
    if length > limit:
        raise DamagedBundle(f"{what} claims {length} bytes, over the {limit}-byte limit")
    return length


def _head(transport: bytes) -> tuple[dict[str, Any], Any]:
    try:
        outer = json.loads(transport)
        head, jws = outer["head"], outer["jws"]
        if not isinstance(head, dict) or set(head) != _HEAD or head["type"] != TYPE:
            raise ValueError("not a bundle head")
        if head["kind"] not in (DISPATCH, RECEIPT) or not isinstance(head["parts"], list):
            raise ValueError("unknown kind or parts")
        for name in ("dispatch", "sender", "recipient", "signer", "channel", "courier", "at"):
            if not isinstance(head[name], str):
                raise ValueError(f"{name} is not text")
    except (ValueError, KeyError, TypeError) as error:
        raise DamagedBundle(f"the bundle's transport envelope does not read: {error}") from None
    return head, jws


def _parts(head: Mapping[str, Any]) -> list[Part]:
    listed = head["parts"]
    if not 1 <= len(listed) <= MAX_PARTS:
        raise DamagedBundle(f"a bundle holds 1 to {MAX_PARTS} parts")
    try:
        parts = [Part(_unb64(p["id"]), int(p["size"]), str(p["sha256"])) for p in listed]
    except (KeyError, TypeError, ValueError) as error:
        raise DamagedBundle(f"the bundle lists a part it cannot describe: {error}") from None
    return parts


def read_head(path: Path) -> dict[str, Any]:
    """The transport head of the bundle at `path`, unverified: to know whom to verify it by."""
    with path.open("rb") as stream:
        if stream.read(len(MAGIC)) != MAGIC:
            raise DamagedBundle(f"{path.name} is not a gsomia bundle")
        length = _frame_length(stream, "the transport envelope", MAX_TRANSPORT)
        return _head(_read(stream, length, "the transport envelope"))[0]


def verify_bundle(
    path: Path,
    card_of: Callable[[str], IdentityCard | None],
    *,
    recipient: str,
    progress: Progress = _nothing,
    signed: bool = True,
) -> Bundle:
    """The bundle at `path` once the whole file verified; `DamagedBundle` or
    `VerificationError` otherwise, having read, and changed, nothing else.

    The head must be signed by the sender's node (`card_of(sender)`, a pinned partner) and
    name this node as recipient; each part must have the length and digest the head lists,
    and nothing may follow the last one. (`signed=False` only re-reads a bundle this node
    has just written.)"""
    with path.open("rb") as stream:
        if stream.read(len(MAGIC)) != MAGIC:
            raise DamagedBundle(f"{path.name} is not a gsomia bundle")
        length = _frame_length(stream, "the transport envelope", MAX_TRANSPORT)
        head, jws = _head(_read(stream, length, "the transport envelope"))
        if signed:
            _check_signature(head, jws, card_of)
        if head["recipient"] != recipient:
            raise InputError(
                f"this bundle is addressed to {head['recipient']}, not {recipient}",
                hint="import it on the recipient's node",
            )
        offset = len(MAGIC) + _LENGTH.size + length
        found = []
        for number, part in enumerate(_parts(head), start=1):
            what = f"part {number}"
            size = _frame_length(stream, what, MAX_BATCH_BYTES)
            if size != part.size:
                raise DamagedBundle(f"{what} holds {size} bytes; the signed head lists {part.size}")
            offset += _LENGTH.size
            if _digest(stream, size, what, progress) != part.sha256:
                raise DamagedBundle(
                    f"{what} does not match its digest: the bundle was damaged in transit",
                    hint="ask the sender for a new copy of the bundle; nothing was stored",
                )
            found.append(Part(part.id, size, part.sha256, offset))
            offset += size
        if stream.read(1):
            raise DamagedBundle("the bundle has bytes after its last part")
    return Bundle(path, head, tuple(found))


def _check_signature(
    head: dict[str, Any], jws: Any, card_of: Callable[[str], IdentityCard | None]
) -> None:
    card = card_of(head["sender"])
    if card is None:
        raise InputError(
            f"{head['sender']} is not a registered partner of this node",
            hint="an operator adds the partner's identity card with `gsomia peer add`",
        )
    try:
        payload = verified_payload(jws, card)
    except VerificationError:
        raise
    except Exception as error:  # a malformed JWS: the envelope is not the sender's
        raise VerificationError(f"the bundle's signature is malformed: {error!r}") from None
    if json.loads(payload) != head or head["signer"] != card.key_id:
        raise VerificationError("the bundle's signed head differs from the head it carries")


def _digest(stream: IO[bytes], size: int, what: str, progress: Progress) -> str:
    digest, left = hashlib.sha256(), size
    while left:
        chunk = _read(stream, min(left, _CHUNK), what)
        digest.update(chunk)
        left -= len(chunk)
        progress(len(chunk))
    return digest.hexdigest()


def parts(bundle: Bundle, progress: Progress = _nothing) -> Iterator[tuple[bytes, bytes]]:
    """Each part of a verified `bundle` as (id, bytes), read one at a time and checked again
    against its digest (the file must not have changed since it verified)."""
    with bundle.path.open("rb") as stream:
        for number, part in enumerate(bundle.parts, start=1):
            stream.seek(part.offset)
            data = _read(stream, part.size, f"part {number}")
            if hashlib.sha256(data).hexdigest() != part.sha256:
                raise DamagedBundle(f"part {number} changed on disk after it verified")
            progress(part.size)
            yield part.id, data
