"""The peer wire format: a batch of base64url messages; anything else is named and refused."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.exchange.wire import MAX_BATCH, WireMessage, parse_batch


def message(**changes: Any) -> dict[str, Any]:
    return {"id": "m-1", "kind": "item", "body": "aGVsbG8", **changes}


def test_round_trip_through_json() -> None:
    sent = [WireMessage("m-1", "item", b"hello"), WireMessage("m-2", "item", bytes(range(256)))]
    sender, got = parse_batch({"sender": "KOR", "messages": [m.to_json() for m in sent]})
    assert sender == "KOR"
    assert got == sent
    assert "=" not in sent[1].to_json()["body"]  # unpadded base64url
    padded = base64.urlsafe_b64encode(bytes(range(256))).decode()
    assert sent[1].to_json()["body"] == padded.rstrip("=")


MALFORMED: list[tuple[str, Any, str]] = [
    ("not-an-object", ["KOR"], "exactly the members sender and messages"),
    ("extra-member", {"sender": "KOR", "messages": [message()], "x": 1}, "exactly the members"),
    ("missing-messages", {"sender": "KOR"}, "exactly the members"),
    ("sender-not-text", {"sender": 7, "messages": [message()]}, "sender must be a nation code"),
    ("sender-too-long", {"sender": "KOREA", "messages": [message()]}, "nation code"),
    ("sender-too-short", {"sender": "KR", "messages": [message()]}, "nation code"),
    ("messages-not-list", {"sender": "KOR", "messages": message()}, "1 to 256 messages"),
    ("empty-batch", {"sender": "KOR", "messages": []}, "1 to 256 messages"),
    (
        "oversized-batch",
        {"sender": "KOR", "messages": [message(id=str(i)) for i in range(MAX_BATCH + 1)]},
        "1 to 256 messages",
    ),
    ("message-not-object", {"sender": "KOR", "messages": ["x"]}, "message 0 must have exactly"),
    (
        "message-extra-member",
        {"sender": "KOR", "messages": [message(), message(extra=1)]},
        "message 1 must have exactly id, kind and body",
    ),
    (
        "message-missing-body",
        {"sender": "KOR", "messages": [{"id": "a", "kind": "item"}]},
        "message 0 must have exactly",
    ),
    ("body-not-text", {"sender": "KOR", "messages": [message(body=5)]}, "must be strings"),
    ("empty-id", {"sender": "KOR", "messages": [message(id="")]}, "id must be 1 to 64"),
    ("long-id", {"sender": "KOR", "messages": [message(id="x" * 65)]}, "id must be 1 to 64"),
    ("body-not-base64", {"sender": "KOR", "messages": [message(body="a")]}, "not base64url"),
    ("body-bad-alphabet", {"sender": "KOR", "messages": [message(body="é")]}, "not base64url"),
]


@pytest.mark.parametrize(
    ("data", "problem"), [r[1:] for r in MALFORMED], ids=[r[0] for r in MALFORMED]
)
def test_malformed_batches_are_named(data: Any, problem: str) -> None:
    with pytest.raises(InputError, match=problem.replace("(", r"\(")):
        parse_batch(data)


def test_largest_batch_and_longest_id_pass() -> None:
    messages = [message(id=f"{i:064d}") for i in range(MAX_BATCH)]
    _, parsed = parse_batch({"sender": "USA", "messages": messages})
    assert len(parsed) == MAX_BATCH
    assert parsed[0].body == b"hello"


ids = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=64)
messages = st.builds(WireMessage, ids, st.sampled_from(["item", "agreement_event"]), st.binary())


@given(st.lists(messages, min_size=1, max_size=8))
def test_any_batch_survives_the_wire(sent: list[WireMessage]) -> None:
    data = json.loads(json.dumps({"sender": "JPN", "messages": [m.to_json() for m in sent]}))
    assert parse_batch(data) == ("JPN", sent)
