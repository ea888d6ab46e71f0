"""Message kinds, declared once: an unknown one fails closed, each family has its header."""

from __future__ import annotations

import pytest

from gsomia.errors import InputError
from gsomia.exchange.kinds import (
    AGREEMENT_EVENT_HEADER,
    ITEM_HEADER,
    MESSAGE_HEADER,
    WORKFLOW_KINDS,
    Kind,
    UnknownKind,
    describe,
    header_matches,
    kind_of,
    message_header,
)


@pytest.mark.parametrize("kind", list(Kind))
def test_every_declared_kind_is_found_by_its_wire_name(kind: Kind) -> None:
    assert kind_of(kind.value) is kind


@pytest.mark.parametrize("name", ["", "Item", "test_note", "item ", "gsomia-item/1"])
def test_an_unknown_kind_is_a_named_input_error(name: str) -> None:
    with pytest.raises(UnknownKind, match="unknown message kind") as caught:
        kind_of(name)
    assert isinstance(caught.value, InputError)


def test_items_and_agreement_steps_are_not_workflow_messages() -> None:
    assert Kind.ITEM not in WORKFLOW_KINDS
    assert Kind.AGREEMENT_EVENT not in WORKFLOW_KINDS
    assert len(WORKFLOW_KINDS) == len(Kind) - 2
    with pytest.raises(ValueError, match="not a workflow message"):
        message_header(Kind.ITEM)


@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_matches_its_own_header_and_no_other(kind: Kind) -> None:
    headers = {
        Kind.ITEM: {"type": ITEM_HEADER},
        Kind.AGREEMENT_EVENT: {"type": AGREEMENT_EVENT_HEADER, "agreement": "KOR-JPN-2016"},
    }
    own = headers.get(kind) or message_header(kind)
    assert header_matches(kind, own)
    for other in Kind:
        if other is not kind:
            assert not header_matches(other, own), (other, own)
    assert describe(kind)


def test_a_workflow_header_must_name_the_kind() -> None:
    assert not header_matches(Kind.VISIT_REQUEST, {"type": MESSAGE_HEADER})
    assert not header_matches(Kind.VISIT_REQUEST, {"type": ITEM_HEADER, "kind": "visit_request"})
