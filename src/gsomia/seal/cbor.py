"""Canonical CBOR (RFC 8949 §4.2.1, deterministic encoding) for envelope v2, via `cbor2`.

Envelope v1 nested base64 inside JSON inside base64: a 1 KiB item cost 23 KB on the wire.
CBOR carries bytes as bytes, so v2 says once in this module how its structures are encoded
(ADR 0070). Decoding is strict: one top-level value, no tags, no trailing bytes, a size limit,
and the value must re-encode to the very same bytes, so one message has one encoding only.
"""

from __future__ import annotations

from typing import Any

import cbor2

from gsomia.errors import InputError


def dumps(value: Any) -> bytes:
    """The deterministic CBOR encoding of `value` (maps sorted, shortest forms)."""
    return cbor2.dumps(value, canonical=True)


def loads(data: bytes, *, what: str, limit: int) -> Any:
    """Decode canonical CBOR; InputError naming `what` for anything else."""
    if len(data) > limit:
        raise InputError(f"{what} of {len(data)} bytes exceeds the {limit}-byte limit")
    try:
        value = cbor2.loads(data, tag_hook=_no_tags)
        # `tag_hook` sees only the tags cbor2 does not know: the ones it decodes itself (dates,
        # sets, UUIDs, regexes, shared references, which can make a value contain itself) are
        # refused here, before re-encoding, which a cyclic value would crash.
        _check_plain(value, what)
        canonical = dumps(value)
    except InputError:
        raise
    except Exception as error:  # cbor2 raises several decoder errors; all mean "not CBOR"
        raise InputError(f"{what} is not CBOR") from error
    if canonical != data:
        raise InputError(f"{what} is not canonical CBOR")
    return value


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
