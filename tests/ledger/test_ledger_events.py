"""Canonical event encoding: RFC 8785 rules and the event schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.ledger.events import EventKind, LogEvent, canonical_json

WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
T = b"2026-11-27T09:30:00.000000Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, False, None]}, '{"a":[true,false,null],"b":1}'),
        # RFC 8785 §3.2.3: keys sort by UTF-16 code units, so U+1F600 (D83D…) sorts before U+FB33
        ({"\ufb33": 1, "\U0001f600": 2}, '{"\U0001f600":2,"\ufb33":1}'),
        ({"s": "군사II급비밀 極秘"}, '{"s":"군사II급비밀 極秘"}'),
        ({"c": '\u000f\n"\\'}, '{"c":"\\u000f\\n\\"\\\\"}'),
        ([], "[]"),
        ({"n": -(2**53 - 1)}, '{"n":-9007199254740991}'),
    ],
)
def test_canonical_json(value: Any, expected: str) -> None:
    assert canonical_json(value) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"f": 1.5}, "float"),
        ({"n": 2**53}, "2\\*\\*53"),
        ({1: "x"}, "non-string key"),
        ({"s": "\ud800"}, "surrogate"),
        ({"b": b"bytes"}, "bytes"),
    ],
)
def test_non_canonicalisable_values_are_refused(value: Any, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        canonical_json(value)


def test_event_encoding_is_stable() -> None:
    event = LogEvent(
        EventKind.TRANSFER,
        WHEN,
        "kor-officer-1",
        ("item:42", "agreement:KOR-JPN-2016"),
        {"to": "JPN", "marking": "군사II급비밀"},
    )
    assert (
        event.encode()
        == (
            '{"actor":"kor-officer-1","body":{"marking":"군사II급비밀","to":"JPN"},'
            '"kind":"transfer","subjects":["item:42","agreement:KOR-JPN-2016"],'
            '"time":"2026-11-27T09:30:00.000000Z","v":1}'
        ).encode()
    )
    assert LogEvent.decode(event.encode()) == event


def test_times_are_normalised_to_utc() -> None:
    seoul = timezone(timedelta(hours=9))
    a = LogEvent(EventKind.COPY, WHEN.astimezone(seoul), "u")
    assert a.encode() == LogEvent(EventKind.COPY, WHEN, "u").encode()
    with pytest.raises(InputError, match="time zone"):
        LogEvent(EventKind.COPY, WHEN.replace(tzinfo=None), "u").encode()


@pytest.mark.parametrize(
    "data",
    [
        b'{"v":1}',
        b"not json",
        b"\xff",
        # valid content, not canonical (whitespace)
        b'{"actor":"u", "body":{},"kind":"copy","subjects":[],"time":"' + T + b'","v":1}',
        b'{"actor":"u","body":{},"kind":"gossip","subjects":[],"time":"' + T + b'","v":1}',
        b'{"actor":"u","body":{},"kind":"copy","subjects":[],"time":"' + T + b'","v":2}',
        b'{"actor":5,"body":{},"kind":"copy","subjects":[],"time":"' + T + b'","v":1}',
        b'{"actor":"u","body":[],"kind":"copy","subjects":[],"time":"' + T + b'","v":1}',
    ],
)
def test_decode_refuses_anything_but_the_canonical_form(data: bytes) -> None:
    with pytest.raises(InputError):
        LogEvent.decode(data)


def test_every_r39_event_has_a_kind() -> None:
    """R39: decision, transfer, receipt, copy, translation, classification change, consent,
    destruction, loss report."""
    r39 = {"decision", "transfer", "receipt", "copy", "translation", "classification_change",
           "consent", "destruction", "compromise"}  # fmt: skip
    assert r39 <= {k.value for k in EventKind}


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), _json, max_size=5), st.sampled_from(list(EventKind)))
def test_encode_decode_round_trip(body: dict[str, Any], kind: EventKind) -> None:
    event = LogEvent(kind, WHEN, "actor", ("s",), body)
    data = event.encode()
    assert LogEvent.decode(data).encode() == data
