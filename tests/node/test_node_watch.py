"""The serving node's watch (issue 16): a partner pinned by another process is used within
a look, and a FLASH message that could not go out is said at once, and once."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import UsageError
from gsomia.exchange import outbox
from gsomia.node import agreements
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.node.partners import pin_partner
from gsomia.node.runtime import Node
from gsomia.node.watch import look
from gsomia.treaty.lifecycle import Event, EventKind, State

NOTICE = Event(EventKind.TERMINATION_NOTICE, date(2026, 8, 20), "note verbale 2026-08-20", "KOR")


@pytest.fixture
def pair(tmp_path: Path) -> Cast:
    return build_cast(tmp_path, ("KOR", "JPN"))


def other_process(node: Node) -> Node:
    """The same home opened again, as `gsomia peer add` opens it beside the serving node."""
    return assemble(load_home(node.home.path, f"pw-{node.nation}-0123456789"))


def fail_once(node: Node) -> None:
    """Every due message tried once and failed, as the worker records an unreachable peer."""
    with node.engine.begin() as conn:
        due = outbox.due(conn, node.clock(), 100)
        outbox.retry_later(conn, due, "peer JPN has no endpoint", node.clock())


def test_a_partner_pinned_by_another_process_is_used_at_the_next_look(pair: Cast) -> None:
    kor = pair["KOR"]
    look(kor)  # the serving node has read its partners
    assert kor.peer_address("JPN") is not None
    cli = other_process(kor)
    pin_partner(cli, pair["JPN"].card.to_bytes(), "https://jpn.moved.example:8401")
    assert kor.peer_address("JPN").endpoint == "https://jpn.invalid"  # type: ignore[union-attr]
    look(kor)
    address = kor.peer_address("JPN")
    assert address is not None
    assert address.endpoint == "https://jpn.moved.example:8401"
    assert kor.notice_changes() == set()  # nothing changed since


def test_an_agreement_step_recorded_by_another_process_is_seen(pair: Cast) -> None:
    kor = pair["KOR"]
    look(kor)
    before = kor.agreement("KOR-JPN-2016")
    agreements.record_event(other_process(kor), pair.user("KOR", "park"), before.id, NOTICE)
    assert kor.agreement(before.id).history == before.history  # cached until the next look
    look(kor)
    after = kor.agreement(before.id)
    assert after.status_at(date(2026, 9, 1)).state is State.TERMINATION_NOTIFIED


def test_peer_add_refuses_a_partner_with_no_endpoint(pair: Cast, tmp_path: Path) -> None:
    lone = build_cast(tmp_path / "lone", ("KOR", "JPN"), pin=False)
    card = lone["JPN"].card.to_bytes()  # made without --endpoint: the card names none
    with pytest.raises(UsageError, match="names no endpoint") as refused:
        pin_partner(lone["KOR"], card)
    assert "--endpoint https://HOST:PORT" in str(refused.value)
    assert lone["KOR"].peer_card("JPN") is None
    pin_partner(lone["KOR"], card, without_endpoint=True)
    assert lone["KOR"].peer_address("JPN") is None


def test_an_undelivered_flash_is_logged_counted_and_shown_once(
    pair: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    kor = pair["KOR"]
    item = pair.publish("KOR", "kim")
    [outcome] = pair.release("KOR", "park", item)
    assert look(kor) == []  # queued, not yet tried: nothing to say
    fail_once(kor)
    with caplog.at_level(logging.ERROR, "gsomia.delivery"):
        [raised] = look(kor)
    assert (raised.message_id, raised.peer, raised.item_id) == (outcome.message_id, "JPN", item)
    assert f"FLASH {item} to JPN not delivered after 1 attempt(s)" in caplog.text
    counted = kor.metrics.flash_undelivered.labels("JPN")._value.get()
    assert counted == 1
    assert look(kor) == []  # said once, still shown while it waits
    assert list(kor.undelivered) == [outcome.message_id]
    pair.deliver("KOR", "JPN")
    look(kor)
    assert kor.undelivered == {}
    assert kor.metrics.flash_undelivered.labels("JPN")._value.get() == 1


def test_delivery_latency_is_labelled_by_precedence_name(pair: Cast) -> None:
    kor = pair["KOR"]
    pair.release("KOR", "park", pair.publish("KOR", "kim"))
    pair.deliver("KOR", "JPN")
    text = kor.metrics.exposition(kor.reader).decode()
    assert 'gsomia_delivery_latency_seconds_count{precedence="FLASH"} 1.0' in text
    assert 'gsomia_outbox_depth{precedence="FLASH"}' in text  # the same label values
