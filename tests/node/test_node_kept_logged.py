"""What the log says a row was kept as (ADR 0151), as `audit verify` reads it: the last word of
the allowed entries and cases' steps on each row (`rows_logged`), the rows that say otherwise
(`rows_against_log`), and the byte scan that decodes no fewer entries than carry a word."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.ledger.events import EventKind, LogEvent
from gsomia.node.audit import (
    KEPT_AS,
    UndeclaredAction,
    case_event,
    kept_as,
    rows_against_log,
    rows_logged,
)
from gsomia.node.ledger import may_be_checked, may_dispose, may_keep, may_make_copy

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _remark(subject: str, allowed: bool = True, **said: Any) -> LogEvent:
    body = {"action": "remark", "allowed": allowed, **kept_as("copy", subject, **said)}
    return LogEvent(EventKind.CLASSIFICATION_CHANGE, NOW, "KOR", (subject,), body)


def _holding(subject: str, marking: str, version: int) -> LogEvent:
    said = kept_as("holding", subject, marking=marking, version=version)
    body = {"action": "receive:classification_notice", "allowed": True, **said}
    return LogEvent(EventKind.RECEIPT, NOW, "KOR", (subject,), body)


@pytest.mark.parametrize(
    ("events", "logged"),
    [
        ([_remark("c1", marking="極秘")], {("copy", "c1"): {"marking": "極秘"}}),
        (
            [_remark("c1", marking="極秘"), _remark("c1", marking="秘")],
            {("copy", "c1"): {"marking": "秘"}},
        ),
        ([_remark("c1", False, marking="極秘")], {}),  # refused: nothing was kept
        (
            [_holding("h1", "極秘", 1), _holding("h1", "秘", 3)],
            {("holding", "h1"): {"marking": "秘", "version": 3}},
        ),
        (  # a case's step carries no decision: it is the node's own word
            [case_event("p1", "consent", status="revoked", version=2, now=NOW)],
            {("case", "p1"): {"status": "revoked", "version": 2}},
        ),
        (  # a body naming no declared kind, or no id, says nothing
            [
                LogEvent(
                    EventKind.DECISION, NOW, "x", ("h1",), {KEPT_AS: {"kind": "user", "id": "h1"}}
                ),
                LogEvent(EventKind.DECISION, NOW, "x", ("h1",), {KEPT_AS: {"kind": "holding"}}),
                LogEvent(EventKind.DECISION, NOW, "x", ("h1",), {KEPT_AS: "holding h1"}),
            ],
            {},
        ),
    ],
)
def test_the_log_keeps_its_last_word_on_each_row(
    events: list[LogEvent], logged: dict[tuple[str, str], dict[str, Any]]
) -> None:
    assert rows_logged(events) == logged


@pytest.mark.parametrize(
    ("kept", "named"),
    [
        ({"marking": "極秘", "version": 2}, []),
        ({"marking": "極秘", "version": 5}, []),  # moved on since (an approval, a copy counted)
        ({"marking": "秘", "version": 2}, ["holding h1 (marked 秘, logged 極秘)"]),
        ({"marking": "極秘", "version": 1}, ["holding h1 (version 1, logged 2)"]),
        (
            {"marking": "秘", "version": 0},
            ["holding h1 (marked 秘, logged 極秘; version 0, logged 2)"],
        ),
        (None, ["holding h1 (kept nowhere)"]),
    ],
)
def test_a_row_lower_or_otherwise_than_the_logs_word_is_named(
    kept: dict[str, str | int] | None, named: list[str]
) -> None:
    logged: dict[tuple[str, str], dict[str, str | int]] = {
        ("holding", "h1"): {"marking": "極秘", "version": 2}
    }
    rows = {} if kept is None else {("holding", "h1"): kept}
    assert rows_against_log(logged, rows) == named


def test_only_declared_rows_and_fields_are_logged_as_kept() -> None:
    with pytest.raises(UndeclaredAction):
        kept_as("user", "ito", marking="極秘")
    with pytest.raises(UndeclaredAction):
        kept_as("holding", "h1", clearance="極秘")


_TEXT = st.text(max_size=20)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["holding", "copy", "item", "case"]),
    subject=st.text(min_size=1, max_size=20),
    marking=_TEXT,
    version=st.integers(0, 2**31),
    details=st.dictionaries(_TEXT.filter(lambda k: k != KEPT_AS), _VALUES, max_size=4),
    allowed=st.booleans(),
)
def test_verify_decodes_every_entry_that_says_what_a_row_was_kept_as(
    kind: str, subject: str, marking: str, version: int, details: dict[str, Any], allowed: bool
) -> None:
    """`audit verify` decodes only the entries whose bytes may say what a row was kept as:
    whatever else the event carries (any text, nested bodies), none that says is skipped."""
    said = kept_as(kind, subject, marking=marking, version=version)
    body = {**details, "action": "remark", "allowed": allowed, **said}
    event = LogEvent(EventKind.DECISION, NOW, "KOR", (subject,), body)
    if rows_logged([event]):
        assert may_keep(event.encode())


@settings(max_examples=300, deadline=None)
@given(
    action=st.sampled_from(
        ["destroy", "return", "copy", "translate", "derive", "user:add", "user:update", "read"]
    ),
    subject=st.text(min_size=1, max_size=20),
    details=st.dictionaries(_TEXT, _VALUES, max_size=4),
    said=st.booleans(),
)
def test_the_one_scan_decodes_every_entry_any_check_decodes(
    action: str, subject: str, details: dict[str, Any], said: bool
) -> None:
    """`audit verify` reads the log once for the checks against the rows (`ledger.scan`),
    testing each entry's bytes with one pattern: none that a check's own test takes is
    skipped, whatever the entry carries."""
    kept = kept_as("copy", subject, marking="極秘") if said else {}
    body = {**details, "action": action, "allowed": True, **kept}
    entry = LogEvent(EventKind.DECISION, NOW, "KOR", (subject,), body).encode()
    each = may_dispose(entry) or may_make_copy(entry) or b'"action":"user:' in entry
    if each or may_keep(entry):
        assert may_be_checked(entry)
