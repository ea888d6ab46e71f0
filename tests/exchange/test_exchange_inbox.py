"""The inbox's rows and the frame of every answer a node gives a partner's message."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gsomia.errors import VerificationError
from gsomia.exchange import inbox
from gsomia.exchange.wire import WireMessage
from gsomia.seal import generate_node_keys

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
MESSAGE = WireMessage("m-1", "visit_request", b"{}")


def test_no_field_can_reframe_an_answer() -> None:
    fields = {"id": "m-2", "status": "received", "at": "yesterday", "noted": "x"}
    assert inbox.answer("m-1", "rejected", NOW, fields) == {
        "id": "m-1",
        "status": "rejected",
        "at": NOW.isoformat(),
        "noted": "x",
    }
    assert inbox.answer("m-1", "received", NOW) == {
        "id": "m-1",
        "status": "received",
        "at": NOW.isoformat(),
    }


def test_a_remembered_answer_keeps_what_is_added_before_it_is_written() -> None:
    answer = inbox.answer("m-1", "received", NOW)
    row = inbox.remembered("KOR", MESSAGE, answer, NOW)
    answer["log"] = {"index": 7}  # the receipt's proof, added once the log signed it
    assert row["answer"]["log"] == {"index": 7}
    assert (row["message_id"], row["kind"], row["sender"]) == ("m-1", "visit_request", "KOR")


def test_a_rejection_row_says_why_as_the_answer_did() -> None:
    answer = inbox.answer("m-1", "rejected", NOW, {"reason": "no", "article": "Art. 9"})
    row = inbox.rejection("KOR", MESSAGE, answer, NOW)
    assert row == {
        "envelope_id": "m-1",
        "sender": "KOR",
        "reason": "no",
        "article": "Art. 9",
        "at": NOW,
    }


def test_an_answer_is_kept_sealed_at_rest_and_opens_only_in_its_row() -> None:
    """Issue 12: the inbox named the item and this nation's marking of it in clear."""
    keys = generate_node_keys("pq")
    answer = inbox.answer("m-1", "received", NOW, {"item": "KOR-1", "marked": "極秘"})
    stored = inbox.sealed_answer(keys, "m-1", answer)
    text = json.dumps(stored, ensure_ascii=False)
    assert "極秘" not in text
    assert "KOR-1" not in text
    assert inbox.opened_answer(keys, "m-1", stored) == answer
    with pytest.raises(VerificationError):
        inbox.opened_answer(keys, "m-2", stored)  # copied into another message's row
    # An answer kept before answers were sealed still reads as it was.
    assert inbox.opened_answer(keys, "m-1", answer) == answer
