"""Signed answer batches: one signature over a Merkle root, one inclusion proof per answer."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import VerificationError
from gsomia.exchange.answers import BATCH_TYPE, sign_answers, verify_answers
from gsomia.ledger.events import canonical_json
from gsomia.seal import generate_node_keys, make_card, sign_payload

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KEYS = generate_node_keys()
CARD = make_card(KEYS, nation="JPN", name="Japan Ministry of Defense", created=NOW)
OTHER = make_card(generate_node_keys(), nation="JPN", name="an impostor", created=NOW)


def answers(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"m{i}", "status": "received" if i % 3 else "rejected", "marked": "極秘"}
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def documents() -> dict[int, dict[str, Any]]:
    return {n: sign_answers(answers(n), keys=KEYS, now=NOW) for n in (1, 2, 5, 64)}


@pytest.mark.parametrize("n", [1, 2, 5, 64])
def test_round_trip(documents: dict[int, dict[str, Any]], n: int) -> None:
    document = documents[n]
    assert document["head"]["type"] == BATCH_TYPE
    assert document["head"]["size"] == n
    assert document["head"]["signer"] == CARD.key_id
    verified = verify_answers(document, signer=CARD)
    assert [v["answer"] for v in verified] == answers(n)
    assert [v["index"] for v in verified] == list(range(n))
    # Each entry keeps the signed head with it, so it stands alone as evidence.
    assert all(v["head"] == document["head"] and v["jws"] == document["jws"] for v in verified)


def _tamper_answer(d: dict[str, Any]) -> None:
    d["answers"][-1]["answer"]["status"] = "received"
    d["answers"][-1]["answer"]["marked"] = "機密"


def _tamper_head(d: dict[str, Any]) -> None:
    d["head"]["at"] = "2030-01-01T00:00:00+00:00"


def _tamper_root(d: dict[str, Any]) -> None:
    d["head"]["root"] = "A" * 43


def _tamper_proof(d: dict[str, Any]) -> None:
    proof = d["answers"][0]["proof"]
    proof[0] = ("B" if proof[0][0] != "B" else "C") + proof[0][1:]


def _extra_proof(d: dict[str, Any]) -> None:
    d["answers"][0]["proof"].append("A" * 43)


def _tamper_index(d: dict[str, Any]) -> None:
    d["answers"][0]["index"] = 1


def _swap_answers(d: dict[str, Any]) -> None:
    first, second = d["answers"][0], d["answers"][1]
    first["answer"], second["answer"] = second["answer"], first["answer"]


def _drop_answer(d: dict[str, Any]) -> None:
    d["answers"].pop()


def _tamper_size(d: dict[str, Any]) -> None:
    d["head"]["size"] += 1


TAMPERING = [
    _tamper_answer,
    _tamper_head,
    _tamper_root,
    _tamper_proof,
    _extra_proof,
    _tamper_index,
    _swap_answers,
    _drop_answer,
    _tamper_size,
]


@pytest.mark.parametrize("n", [2, 5, 64])
@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda f: f.__name__.strip("_"))
def test_tampering_is_caught(documents: dict[int, dict[str, Any]], tamper: Any, n: int) -> None:
    document = copy.deepcopy(documents[n])
    tamper(document)
    with pytest.raises(VerificationError):
        verify_answers(document, signer=CARD)


@pytest.mark.parametrize("n", [1, 5])
def test_another_signer_is_refused(documents: dict[int, dict[str, Any]], n: int) -> None:
    with pytest.raises(VerificationError):
        verify_answers(documents[n], signer=OTHER)


def test_a_head_signed_by_another_key_is_refused(documents: dict[int, dict[str, Any]]) -> None:
    # A genuine batch from another node, presented as JPN's: the signature check fails.
    forged = sign_answers(answers(2), keys=generate_node_keys(), now=NOW)
    with pytest.raises(VerificationError):
        verify_answers(forged, signer=CARD)


def _malformed(documents: dict[int, dict[str, Any]]) -> list[Any]:
    good = documents[2]
    no_jws = {k: v for k, v in good.items() if k != "jws"}
    bad_jws = {**good, "jws": "not a jws"}
    bad_proof = copy.deepcopy(good)
    bad_proof["answers"][0]["proof"] = [None]
    bad_entry = copy.deepcopy(good)
    bad_entry["answers"][0] = "answer"
    wrong_type = copy.deepcopy(good)
    wrong_type["head"]["type"] = "something-else/1"
    return [None, "text", [], {}, no_jws, bad_jws, bad_proof, bad_entry, wrong_type]


def test_malformed_documents_are_verification_errors(
    documents: dict[int, dict[str, Any]],
) -> None:
    for document in _malformed(documents):
        with pytest.raises(VerificationError):
            verify_answers(document, signer=CARD)


def test_an_empty_batch_signs_and_verifies() -> None:
    document = sign_answers([], keys=KEYS, now=NOW)
    assert verify_answers(document, signer=CARD) == []


def _signed(head: dict[str, Any], entries: list[Any]) -> dict[str, Any]:
    jws = sign_payload(KEYS, canonical_json(head))
    return {"head": head, "jws": jws, "answers": entries}


@pytest.mark.parametrize(
    ("change", "problem"),
    [({"type": "gsomia-answers/0"}, "differs"), ({"signer": "another-key"}, "another signer")],
)
def test_a_signed_head_of_another_type_or_signer_is_refused(
    documents: dict[int, dict[str, Any]], change: dict[str, str], problem: str
) -> None:
    good = documents[2]
    document = _signed({**good["head"], **change}, good["answers"])
    with pytest.raises(VerificationError, match=problem):
        verify_answers(document, signer=CARD)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# A `log` member is the receiver's inclusion proof, checked as such (test_exchange_receipts).
answer_keys = st.text(max_size=8).filter(lambda key: key != "log")
answer_lists = st.lists(st.dictionaries(answer_keys, json_values, max_size=4), max_size=9)


@settings(max_examples=40, deadline=None)
@given(answer_lists, st.data())
def test_any_answers_round_trip_and_any_change_is_caught(
    said: list[dict[str, Any]], data: st.DataObject
) -> None:
    document = sign_answers(said, keys=KEYS, now=NOW)
    assert [v["answer"] for v in verify_answers(document, signer=CARD)] == said
    if said:
        index = data.draw(st.integers(0, len(said) - 1))
        forged = copy.deepcopy(document)
        # Keys drawn above are at most 8 characters, so this one is always new.
        forged["answers"][index]["answer"] = {**said[index], "forged-by-test": True}
        with pytest.raises(VerificationError):
            verify_answers(forged, signer=CARD)
