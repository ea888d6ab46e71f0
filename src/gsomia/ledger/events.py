"""Security events and their canonical encoding: the bytes a log leaf is made of.

A leaf must be reproducible byte for byte years later by anyone holding the event, so the
encoding is RFC 8785 (JSON Canonicalization Scheme) restricted to values whose JCS form is
unambiguous: objects with string keys sorted by UTF-16 code units, arrays, strings, booleans,
null and integers within ±(2**53 - 1). Floats are refused rather than canonicalised: a treaty
record has no need for them, and refusing closes a class of cross-language mismatches.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from gsomia.errors import InputError

FORMAT_VERSION = 1
_MAX_SAFE_INTEGER = 2**53 - 1
_FIELDS = {"v", "kind", "time", "actor", "subjects", "body"}

JSONValue = None | bool | int | str | Sequence["JSONValue"] | Mapping[str, "JSONValue"]


class EventKind(StrEnum):
    """What happened (R39 and issue 6): every security-relevant event has one kind."""

    DECISION = "decision"  # access or release decision, allowed or denied, with its article
    PUBLICATION = "publication"
    RELEASE = "release"
    TRANSFER = "transfer"
    RECEIPT = "receipt"
    REJECTION = "rejection"
    CONSENT = "consent"  # creation or revocation
    CLASSIFICATION_CHANGE = "classification_change"
    COPY = "copy"
    TRANSLATION = "translation"
    DESTRUCTION = "destruction"
    COMPROMISE = "compromise"  # loss or compromise report (Art. 17)
    AGREEMENT = "agreement"
    USER_ADMIN = "user_admin"
    KEY_ADMIN = "key_admin"
    WITNESS = "witness"  # a partner checkpoint cosigned or refused


def _encode_string(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(
            "an event string holds a lone surrogate, which UTF-8 cannot carry"
        ) from None
    # json.dumps with ensure_ascii=False escapes exactly what RFC 8785 §3.2.2.2 asks.
    return json.dumps(value, ensure_ascii=False)


_LITERALS = {None: "null", True: "true", False: "false"}


def _encode(value: object, path: str) -> str:
    if value is None or isinstance(value, bool):
        return _LITERALS[value]
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise InputError(f"event value at {path} is an integer beyond ±2**53-1")
        return str(value)
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, Mapping):
        items = []
        for key in value:
            if not isinstance(key, str):
                raise InputError(f"event object at {path} has a non-string key {key!r}")
            items.append(key)
        items.sort(key=lambda k: k.encode("utf-16-be", "surrogatepass"))  # RFC 8785 §3.2.3
        return (
            "{"
            + ",".join(f"{_encode_string(k)}:{_encode(value[k], f'{path}.{k}')}" for k in items)
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v, f"{path}[{i}]") for i, v in enumerate(value)) + "]"
    raise InputError(
        f"event value at {path} is a {type(value).__name__}, which the log cannot encode",
        hint="log strings, integers, booleans, null, lists and objects only",
    )


def _needs_utf16_sort(value: object, path: str) -> bool:
    """Validate `value` for JCS; True if some key holds a character beyond U+FFFF.

    Only such keys sort differently by UTF-16 code units (RFC 8785) than by code points
    (Python), so every other value can take `json.dumps(sort_keys=True)`, which is faster.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return False
    if kind is int:
        if not -_MAX_SAFE_INTEGER <= value <= _MAX_SAFE_INTEGER:  # type: ignore[operator]
            raise InputError(f"event value at {path} is an integer beyond ±2**53-1")
        return False
    if isinstance(value, Mapping):
        slow = False
        for key, item in value.items():
            if type(key) is not str:
                raise InputError(f"event object at {path} has a non-string key {key!r}")
            if not key.isascii() and max(key) > "\uffff":
                slow = True
            if type(item) is not str and _needs_utf16_sort(item, f"{path}.{key}"):
                slow = True
        return slow
    if isinstance(value, list | tuple):
        return any(_needs_utf16_sort(v, f"{path}[{i}]") for i, v in enumerate(value))
    raise InputError(
        f"event value at {path} is a {type(value).__name__}, which the log cannot encode",
        hint="log strings, integers, booleans, null, lists and objects only",
    )


# RFC 8785 §3.2.2.2 string escaping is exactly what json's ensure_ascii=False writer does.
_string = json.encoder.encode_basestring

# One encoder, built once: json.dumps would build a new one per call, a third of the cost.
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def _canonical_text(value: object) -> str:
    return _encode(value, "$") if _needs_utf16_sort(value, "$") else _dumps(value)


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("an event string holds a lone surrogate, UTF-8 cannot carry it") from None


def canonical_json(value: object) -> bytes:
    """RFC 8785 canonical UTF-8 JSON of `value` (InputError for what JCS cannot fix)."""
    return _utf8(_canonical_text(value))


@lru_cache(maxsize=256)  # events of one batch usually share the node's `now`
def _format_time(when: datetime) -> str:
    if when.tzinfo is None:
        raise InputError("an event time must carry its time zone", hint="pass an aware UTC time")
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


_KIND_VALUES = frozenset(kind.value for kind in EventKind)


@dataclass(frozen=True)
class LogEvent:
    """One security event: what, when, who did it, to which things, and the details."""

    kind: EventKind
    time: datetime
    actor: str
    subjects: tuple[str, ...] = ()
    body: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given: object = self.kind
        if not isinstance(given, EventKind):  # "copy" given as a plain str
            if not isinstance(given, str) or given not in _KIND_VALUES:
                raise InputError(f"unknown event kind {given!r}")
            object.__setattr__(self, "kind", EventKind(given))
        # decoded JSON can hold any type in any field, whatever the annotations say
        actor: object = self.actor
        subjects: tuple[object, ...] = self.subjects
        body: object = self.body
        if not isinstance(actor, str) or not actor:
            raise InputError("an event needs a non-empty actor name")
        if not all(isinstance(s, str) and s for s in subjects):
            raise InputError("event subjects must be non-empty identifiers (strings)")
        if not isinstance(body, Mapping):
            raise InputError("an event body must be a JSON object")

    def encode(self) -> bytes:
        """The canonical bytes that become the leaf (RFC 9162 leaf input)."""
        # The envelope's keys are ASCII and fixed, so their RFC 8785 order is known; only the
        # body needs the general canonicaliser. Same bytes as canonical_json(whole), faster.
        subjects = ",".join(map(_string, self.subjects))
        text = (
            f'{{"actor":{_string(self.actor)},"body":{_canonical_text(self.body)},'
            f'"kind":"{self.kind.value}","subjects":[{subjects}],'
            f'"time":"{_format_time(self.time)}","v":{FORMAT_VERSION}}}'
        )
        return _utf8(text)

    @classmethod
    def decode(cls, data: bytes) -> LogEvent:
        """Parse leaf bytes strictly: they must be exactly the canonical encoding."""
        try:
            raw = json.loads(data.decode("utf-8"))
            event = cls(
                kind=EventKind(raw["kind"]),
                time=datetime.strptime(raw["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
                actor=raw["actor"],
                subjects=tuple(raw["subjects"]),
                body=raw["body"],
            )
            valid = raw["v"] == FORMAT_VERSION and set(raw) == _FIELDS
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"log entry is not an event: {exc}") from None
        if not valid or event.encode() != data:
            raise InputError(
                "log entry is not in canonical form",
                hint="a leaf must be exactly the canonical encoding of its event",
            )
        return event
