"""Loss or compromise: report, notify the originator at once, investigate, report back
(Art. 17; R37).

Anyone may report an actual or possible loss or compromise. The originator is informed
immediately (FLASH precedence); the holder investigates and sends the result and the measures
taken against recurrence; only then can the case close. The case is a small state machine:

```
reported ─▶ originator_notified ─▶ investigating ─▶ findings_sent ─▶ closed
```

The time from report to notification is kept and compared with the node's SLA.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from gsomia.errors import Conflict, InputError
from gsomia.treaty.decision import Decision
from gsomia.treaty.items import Precedence
from gsomia.treaty.people import require_aware

__all__ = [
    "NOTIFICATION_PRECEDENCE",
    "CaseState",
    "CompromiseCase",
    "CompromiseReport",
    "close_case",
    "may_close_case",
    "may_investigate",
    "notify_originator",
    "open_compromise_case",
    "open_investigation",
    "send_findings",
]

ARTICLE = "Art. 17"
#: The precedence of the message that tells the originator (Art. 17: "immediately").
NOTIFICATION_PRECEDENCE = Precedence.FLASH


@dataclass(frozen=True, slots=True)
class CompromiseReport:
    """A report by anyone that items of `originator` held by `holder` were, or may have been,
    lost or compromised (`actual` False for a possibility)."""

    id: str
    item_ids: frozenset[str]
    originator: str
    holder: str
    reported_by: str
    reported_at: datetime
    actual: bool
    circumstances: str

    def __post_init__(self) -> None:
        require_aware(self.reported_at, "report time")
        if not self.item_ids:
            raise InputError(f"compromise report {self.id} names no item")
        if not self.reported_by or not self.circumstances:
            raise InputError(f"compromise report {self.id} needs its reporter and circumstances")


class CaseState(StrEnum):
    REPORTED = "reported"
    ORIGINATOR_NOTIFIED = "originator_notified"
    INVESTIGATING = "investigating"
    FINDINGS_SENT = "findings_sent"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CompromiseCase:
    """The investigation case a report opens, with the moment of each step."""

    report: CompromiseReport
    state: CaseState = CaseState.REPORTED
    notified_at: datetime | None = None
    investigation_opened_at: datetime | None = None
    result: str = ""
    measures: str = ""
    findings_sent_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def notification_delay(self) -> timedelta | None:
        """Time from report to the originator's notification (None until notified)."""
        if self.notified_at is None:
            return None
        return self.notified_at - self.report.reported_at

    def within(self, sla: timedelta) -> bool:
        """True if the originator was notified within `sla`; False if not, or not yet."""
        delay = self.notification_delay
        return delay is not None and delay <= sla


def open_compromise_case(report: CompromiseReport) -> CompromiseCase:
    return CompromiseCase(report)


def _step(case: CompromiseCase, expected: CaseState, at: datetime, step: str) -> None:
    require_aware(at, f"{step} time")
    if case.state is not expected:
        raise Conflict(
            f"compromise case {case.report.id} is {case.state.value}; it cannot be {step}",
            hint=f"a case is {step} when it is {expected.value}",
        )
    if at < case.report.reported_at:
        raise InputError(f"compromise case {case.report.id}: {step} before the report")


def notify_originator(case: CompromiseCase, at: datetime) -> CompromiseCase:
    """The originator was notified at `at` (sent at `NOTIFICATION_PRECEDENCE`)."""
    _step(case, CaseState.REPORTED, at, "notified")
    return replace(case, state=CaseState.ORIGINATOR_NOTIFIED, notified_at=at)


def open_investigation(case: CompromiseCase, at: datetime) -> CompromiseCase:
    _step(case, CaseState.ORIGINATOR_NOTIFIED, at, "investigated")
    return replace(case, state=CaseState.INVESTIGATING, investigation_opened_at=at)


def send_findings(
    case: CompromiseCase, at: datetime, *, result: str, measures: str
) -> CompromiseCase:
    """The investigation result and the measures against recurrence, sent to the originator."""
    _step(case, CaseState.INVESTIGATING, at, "reported on")
    if not result.strip() or not measures.strip():
        raise InputError(
            f"compromise case {case.report.id}: send both the result and the measures taken "
            "to prevent recurrence (Art. 17)"
        )
    return replace(
        case, state=CaseState.FINDINGS_SENT, result=result, measures=measures, findings_sent_at=at
    )


def may_investigate(
    case_id: str, reported_by: str, *, reported_here: bool, closing: bool = False
) -> Decision:
    """May this node record findings on, or close (`closing`), compromise case `case_id`? Only
    the node that reported it, the holder: it investigates, sends the result and the measures
    to the originator, and closes the case; the originator's node receives them (R37)."""
    if not reported_here:
        why = (
            f"case {case_id} is closed by {reported_by}, which investigates it"
            if closing
            else f"case {case_id} was reported by {reported_by}: the holder investigates and "
            "sends its findings to the originator"
        )
        return Decision.deny(why, ARTICLE, "R37")
    return Decision.allow(
        f"case {case_id} was reported here: this node investigates", ARTICLE, "R37"
    )


def may_close_case(case: CompromiseCase, *, acknowledged: bool = True) -> Decision:
    """A case closes only once the result and the measures were sent to the originator, and
    (`acknowledged`) the originator's node confirmed it received them."""
    if case.state is not CaseState.FINDINGS_SENT or not (case.result and case.measures):
        return Decision.deny(
            f"compromise case {case.report.id} is {case.state.value}: the investigation result "
            "and the measures against recurrence must first be sent to the originator",
            ARTICLE,
            "R37",
        )
    if not acknowledged:
        return Decision.deny(
            f"the findings of {case.report.id} are not yet acknowledged", ARTICLE, "R37"
        )
    return Decision.allow(f"findings of {case.report.id} were sent", ARTICLE, "R37")


def close_case(case: CompromiseCase, at: datetime) -> CompromiseCase:
    """The case closed; `PolicyDenied` unless `may_close_case` allows."""
    require_aware(at, "closing time")
    may_close_case(case).enforce()
    return replace(case, state=CaseState.CLOSED, closed_at=at)
