"""The actions the node logs are declared, each filed under one kind; others fail loudly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select

from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.witness import RefusalReason
from gsomia.node import audit
from gsomia.store.merkle_log import log_leaves, log_state
from gsomia.store.schema import metadata
from gsomia.store.tables import access_log
from gsomia.treaty.decision import Decision
from gsomia.treaty.roles import Action

WHEN = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

#: Every action text the node logged a decision under when its kinds were chosen by prefix.
LOGGED = [
    *(action.value for action in Action),
    *("read", "use:training", "custody", "inventory", "copy", "translate", "derive"),
    *("destroy", "return", "reclassify", "remark", "agreement_event"),
    *("consent_request", "consent_grant", "consent_refuse", "consent_revoke"),
    *("purpose_request", "purpose_approve", "purpose_refuse"),
    *("provide:JPN", "receive", "receive:consent_request", "answer:item", "answered:item"),
    *("release_onward:USA", "forward:USA", "release_onward_received:USA", "forward_received:USA"),
    *("release_onward_refused:USA", "forward_refused:USA", "transfer_report_refused"),
    *("compromise_report_refused", "compromise_findings_refused", "close_compromise"),
    *("open_dispute", "dispute_consultation", "dispute_settled", "refer_dispute"),
    *("request_visit", "approve_visit", "refuse_visit", "disclose_to_visitor"),
    *("dispatch", "dispatch_import", "dispatch_receipt"),
]


def _by_prefix(action: str, allowed: bool) -> EventKind:
    """The rule, written out here as the reference the declared table must reproduce."""
    verb = action.partition(":")[0]
    if verb == "receive":
        return EventKind.RECEIPT if allowed else EventKind.REJECTION
    if verb == "answer":
        return EventKind.TRANSFER
    if not allowed:
        return EventKind.DECISION
    return {
        "publish": EventKind.PUBLICATION,
        "provide": EventKind.RELEASE,
        "release": EventKind.RELEASE,
        # R39's own events (issue 15): what happened, once allowed
        "copy": EventKind.COPY,
        "translate": EventKind.TRANSLATION,
        "destroy": EventKind.DESTRUCTION,
        "reclassify": EventKind.CLASSIFICATION_CHANGE,
        "remark": EventKind.CLASSIFICATION_CHANGE,
        "consent_grant": EventKind.CONSENT,
        "consent_revoke": EventKind.CONSENT,
        "agreement_event": EventKind.AGREEMENT,
        # R27: a courier bundle is a transfer; taking one in, or its receipt, a receipt.
        "dispatch": EventKind.TRANSFER,
        "dispatch_import": EventKind.RECEIPT,
        "dispatch_receipt": EventKind.RECEIPT,
    }.get(verb, EventKind.DECISION)


@pytest.mark.parametrize("allowed", [True, False])
@pytest.mark.parametrize("action", LOGGED)
def test_every_logged_action_keeps_its_kind(action: str, allowed: bool) -> None:
    assert audit.event_kind(action, allowed) is _by_prefix(action, allowed)


@pytest.mark.parametrize("verb", sorted(audit.VERBS))
def test_every_declared_verb_files_as_before(verb: str) -> None:
    for allowed in (True, False):
        assert audit.event_kind(verb, allowed) is _by_prefix(verb, allowed)
        assert audit.event_kind(f"{verb}:JPN", allowed) is _by_prefix(verb, allowed)


@pytest.mark.parametrize("action", ["", "x", "publish_all", "relase:JPN", ":JPN", "Read"])
def test_an_undeclared_action_is_refused_not_filed_as_a_decision(action: str) -> None:
    with pytest.raises(audit.UndeclaredAction, match="VERBS"):
        audit.event_kind(action, True)
    entry = audit.Entry("kim", action, "h1", Decision.allow("ok", "Art. 7", "R20"))
    with pytest.raises(audit.UndeclaredAction):
        audit.to_event(entry, WHEN)


def test_events_that_are_not_decisions_are_declared_with_their_kind() -> None:
    assert audit.EVENT_ACTIONS["peer:add"] is EventKind.KEY_ADMIN
    assert audit.EVENT_ACTIONS["user:token"] is EventKind.KEY_ADMIN
    assert audit.EVENT_ACTIONS["user:add"] is EventKind.USER_ADMIN
    for reason in (RefusalReason.BAD_SIGNATURE, RefusalReason.ROLLBACK, RefusalReason.FORK):
        assert audit.EVENT_ACTIONS[f"witness:{reason}"] is EventKind.WITNESS


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (EventKind.USER_ADMIN, "user:erase"),  # not declared
        (EventKind.KEY_ADMIN, "user:add"),  # declared, but as another kind
        (EventKind.WITNESS, "witness:bored"),
    ],
)
def test_an_undeclared_event_is_refused_before_anything_is_written(
    kind: EventKind, action: str
) -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=[access_log, log_leaves, log_state])
    event = LogEvent(kind, WHEN, "operator", ("kim",), {"action": action})
    with engine.connect() as conn:
        with pytest.raises(audit.UndeclaredAction, match="EVENT_ACTIONS"):
            audit.record_event(conn, event)
        entry = audit.Entry("kim", "relase:JPN", "h1", Decision.allow("ok", "Art. 1", "R50"))
        with pytest.raises(audit.UndeclaredAction, match="VERBS"):
            audit.record_all(conn, [entry], WHEN)
        written = [
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (access_log, log_leaves)
        ]
    assert written == [0, 0]
