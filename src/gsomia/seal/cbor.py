"""Canonical CBOR (RFC 8949 §4.2.1, deterministic encoding) for envelope v2, via `cbor2`.

Envelope v1 nested base64 inside JSON inside base64: a 1 KiB item cost 23 KB on the wire.
CBOR carries bytes as bytes, so v2 says once in this module how its structures are encoded
(ADR 0070). Decoding is strict: one top-level value, no tags, no trailing bytes, a size limit,
and the value must re-encode to the very same bytes, so one message has one encoding only.

Decoding is bounded before it allocates (ADR 0085): the bytes are walked first, counting data
items and nesting without building anything, because cbor2 turns each one-byte item into a
Python object of 60 bytes or more (a batch of empty maps grew a node 72 times its size). The
re-encoding is compared as it is written, so a large value is not held twice.
"""

from __future__ import annotations

from typing import IO, Any, cast

import cbor2

from gsomia.errors import InputError


def dumps(value: Any) -> bytes:
    """The deterministic CBOR encoding of `value` (maps sorted, shortest forms)."""
    return cbor2.dumps(value, canonical=True)


def dumps_sealed(value: Any) -> bytes:
    """CBOR of `value` for a value this node seals for itself (at rest, under its storage key):
    cbor2's default encoding, not the deterministic one.

    Such a value is only ever read back by this node, after AES-GCM under its own key
    authenticated it, so one encoding per value buys nothing there, and it cost: the canonical
    mode is four times the default's time, and the strict decoder's walk six times cbor2's (a
    queued 1 KiB item: 85 and 131 µs against 21 and 23, load 8; issue 14)."""
    return cbor2.dumps(value)


def loads_sealed(data: bytes, *, what: str) -> Any:
    """Decode what `dumps_sealed` (or `dumps`, before) wrote, once its seal authenticated it;
    InputError naming `what` if it is not CBOR (only a node bug writes such a value)."""
    try:
        return cbor2.loads(data)
    except Exception as error:  # cbor2 raises several decoder errors; all mean "not CBOR"
        raise InputError(f"{what} is not CBOR") from error


ITEMS = 1 << 16  # data items in one value, unless the caller says otherwise
DEPTH = 16  # nesting of arrays and maps


def loads(
    data: bytes | bytearray, *, what: str, limit: int, items: int = ITEMS, depth: int = DEPTH
) -> Any:
    """Decode canonical CBOR of at most `limit` bytes, `items` data items and `depth` levels of
    nesting; InputError naming `what` for anything else, before anything is allocated.

    Most values are plainly canonical (maps keyed by strings or integers, no floats): for one,
    one walk of the heads proves it (`_plainly_canonical`) and cbor2's C decoder builds it, a
    third of the strict path's time, the most of a TAXII page's (py-spy, issue 17). Anything
    else, and any doubt, goes the strict way, which says what is wrong."""
    if len(data) > limit:
        raise InputError(f"{what} of {len(data)} bytes exceeds the {limit}-byte limit")
    if _plainly_canonical(data, items, depth):
        try:
            return cbor2.loads(data)
        except Exception:  # noqa: S110 - the strict path names what is wrong
            pass
    return _strict(data, what=what, items=items, depth=depth)


def _strict(data: bytes | bytearray, *, what: str, items: int, depth: int) -> Any:
    """Decode `data` checking everything `loads` promises, whatever the value."""
    scan(data, what=what, items=items, depth=depth)
    try:
        value = cbor2.loads(data, tag_hook=_no_tags)
        # `tag_hook` sees only the tags cbor2 does not know: the ones it decodes itself (dates,
        # sets, UUIDs, regexes, shared references, which can make a value contain itself) are
        # refused here, before re-encoding, which a cyclic value would crash.
        _check_plain(value, what)
        same = _Same(data)
        cbor2.dump(value, cast(IO[bytes], same), canonical=True)
    except InputError:
        raise
    except Exception as error:  # cbor2 raises several decoder errors; all mean "not CBOR"
        raise InputError(f"{what} is not CBOR") from error
    if not same.whole:
        raise InputError(f"{what} is not canonical CBOR")
    return value


class _Same:
    """A file cbor2 writes into that only compares what is written with `data`."""

    def __init__(self, data: bytes | bytearray) -> None:
        self.data, self.at, self.differs = data, 0, False

    def writable(self) -> bool:
        return True

    def write(self, piece: bytes) -> int:
        # `startswith` at an offset compares in place: no slice, no copy of a large piece.
        self.differs = self.differs or not self.data.startswith(piece, self.at)
        self.at += len(piece)
        return len(piece)

    @property
    def whole(self) -> bool:
        return not self.differs and self.at == len(self.data)


#: The least argument each head width may carry in the shortest form (RFC 8949 §4.2.1).
_LEAST = {24: 24, 25: 1 << 8, 26: 1 << 16, 27: 1 << 32}
_SIMPLE = frozenset({0xF4, 0xF5, 0xF6})  # false, true, null
#: The key types a map may have on the plain path: strings and integers, which decode to
#: distinct Python keys (true and 1, or a float, could decode to equal ones).
_KEY_MAJORS = frozenset({0, 1, 2, 3})


def _plainly_canonical(data: bytes | bytearray, items: int, depth: int) -> bool:
    """Whether `data` is one value of definite lengths in shortest form, within `items` and
    `depth`, of integers, strings, arrays, maps whose integer or string keys ascend as cbor2's
    canonical encoder orders them (encoded length, then bytes), false, true and null. So its
    decoding re-encodes to `data` itself. False is a doubt, not a verdict."""
    try:
        end, count = _value(data, 0, depth, items)
    except (IndexError, RecursionError, _Doubt):
        return False
    return end == len(data) and count <= items


class _Doubt(Exception):
    """Not provably canonical on the plain path."""


def _plain_head(data: bytes | bytearray, at: int) -> tuple[int, int, int]:
    """The major type and argument of the head at `at` in shortest form, and where it goes
    on; `_Doubt` for a float, a simple value past null, or an indefinite length."""
    head = data[at]
    major, info = head >> 5, head & 31
    if info < 24:
        if major == 7 and head not in _SIMPLE:
            raise _Doubt
        return major, info, at + 1
    if info >= 28 or major == 7:
        raise _Doubt
    width = 1 << (info - 24)
    arg = int.from_bytes(data[at + 1 : at + 1 + width])
    if arg < _LEAST[info] or at + 1 + width > len(data):
        raise _Doubt
    return major, arg, at + 1 + width


def _short_length(head: int) -> int:
    major, info = head >> 5, head & 31
    if info >= 24 or major in (4, 5, 6):
        return 0
    if major in (2, 3):
        return 1 + info
    return 1 if major in (0, 1) or head in _SIMPLE else 0


#: The length of the whole item a head begins, for an item that is its head and at most 23
#: bytes (small integers, short strings, false, true, null); 0 for any other: most items of a
#: record are these, and a table look-up is a tenth of a call of `_value`.
_SHORT = tuple(_short_length(head) for head in range(256))


def _value(data: bytes | bytearray, at: int, depth: int, budget: int) -> tuple[int, int]:
    """Where the value at `at` ends and how many data items it holds; `_Doubt` otherwise.
    An end past the data is found by the caller (`_plainly_canonical`): `at` only grows."""
    major, arg, at = _plain_head(data, at)
    if major in (2, 3):  # strings: their bytes follow
        return at + arg, 1
    if major in (0, 1, 7):
        return at, 1
    if major == 6 or depth == 0:
        raise _Doubt
    if major == 5:
        return _plain_map(data, at, arg, depth, budget)
    count = 1
    for _ in range(arg):
        if count > budget:
            raise _Doubt
        short = _SHORT[data[at]]
        if short:
            at, count = at + short, count + 1
        else:
            at, inner = _value(data, at, depth - 1, budget - count)
            count += inner
    return at, count


def _plain_map(
    data: bytes | bytearray, at: int, entries: int, depth: int, budget: int
) -> tuple[int, int]:
    """`_value` of a map's `entries`: each key above the one before, then its value."""
    count, previous = 1, b""
    for _ in range(entries):
        head = data[at]
        if count > budget or head >> 5 not in _KEY_MAJORS:
            raise _Doubt
        short = _SHORT[head]
        if short:
            end, inner = at + short, 1
        else:
            end, inner = _value(data, at, depth - 1, budget - count)
        key, at, count = bytes(data[at:end]), end, count + inner
        # Ascending as cbor2 orders keys: by encoded length, then bytes (no key is empty).
        if len(key) < len(previous) or (len(key) == len(previous) and key <= previous):
            raise _Doubt
        previous = key
        short = _SHORT[data[at]]
        if short:
            at, count = at + short, count + 1
        else:
            at, inner = _value(data, at, depth - 1, budget - count)
            count += inner
    return at, count


def scan(data: bytes | bytearray, *, what: str, items: int, depth: int) -> None:
    """InputError unless `data` is one CBOR value of definite lengths, at most `items` data
    items nested at most `depth` deep, each length within the bytes that follow it. Walks the
    heads only: nothing is built, so a hostile value costs no more memory than its bytes."""
    at, count, open_ = 0, 0, []  # open_: the children still due in each open container
    while True:
        major, arg, at = _head(data, at, what)
        count += 1
        if count > items:
            raise InputError(f"{what} holds more than {items} CBOR data items")
        children = 0
        if major in (2, 3):  # a byte or text string: skip its bytes
            at += arg
        elif major in (4, 5):  # an array or a map (a key and a value per entry)
            children = arg * (major - 3)
        elif major == 6:
            raise InputError("CBOR tags are not allowed here")
        if at > len(data) or children > len(data) - at:  # each child takes a byte at least
            raise InputError(f"{what} is truncated")
        if children:
            open_.append(children)
            if len(open_) > depth:
                raise InputError(f"{what} nests deeper than {depth} levels")
            continue
        while open_:  # this item is complete: so may be the containers it ends
            open_[-1] -= 1
            if open_[-1]:
                break
            open_.pop()
        else:
            break
    if at != len(data):
        raise InputError(f"{what} has bytes after its value")


def _head(data: bytes | bytearray, at: int, what: str) -> tuple[int, int, int]:
    """The major type and argument of the data item starting at `at`, and where it goes on."""
    if at >= len(data):
        raise InputError(f"{what} is truncated")
    major, info = data[at] >> 5, data[at] & 31
    if info < 24:
        return major, info, at + 1
    if info < 28:
        width = 1 << (info - 24)
        return major, int.from_bytes(data[at + 1 : at + 1 + width]), at + 1 + width
    raise InputError(f"{what} is not canonical CBOR")  # indefinite lengths, reserved values


def _no_tags(_decoder: object, _tag: object) -> Any:
    raise InputError("CBOR tags are not allowed here")


_SCALARS = (str, bytes, int, float, bool, type(None))


def _check_plain(value: Any, what: str) -> None:
    """InputError unless `value` is a tree of maps, arrays and scalars, each container once."""
    seen: set[int] = set()
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, _SCALARS):
            continue
        if not isinstance(item, dict | list) or id(item) in seen:
            raise InputError(f"{what} holds a CBOR tag or shared reference, which are not allowed")
        seen.add(id(item))
        pending.extend([*item, *item.values()] if isinstance(item, dict) else item)


def fields(value: Any, names: frozenset[str], *, what: str) -> dict[str, Any]:
    """`value` as a map with exactly the keys `names`; InputError otherwise."""
    if not isinstance(value, dict) or set(value) != names:
        raise InputError(f"{what} must have exactly the members {sorted(names)}")
    return value


def typed(value: Any, kind: type | tuple[type, ...], *, what: str) -> Any:
    """`value` if it is of `kind` (a bool is never an int here); InputError otherwise."""
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InputError(f"{what} has the wrong type")
    return value
