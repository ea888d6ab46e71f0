"""Incoming messages are verified once: each message of a v2 batch whose signature verified,
opened and checked as the kind it says it is inside the encryption (`verify_sealed`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gsomia.errors import InputError, VerificationError
from gsomia.exchange.incoming import (
    Refusal,
    Verified,
    require_addressee,
    require_party,
    verify_sealed,
)
from gsomia.exchange.kinds import AGREEMENT_EVENT_HEADER, ITEM_HEADER, Kind, message_header
from gsomia.seal import cbor, generate_node_keys, make_card
from gsomia.seal.encoding import b64u
from gsomia.seal.evidence import verify_evidence
from gsomia.seal.keys import NodeKeys
from gsomia.seal.opening import EnvelopeError
from gsomia.seal.sealed import OpenedV2, Plain, seal_batch, verify_batch

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KOR_KEYS, JPN_KEYS, USA_KEYS = (generate_node_keys() for _ in range(3))
KOR = make_card(KOR_KEYS, nation="KOR", name="KOR node", created=NOW)
JPN = make_card(JPN_KEYS, nation="JPN", name="JPN node", created=NOW)
USA = make_card(USA_KEYS, nation="USA", name="USA node", created=NOW)


def _batch(kind: str, header: dict[str, Any], content: bytes = b"{}") -> bytes:
    """KOR's batch for JPN of one message, as KOR's worker seals it."""
    return seal_batch(
        [Plain("m-1", kind, header, content)], keys=KOR_KEYS, sender="KOR", recipient=JPN, now=NOW
    )


def _at_jpn(data: bytes, card: Any = KOR, keys: NodeKeys = JPN_KEYS) -> Verified | Refusal:
    return verify_sealed(verify_batch(data, keys=keys, sender=card), 0, keys=keys, card=card)


def test_a_message_that_verifies_says_who_signed_it_and_what() -> None:
    verified = _at_jpn(_batch("visit_request", message_header(Kind.VISIT_REQUEST), b'{"a": 1}'))
    assert isinstance(verified, Verified)
    assert (verified.id, verified.kind, verified.sender) == ("m-1", Kind.VISIT_REQUEST, "KOR")
    assert verified.card.key_id == KOR.key_id
    assert verified.header == message_header(Kind.VISIT_REQUEST)
    assert verified.content == b'{"a": 1}'
    opened = verified.opened
    assert isinstance(opened, OpenedV2)
    assert verified.signed == b64u(opened.evidence).encode()
    verify_evidence(opened.evidence, KOR)  # what it signed stands alone


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ({"type": ITEM_HEADER}, "item"),
        ({"type": AGREEMENT_EVENT_HEADER, "agreement": "KOR-JPN-2016"}, "agreement_event"),
        (message_header(Kind.RETURN_NOTICE), "return_notice"),
    ],
)
def test_each_family_verifies_under_its_own_kind(header: dict[str, Any], kind: str) -> None:
    assert isinstance(_at_jpn(_batch(kind, header)), Verified)


REFUSALS: list[tuple[str, str, dict[str, Any], str]] = [
    ("unknown-kind", "test_note", {"type": ITEM_HEADER}, "unknown message kind"),
    (
        "workflow-as-item",
        "item",
        message_header(Kind.CONSENT_REQUEST),
        "does not carry an item header",
    ),
    (
        "item-as-agreement-step",
        "agreement_event",
        {"type": ITEM_HEADER},
        "does not carry an agreement event",
    ),
    (
        "workflow-as-another",
        "consent_decision",
        message_header(Kind.CONSENT_REQUEST),
        "does not carry a consent_decision message",
    ),
]


@pytest.mark.parametrize(
    ("kind", "header", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_what_is_not_the_message_its_sender_signed_is_refused(
    kind: str, header: dict[str, Any], words: str
) -> None:
    refusal = _at_jpn(_batch(kind, header))
    assert isinstance(refusal, Refusal)
    assert words in refusal.reason
    # A lifecycle step is a diplomatic note (Art. 21); the rest are transmissions (Art. 9).
    article = "Art. 21" if kind == "agreement_event" else "Art. 9"
    assert (refusal.message.id, refusal.article) == ("m-1", article)


def test_a_damaged_message_is_refused_and_a_batch_from_another_sender_not_opened() -> None:
    raw = cbor.loads(_batch("item", {"type": ITEM_HEADER}), what="t", limit=1 << 20)
    ct = raw["msgs"][0]["ct"]
    raw["msgs"][0]["ct"] = ct[:-1] + bytes([ct[-1] ^ 1])
    refusal = _at_jpn(cbor.dumps(raw))
    assert isinstance(refusal, Refusal)
    assert "could not be opened" in refusal.reason
    assert refusal.message.id == "m-1"
    with pytest.raises(EnvelopeError):
        _at_jpn(_batch("item", {"type": ITEM_HEADER}), card=USA)


def test_a_party_speaks_only_for_itself() -> None:
    verified = _at_jpn(_batch("visit_request", message_header(Kind.VISIT_REQUEST)))
    assert isinstance(verified, Verified)
    require_party(verified, "KOR", "the visiting party")
    with pytest.raises(VerificationError, match="KOR cannot speak for USA, the visiting party"):
        require_party(verified, "USA", "the visiting party")


CLASSIC_KOR_KEYS, CLASSIC_JPN_KEYS = generate_node_keys("classic"), generate_node_keys("classic")
CLASSIC_KOR = make_card(CLASSIC_KOR_KEYS, nation="KOR", name="KOR node", created=NOW)
CLASSIC_JPN = make_card(CLASSIC_JPN_KEYS, nation="JPN", name="JPN node", created=NOW)


@pytest.mark.parametrize(
    ("header", "kind", "opens"),
    [
        ({"type": ITEM_HEADER}, "item", True),
        ({"type": AGREEMENT_EVENT_HEADER, "agreement": "KOR-JPN-2016"}, "agreement_event", False),
        (message_header(Kind.CONSENT_REQUEST), "consent_request", False),
    ],
)
def test_only_an_item_may_come_classic_for_its_agreement_to_decide(
    header: dict[str, Any], kind: str, opens: bool
) -> None:
    data = seal_batch(
        [Plain("m-1", kind, header, b"{}")],
        keys=CLASSIC_KOR_KEYS,
        sender="KOR",
        recipient=CLASSIC_JPN,
        now=NOW,
    )
    checked = _at_jpn(data, card=CLASSIC_KOR, keys=CLASSIC_JPN_KEYS)
    assert isinstance(checked, Verified) is opens
    if opens:
        assert isinstance(checked, Verified)
        assert checked.opened.profile == "classic"


def test_a_request_addressed_to_another_nation_is_one_input_error_wherever_it_is_met() -> None:
    # Consent, purpose and visit requests all name the nation that must answer them.
    require_addressee("KOR", "KOR", "consent request c-1")  # addressed here: goes on
    with pytest.raises(InputError, match="visit request v-1 is addressed to JPN, not to KOR"):
        require_addressee("KOR", "JPN", "visit request v-1")
