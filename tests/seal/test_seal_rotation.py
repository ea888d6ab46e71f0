"""Key rotation statements (ADR 0093): a partner pins a node's new card only on the word of the
card it pinned before, and never twice for the same word."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.seal import IdentityCard, NodeKeys, generate_node_keys, make_card
from gsomia.seal.documents import sign_document
from gsomia.seal.encoding import canonical_json
from gsomia.seal.rotation import Rotation, RotationRefused, make_rotation, verify_rotation

NOW = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)
CREATED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def _node(nation: str = "KOR", created: datetime = CREATED) -> tuple[NodeKeys, IdentityCard]:
    keys = generate_node_keys("pq", nation=nation, now=created)
    return keys, make_card(keys, nation=nation, name=f"{nation} node", created=created)


@pytest.fixture(scope="module")
def chain() -> list[tuple[NodeKeys, IdentityCard]]:
    """KOR's keys A, then B, then C (one rotation a day)."""
    return [_node(created=CREATED + timedelta(days=n)) for n in range(3)]


def _statement(
    old: tuple[NodeKeys, IdentityCard], new: tuple[NodeKeys, IdentityCard], at: datetime = NOW
) -> bytes:
    return canonical_json(make_rotation(old[0], old[1], new[0], new[1], at=at))


def test_a_statement_signed_by_the_pinned_keys_gives_the_new_card(chain: Any) -> None:
    (_, a), (_, b) = chain[0], chain[1]
    rotation = verify_rotation(_statement(chain[0], chain[1]), a, now=NOW)
    assert rotation == Rotation(a, b, NOW)
    assert rotation.new.tls_pin != a.tls_pin  # the link's pin moves with the card


def test_a_forged_statement_is_refused(chain: Any) -> None:
    raw = json.loads(_statement(chain[0], chain[1]))
    _, other = _node()  # the forger swaps in a card of its own under A's signature
    payload = json.loads(_b64(raw["by_old"]["payload"]))
    payload["card"] = other.to_json()
    raw["by_old"]["payload"] = _unb64(canonical_json(payload))
    with pytest.raises(RotationRefused, match="not signed by the keys pinned for KOR"):
        verify_rotation(json.dumps(raw), chain[0][1], now=NOW)


def test_a_statement_signed_by_a_key_not_pinned_is_refused(chain: Any) -> None:
    stranger = _node()  # keys KOR never had, claiming to replace the pinned card A
    statement = make_rotation(stranger[0], stranger[1], chain[1][0], chain[1][1], at=NOW)
    with pytest.raises(RotationRefused, match="not the card pinned for KOR"):
        verify_rotation(canonical_json(statement), chain[0][1], now=NOW)
    # ...and claiming to replace the pinned card does not help: the signature is not its keys'
    payload = json.loads(_b64(statement["by_old"]["payload"]))
    payload["old"] = chain[0][1].fingerprint
    raw = {
        "type": statement["type"],
        "by_old": sign_document(stranger[0], payload),
        "by_new": sign_document(chain[1][0], payload),
    }
    with pytest.raises(RotationRefused, match="not signed by the keys pinned for KOR"):
        verify_rotation(json.dumps(raw), chain[0][1], now=NOW)


def test_an_old_statement_sent_again_is_refused(chain: Any) -> None:
    a_to_b = _statement(chain[0], chain[1])
    b_to_c = _statement(chain[1], chain[2])
    pinned = verify_rotation(a_to_b, chain[0][1], now=NOW).new
    pinned = verify_rotation(b_to_c, pinned, now=NOW).new
    for replayed in (a_to_b, b_to_c):
        with pytest.raises(RotationRefused):
            verify_rotation(replayed, pinned, now=NOW)
    # signed by B, which was pinned once: still not the pinned card now
    with pytest.raises(RotationRefused, match="an old statement sent again"):
        verify_rotation(b_to_c, chain[2][1], now=NOW)


def test_a_replay_onto_the_card_it_replaced_names_the_card_pinned_now(chain: Any) -> None:
    # B's keys re-sign the old A→B words against pinned B: `old` names A, not B
    raw = json.loads(_statement(chain[0], chain[1]))
    forged = make_rotation(chain[1][0], chain[1][1], chain[2][0], chain[2][1], at=NOW)
    payload = json.loads(_b64(forged["by_old"]["payload"]))
    payload["old"] = chain[0][1].fingerprint
    raw = {
        "type": raw["type"],
        "by_old": sign_document(chain[1][0], payload),
        "by_new": sign_document(chain[2][0], payload),
    }
    with pytest.raises(RotationRefused, match="an old statement sent again"):
        verify_rotation(json.dumps(raw), chain[1][1], now=NOW)
    # and the same words with `old` set to the pinned card: B's signature, C never signed
    payload["old"] = chain[1][1].fingerprint
    raw["by_old"] = sign_document(chain[1][0], payload)
    raw["by_new"] = sign_document(chain[2][0], payload)
    verify_rotation(json.dumps(raw), chain[1][1], now=NOW)  # fresh words of B: a rotation


def test_new_keys_the_maker_does_not_hold_are_refused(chain: Any) -> None:
    raw = json.loads(_statement(chain[0], chain[1]))
    other = make_rotation(chain[0][0], chain[0][1], chain[2][0], chain[2][1], at=NOW)
    raw["by_new"] = other["by_new"]  # signed by C's keys, not B's, which the card names
    with pytest.raises(RotationRefused, match="new card's keys did not sign"):
        verify_rotation(json.dumps(raw), chain[0][1], now=NOW)


def test_a_new_card_keeping_the_tls_key_is_refused(chain: Any) -> None:
    old_keys, old_card = chain[0]
    fresh = generate_node_keys("pq", nation="KOR", now=NOW)
    same_link = replace(fresh, tls_key=old_keys.tls_key, tls_certificate=old_keys.tls_certificate)
    card = make_card(same_link, nation="KOR", name="KOR node", created=NOW)
    statement = canonical_json(make_rotation(old_keys, old_card, same_link, card, at=NOW))
    with pytest.raises(RotationRefused, match="new TLS key"):
        verify_rotation(statement, old_card, now=NOW)


@pytest.mark.parametrize(
    ("at", "fault"),
    [
        (NOW + timedelta(hours=1), "ahead of this clock"),
        (CREATED - timedelta(days=1), "older than the card it replaces"),
    ],
)
def test_a_statement_out_of_time_is_refused(chain: Any, at: datetime, fault: str) -> None:
    with pytest.raises(RotationRefused, match=fault):
        verify_rotation(_statement(chain[0], chain[1], at), chain[0][1], now=NOW)


def test_a_card_of_another_nation_cannot_be_rotated_in(chain: Any) -> None:
    jpn = _node("JPN")
    with pytest.raises(Exception, match="nation"):
        make_rotation(chain[0][0], chain[0][1], jpn[0], jpn[1], at=NOW)


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_altered_byte_is_refused_or_changes_nothing(
    chain: Any, position: int, flip: int
) -> None:
    statement = bytearray(_statement(chain[0], chain[1]))
    statement[position % len(statement)] ^= flip
    try:
        rotation = verify_rotation(bytes(statement), chain[0][1], now=NOW)
    except RotationRefused:
        return
    assert rotation.new == chain[1][1]  # only an encoding the signature also covers


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unb64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
