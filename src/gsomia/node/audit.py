"""Every decision, both kinds, recorded in the same transaction as what it decided (R39).

Each record goes twice, in the caller's transaction: into `access_log`, the queryable index
the audit pages read, and into the node's Merkle log (`gsomia.store.merkle_log.MerkleLog`) as
a `LogEvent`, which is what checkpoints sign and partners witness (issue 6).

The actions the node logs are declared here (`VERBS`, `EVENT_ACTIONS`), each with the kind the
log files it under. An action nobody declared is a bug: recording it raises `UndeclaredAction`
rather than filing it under a guessed kind.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import Connection

from gsomia.errors import InputError
from gsomia.ledger.events import EventKind, LogEvent
from gsomia.ledger.witness import RefusalReason
from gsomia.node.audit_rows import listed, listed_row
from gsomia.store import access_log
from gsomia.store.merkle_log import MerkleLog
from gsomia.treaty.decision import Decision
from gsomia.treaty.roles import Action


class UndeclaredAction(LookupError):
    """An action the node does not declare it logs: a programming error, never input."""


class Filing(NamedTuple):
    """The log kinds of a decision about an action: when it was allowed, when it was denied."""

    allowed: EventKind
    denied: EventKind


DECIDED = Filing(EventKind.DECISION, EventKind.DECISION)

#: What happened, when allowed: these verbs file an allowed decision as the event itself.
_HAPPENED = {
    Action.PUBLISH.value: Filing(EventKind.PUBLICATION, EventKind.DECISION),
    Action.RELEASE.value: Filing(EventKind.RELEASE, EventKind.DECISION),
    "provide": Filing(EventKind.RELEASE, EventKind.DECISION),  # an item sealed to a partner
    "receive": Filing(EventKind.RECEIPT, EventKind.REJECTION),  # a partner's message
    "answer": Filing(EventKind.TRANSFER, EventKind.TRANSFER),  # a partner's answer to ours
    # R39 names these events; each, when allowed, is filed as what happened.
    "copy": Filing(EventKind.COPY, EventKind.DECISION),
    "translate": Filing(EventKind.TRANSLATION, EventKind.DECISION),
    "destroy": Filing(EventKind.DESTRUCTION, EventKind.DECISION),
    "reclassify": Filing(EventKind.CLASSIFICATION_CHANGE, EventKind.DECISION),  # the notice
    "remark": Filing(EventKind.CLASSIFICATION_CHANGE, EventKind.DECISION),  # a holder applies it
    "consent_grant": Filing(EventKind.CONSENT, EventKind.DECISION),  # a consent created
    "consent_revoke": Filing(EventKind.CONSENT, EventKind.DECISION),
    "agreement_event": Filing(EventKind.AGREEMENT, EventKind.DECISION),
    "dispatch": Filing(EventKind.TRANSFER, EventKind.DECISION),  # a courier bundle sent (R27)
    "dispatch_import": Filing(EventKind.RECEIPT, EventKind.DECISION),  # one taken in
    "dispatch_receipt": Filing(EventKind.RECEIPT, EventKind.DECISION),  # its receipt back
}

#: The decisions of the workflows, each a decision whatever it concerns.
_WORKFLOW_VERBS = (
    # holdings: reading and use, custody, reproduction, disposal, classification
    *("read", "use", "custody", "inventory", "copy", "translate", "derive", "destroy"),
    *("return", "reclassify", "remark"),
    # the originator's consent, and its approval of a purpose
    *("consent_request", "consent_grant", "consent_refuse", "consent_revoke"),
    *("purpose_request", "purpose_approve", "purpose_refuse"),
    # onward transfers and what became of them
    *("forward", "release_onward_received", "release_onward_refused", "forward_received"),
    *("forward_refused", "transfer_report_refused", "answered"),
    # agreements, compromise, disputes, visits
    *("agreement_event", "compromise_report_refused", "compromise_findings_refused"),
    *("close_compromise", "open_dispute", "dispute_consultation", "dispute_settled"),
    *("refer_dispute", "approve_visit", "refuse_visit", "disclose_to_visitor"),
    # contractors (R33–R36)
    *("contractor_facility", "contractor_inspection", "contractor_staff", "contractor_briefing"),
    *("contract", "contract_assurance", "release_to_contractor"),
    # a FLASH alert kept on the node, acknowledged by its reader (issue 16); a stream of them
    # opened (refused without a clearance in force, R19)
    *("alert_ack", "alerts_open"),
    # security representatives' visits (Art. 18, R38)
    *("security_visit_consultation", "security_visit_findings", "security_visit_report"),
    # a list taken away whole, as CSV or JSON, from the pages (issue 16)
    "export",
)

#: Every verb the node logs a decision under, and how the log files it. An action is a verb,
#: or a verb, a colon and what it concerns: `provide:JPN`, `receive:consent_request`,
#: `answer:item`, `use:<purpose>`. The roles' own decisions are logged under their `Action`.
VERBS: Mapping[str, Filing] = MappingProxyType(
    {
        **{action.value: DECIDED for action in Action},
        **dict.fromkeys(_WORKFLOW_VERBS, DECIDED),
        **_HAPPENED,  # last: publishing and releasing are roles' actions too
    }
)

#: The events that are not decisions (`record_event`), by the action they carry, and their kind.
EVENT_ACTIONS: Mapping[str, EventKind] = MappingProxyType(
    {
        "peer:add": EventKind.KEY_ADMIN,
        "identity:rotate": EventKind.KEY_ADMIN,  # new node keys, announced (ADR 0093)
        "user:token": EventKind.KEY_ADMIN,
        "user:token-revoke": EventKind.KEY_ADMIN,
        "user:passwd": EventKind.KEY_ADMIN,  # with its verifier's seal (ADR 0150)
        "user:token-retire": EventKind.KEY_ADMIN,
        "user:add": EventKind.USER_ADMIN,
        "user:disable": EventKind.USER_ADMIN,
        "user:update": EventKind.USER_ADMIN,
        "user:remove": EventKind.USER_ADMIN,
        **{f"witness:{reason}": EventKind.WITNESS for reason in RefusalReason},
    }
)

_ADMIN_KINDS = (EventKind.USER_ADMIN, EventKind.KEY_ADMIN, EventKind.AGREEMENT)

#: The actions whose allowed decision disposes of its subjects (the holding, a return's
#: notice, each copy it covers), and the state each leaves them in (R18, R31).
DISPOSING: Mapping[str, str] = MappingProxyType({"destroy": "destroyed", "return": "returned"})


@dataclass(frozen=True)
class Entry:
    """One decision about one subject, by or for one actor.

    `also` names further subjects (a message id beside an item id); `details` go into the
    logged event's body, not into `access_log`.
    """

    actor: str
    action: str
    subject: str
    decision: Decision
    also: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)


def filing(action: str) -> Filing:
    """How the log files decisions about `action`; `UndeclaredAction` if no verb declares it."""
    found = VERBS.get(action.partition(":")[0])
    if found is None:
        raise UndeclaredAction(
            f"{action!r} is not an action the node logs: declare its verb in "
            "gsomia.node.audit.VERBS with the kind the log files it under"
        )
    return found


def event_kind(action: str, allowed: bool) -> EventKind:
    """The log's kind for a decision about `action` (what happened, when it was allowed)."""
    kinds = filing(action)
    return kinds.allowed if allowed else kinds.denied


def to_event(entry: Entry, now: datetime) -> LogEvent:
    """The log event of a decision: its kind, who, on what, and the decision with its article."""
    d = entry.decision
    body = {
        **entry.details,
        "action": entry.action,
        "allowed": d.allowed,
        "reason": d.reason,
        "article": d.article,
        "requirement": d.requirement,
    }
    return LogEvent(
        event_kind(entry.action, d.allowed), now, entry.actor, (entry.subject, *entry.also), body
    )


def record_all(
    conn: Connection, entries: Sequence[Entry], now: datetime, *, also: Sequence[LogEvent] = ()
) -> list[int]:
    """Append `entries` to both logs, then the events `also`; their Merkle log indices.

    Each `access_log` row is derived from its event and names its index, so `gsomia audit
    verify` proves the row against the signed log (`gsomia.node.audit_rows`)."""
    events = [listed(to_event(e, now)) for e in entries]  # an undeclared action writes nothing
    indices = MerkleLog(conn).append([*events, *also])
    if entries:
        access_log.add(conn, _rows(events, indices))
    return indices


def _rows(events: Sequence[LogEvent], indices: Sequence[int]) -> list[dict[str, Any]]:
    return [
        {**listed_row(event), "log_index": index}
        for event, index in zip(events, indices, strict=False)
    ]


def record(
    conn: Connection, *, actor: str, action: str, subject: str, decision: Decision, now: datetime
) -> Decision:
    """Append `decision` to the log and hand it back, so callers can chain `.enforce()`."""
    record_all(conn, [Entry(actor, action, subject, decision)], now)
    return decision


def record_event(conn: Connection, event: LogEvent) -> int:
    """Log an event that is not a decision (administration, a witness refusal, a rejection),
    with an `access_log` row so the audit pages list it too."""
    action = str(event.body.get("action", event.kind.value))
    if EVENT_ACTIONS.get(action) is not event.kind:
        raise UndeclaredAction(
            f"{action!r} is not a {event.kind} event the node logs: declare it in "
            "gsomia.node.audit.EVENT_ACTIONS"
        )
    marked = listed(event)
    [index] = MerkleLog(conn).append([marked])
    access_log.add(conn, _rows([marked], [index]))
    return index


def disposals_logged(events: Iterable[LogEvent]) -> dict[str, str]:
    """Each subject the log records disposed of, with the state the disposal left it in: the
    witness of a holding or copy put back from before its disposal that no writer of the
    database can take away without breaking the cosigned log (ADR 0139)."""
    disposed: dict[str, str] = {}
    for event in events:
        state = DISPOSING.get(str(event.body.get("action")))
        if state is not None and event.body.get("allowed") is True:
            disposed.update(dict.fromkeys(event.subjects, state))
    return disposed


#: The actions whose allowed entry makes a row of `copies`: a numbered copy, a translation
#: or a derivative, whose id is the entry's second subject (`node.control.copies` and
#: `.derivatives`: the holding or sources, then the copy).
MAKING_COPIES = ("copy", "translate", "derive")


def copies_logged(events: Iterable[LogEvent]) -> set[str]:
    """Each copy, translation and derivative the log records made: one is never deleted, only
    destroyed or returned, so each must be stored in some state. The witness of a copy
    deleted by a writer who also put back its holding's count from before it was made, which
    every seal and count then agrees with (found by the attack, ADR 0143)."""
    made: set[str] = set()
    for event in events:
        body = event.body
        if body.get("action") in MAKING_COPIES and body.get("allowed") is True:
            made.update(event.subjects[1:2])
    return made


def unstored(made: Collection[str], found: Collection[str]) -> list[str]:
    """Each of `made` (copies the log records made) not among `found` (stored), as
    "id (logged made, stored nowhere)", by id."""
    return [f"{i} (logged made, stored nowhere)" for i in sorted(set(made) - set(found))]


#: The fields of a person the log says (`node.users`: `user:add` logs the first five, its
#: `role` being `roles`; `user:update` logs each changed one as "before -> after").
PERSON_FIELDS = (
    "nationality",
    "clearance",
    "clearance_expires",
    "registered",
    "roles",
    "communities",
    "language",
    "categories",
)
#: What a person's entry in `people_logged` says of one the log records removed.
REMOVED = "removed"


def people_logged(events: Iterable[LogEvent]) -> dict[str, dict[str, str]]:
    """Each person the log records registered, with what it says of them after every change,
    disabling and removal, in order (each field as `shown` writes it; `REMOVED` for one
    removed). The witness of a person's row put back from before a change: their sealed terms
    (ADR 0146) open on the row of before as on the row of now (found by the attack, ADR
    0148)."""
    people: dict[str, dict[str, str]] = {}
    for event in events:
        body, name = event.body, event.subjects[0] if event.subjects else ""
        action = body.get("action")
        if action == "user:add":
            added = {k: str(body[k]) for k in PERSON_FIELDS if k in body}
            if "role" in body:
                added["roles"] = str(body["role"])
            people[name] = {**added, "disabled": "false"}
            continue
        said = people.get(name)
        if said is None:
            continue  # registered before the log said what a person is: nothing to compare
        if action == "user:remove":
            people[name] = {REMOVED: "true"}
        elif action == "user:disable":
            said["disabled"] = "true"
        elif action == "user:update":
            for key in PERSON_FIELDS:
                value = body.get(key)
                if isinstance(value, str) and " -> " in value:
                    said[key] = value.rsplit(" -> ", 1)[1]
            if body.get("enabled") == "true":
                said["disabled"] = "false"
    return people


def shown(value: object) -> str:
    """A person's field as the log writes it (`node.users`): lists joined by commas, dates in
    ISO form, yes or no in lower case."""
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return value.isoformat() if isinstance(value, date) else str(value)


def people_against_log(
    logged: Mapping[str, Mapping[str, str]], kept: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """Each person whose row (`kept`: each field as `shown` writes it) says otherwise than
    the log (`people_logged`), as "name (field kept, logged value; ...)", by name."""
    named = []
    for name in sorted(logged):
        said, row = logged[name], kept.get(name)
        if REMOVED in said:
            if row is not None:
                named.append(f"{name} (kept, logged removed)")
            continue
        if row is None:
            named.append(f"{name} (kept nowhere, logged not removed)")
            continue
        differ = [
            f"{key} {row[key]}, logged {value}"
            for key, value in said.items()
            if key in row and row[key].lower() != value.lower()
        ]
        if differ:
            named.append(f"{name} ({'; '.join(differ)})")
    return named


#: The body member by which an entry says what a row stood at once the decision was applied
#: (ADR 0151): `{"kind", "id"}` and each of `KEPT_FIELDS` the row's kind keeps, in clear. A
#: re-marking says its holding's marking and version, each copy's and the item's marking; a
#: case's step says the case's status and version.
KEPT_AS = "kept_as"
#: What a row kept as the log says: its marking (holdings, copies, items: the clear level
#: column the lists and the read decision take), a case's status, and the version its
#: witness says (holdings and cases, ADR 0146).
KEPT_FIELDS = ("marking", "status", "version")
#: The kinds of row an entry may say it kept.
KEPT_KINDS = ("holding", "copy", "item", "case")

#: The events no decision names: a case's step (`case_event`), filed as what the case is about.
_CASE_FILING: Mapping[str, EventKind] = MappingProxyType(
    {
        "consent": EventKind.CONSENT,
        "compromise": EventKind.COMPROMISE,
        "notice": EventKind.CLASSIFICATION_CHANGE,
    }
)


def kept_as(kind: str, subject_id: str, **said: str | int) -> dict[str, Any]:
    """The details member of an entry saying the row `kind` `subject_id` now stands at `said`
    (`KEPT_FIELDS` only): the log's word that `audit verify` holds the row to."""
    if kind not in KEPT_KINDS or not set(said) <= set(KEPT_FIELDS):
        raise UndeclaredAction(f"no row of kind {kind!r} keeps {sorted(said)} in the log")
    return {KEPT_AS: {"kind": kind, "id": subject_id, **said}}


def case_event(
    case_id: str, case_kind: str, *, status: str, version: int, now: datetime
) -> LogEvent:
    """The event of a case's step: the status and version its row now stands at, so that a
    row put back from before the step with its witness is named by `verify` (ADR 0151). Not
    listed: the step's own decision is (each workflow logs it)."""
    kind = _CASE_FILING.get(case_kind, EventKind.DECISION)
    body = {"action": "case_step", **kept_as("case", case_id, status=status, version=version)}
    return LogEvent(kind, now, "node", (case_id,), body)


def rows_logged(events: Iterable[LogEvent]) -> dict[tuple[str, str], dict[str, str | int]]:
    """Each row an allowed entry (or a case's step) says it kept, by (kind, id), with the log's
    last word on each of its fields: the witness of a holding, copy, item or case put back
    from before a re-marking or a step together with its `row_versions` witness, which the
    seals then agree with (left by ADR 0146 and 0148; ADR 0151)."""
    rows: dict[tuple[str, str], dict[str, str | int]] = {}
    for event in events:
        said = event.body.get(KEPT_AS)
        if not isinstance(said, Mapping) or event.body.get("allowed", True) is not True:
            continue
        kind, subject_id = said.get("kind"), said.get("id")
        if kind not in KEPT_KINDS or not isinstance(subject_id, str):
            continue
        fields = {k: v for k, v in said.items() if k in KEPT_FIELDS and isinstance(v, str | int)}
        rows.setdefault((kind, subject_id), {}).update(fields)
    return rows


#: How `rows_against_log` names each field.
_SAID = {"marking": "marked", "status": "status", "version": "version"}


def rows_against_log(
    logged: Mapping[tuple[str, str], Mapping[str, str | int]],
    kept: Mapping[tuple[str, str], Mapping[str, str | int]],
) -> list[str]:
    """Each row whose clear marking or status (`kept`, as the writer left it) is not the
    log's last word, or whose witnessed version is lower (missing is 0), as "kind id (marked
    秘, logged 極秘; version 0, logged 1)", or "(kept nowhere)", by kind and id. A higher
    version is no contradiction: a holding's version also moves with changes the log does
    not version (an approval, a copy counted), and a witness ahead of its row's seal is what
    every read refuses."""
    named = []
    for key in sorted(logged):
        said, row = logged[key], kept.get(key)
        if row is None:
            named.append(f"{key[0]} {key[1]} (kept nowhere)")
            continue
        differ = []
        for field_name in KEPT_FIELDS:
            value = said.get(field_name)
            if value is None or field_name not in row:
                continue
            found = row[field_name]
            lower = isinstance(value, int) and int(found) < value
            if lower or (isinstance(value, str) and str(found) != value):
                differ.append(f"{_SAID[field_name]} {found}, logged {value}")
        if differ:
            named.append(f"{key[0]} {key[1]} ({'; '.join(differ)})")
    return named


def admin_event(
    kind: EventKind, *, actor: str, action: str, subject: str, now: datetime, **details: str
) -> LogEvent:
    """A user, key or peer administration event (`gsomia user add`, `peer add`, ...)."""
    if kind not in _ADMIN_KINDS:
        raise InputError(f"{kind} is not an administration event")
    return LogEvent(kind, now, actor, (subject,), {"action": action, **details})
