"""Incoming messages are verified once: the sender's envelope, as the message it arrived as."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gsomia.errors import InputError, VerificationError
from gsomia.exchange.incoming import Refusal, Verified, require_addressee, require_party, verify
from gsomia.exchange.kinds import AGREEMENT_EVENT_HEADER, ITEM_HEADER, Kind, message_header
from gsomia.exchange.wire import WireMessage
from gsomia.seal import generate_node_keys, make_card, seal_envelope

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
KOR_KEYS, JPN_KEYS, USA_KEYS = (generate_node_keys() for _ in range(3))
KOR = make_card(KOR_KEYS, nation="KOR", name="KOR node", created=NOW)
JPN = make_card(JPN_KEYS, nation="JPN", name="JPN node", created=NOW)
USA = make_card(USA_KEYS, nation="USA", name="USA node", created=NOW)


def _sealed(header: dict[str, Any], envelope_id: str = "m-1", content: bytes = b"{}") -> bytes:
    return seal_envelope(
        content, label=header, keys=KOR_KEYS, recipients=[JPN], now=NOW, envelope_id=envelope_id
    )


def _at_jpn(message: WireMessage, card: Any = KOR) -> Verified | Refusal:
    return verify(message, keys=JPN_KEYS, card=card)


def test_a_message_that_verifies_says_who_signed_it_and_what() -> None:
    body = _sealed(message_header(Kind.VISIT_REQUEST), content=b'{"a": 1}')
    verified = _at_jpn(WireMessage("m-1", "visit_request", body))
    assert isinstance(verified, Verified)
    assert (verified.id, verified.kind, verified.sender) == ("m-1", Kind.VISIT_REQUEST, "KOR")
    assert verified.card.key_id == KOR.key_id
    assert verified.header == message_header(Kind.VISIT_REQUEST)
    assert (verified.content, verified.signed) == (b'{"a": 1}', body)


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ({"type": ITEM_HEADER}, "item"),
        ({"type": AGREEMENT_EVENT_HEADER, "agreement": "KOR-JPN-2016"}, "agreement_event"),
        (message_header(Kind.RETURN_NOTICE), "return_notice"),
    ],
)
def test_each_family_verifies_under_its_own_kind(header: dict[str, Any], kind: str) -> None:
    assert isinstance(_at_jpn(WireMessage("m-1", kind, _sealed(header))), Verified)


REFUSALS: list[tuple[str, WireMessage, Any, str]] = [
    ("unknown-kind", WireMessage("m-1", "test_note", b"x"), KOR, "unknown message kind"),
    ("garbage", WireMessage("m-1", "item", b"garbage"), KOR, "could not be opened"),
    (
        "another-sender",
        WireMessage("m-1", "item", _sealed({"type": ITEM_HEADER})),
        USA,
        "could not be opened",
    ),
    (
        "another-id",
        WireMessage("m-2", "item", _sealed({"type": ITEM_HEADER})),
        KOR,
        "the envelope's id differs from the message id",
    ),
    (
        "workflow-as-item",
        WireMessage("m-1", "item", _sealed(message_header(Kind.CONSENT_REQUEST))),
        KOR,
        "does not carry an item header",
    ),
    (
        "item-as-agreement-step",
        WireMessage("m-1", "agreement_event", _sealed({"type": ITEM_HEADER})),
        KOR,
        "does not carry an agreement event",
    ),
    (
        "workflow-as-another",
        WireMessage("m-1", "consent_decision", _sealed(message_header(Kind.CONSENT_REQUEST))),
        KOR,
        "does not carry a consent_decision message",
    ),
]


@pytest.mark.parametrize(
    ("message", "card", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_what_is_not_the_message_its_sender_signed_is_refused(
    message: WireMessage, card: Any, words: str
) -> None:
    refusal = _at_jpn(message, card)
    assert isinstance(refusal, Refusal)
    assert words in refusal.reason
    # A lifecycle step is a diplomatic note (Art. 21); the rest are transmissions (Art. 9).
    article = "Art. 21" if message.kind == "agreement_event" else "Art. 9"
    assert (refusal.message, refusal.article) == (message, article)


def test_a_party_speaks_only_for_itself() -> None:
    verified = _at_jpn(
        WireMessage("m-1", "visit_request", _sealed(message_header(Kind.VISIT_REQUEST)))
    )
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
    body = seal_envelope(
        b"{}",
        label=header,
        keys=CLASSIC_KOR_KEYS,
        recipients=[CLASSIC_JPN],
        now=NOW,
        envelope_id="m-1",
    )
    checked = verify(WireMessage("m-1", kind, body), keys=CLASSIC_JPN_KEYS, card=CLASSIC_KOR)
    assert isinstance(checked, Verified) is opens
    if opens:
        assert isinstance(checked, Verified)
        assert checked.opened.profile == "classic"


def test_a_request_addressed_to_another_nation_is_one_input_error_wherever_it_is_met() -> None:
    # Consent, purpose and visit requests all name the nation that must answer them.
    require_addressee("KOR", "KOR", "consent request c-1")  # addressed here: goes on
    with pytest.raises(InputError, match="visit request v-1 is addressed to JPN, not to KOR"):
        require_addressee("KOR", "JPN", "visit request v-1")
