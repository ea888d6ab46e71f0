"""Agreements: parties, versioned equivalence tables, channels, terms and history (R1–R3, R45).

Each agreement ships as one TOML file under `treaty/data/agreements/` (ADR 0003). Its markings
are read in the parties' schemes in force on each version's effective date, so a table that names
a level its scheme does not have fails to load. An amendment makes a new version; it takes effect
only once both parties' written consents are recorded (Art. 21.2), and items keep the version
they were provided under.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import resources
from typing import Any

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.treaty.calendar import DeadlineConvention, Terms
from gsomia.treaty.lifecycle import Event, EventKind, Rules, State, Status, replay
from gsomia.treaty.schemes import Level, SchemeRegistry, load_schemes

__all__ = [
    "UNCONFIRMABLE",
    "Agreement",
    "AgreementRegistry",
    "AgreementVersion",
    "EquivalenceRow",
    "amended",
    "amendment_version",
    "load_agreements",
    "parse_agreement",
    "state_at",
]


@dataclass(frozen=True, slots=True)
class EquivalenceRow:
    """One row of an equivalence table: each party's levels (first = primary) and the English."""

    english: str
    levels: Mapping[str, tuple[Level, ...]]


@dataclass(frozen=True, slots=True)
class AgreementVersion:
    """The equivalence table of one version of an agreement, from its effective date."""

    number: int
    effective: date
    basis: str
    rows: tuple[EquivalenceRow, ...]
    _by_level: Mapping[Level, EquivalenceRow] = field(repr=False, compare=False)

    def row_for(self, level: Level) -> EquivalenceRow | None:
        return self._by_level.get(level)

    def covers(self, level: Level) -> bool:
        """True if `level` is a level this version covers (Art. 4.1)."""
        return level in self._by_level

    def covered(self, nation: str) -> tuple[Level, ...]:
        return tuple(level for row in self.rows for level in row.levels.get(nation, ()))


def make_version(
    number: int, effective: date, basis: str, rows: tuple[EquivalenceRow, ...]
) -> AgreementVersion:
    """An agreement version, refusing a level that appears in two rows."""
    index: dict[Level, EquivalenceRow] = {}
    for row in rows:
        for levels in row.levels.values():
            for level in levels:
                if level in index:
                    raise InputError(f"{level} appears in two rows of version {number}")
                index[level] = row
    return AgreementVersion(number, effective, basis, rows, index)


@dataclass(frozen=True, eq=False)
class Agreement:
    """A bilateral security agreement and everything recorded about it."""

    id: str
    title: str
    parties: tuple[str, str]
    versions: tuple[AgreementVersion, ...]
    channels: frozenset[str]
    terms: Terms
    procedures: Mapping[str, tuple[str, ...]]
    history: tuple[Event, ...] = ()
    visit_lead_time_days: int = 0
    classic_crypto_allowed: bool = False
    #: What the data file marks unconfirmed, and why: part (`UNCONFIRMABLE`) → reason. Shown
    #: beside the fact wherever the node shows it (CLI, API, pages), never as fact.
    unconfirmed: Mapping[str, str] = field(default_factory=dict)
    #: Days a courier dispatch may wait for its receipt before an alert: policy data (R27).
    courier_receipt_days: int = 30
    #: Days after its last inspection a contractor facility may still receive CMI: policy (R35).
    contractor_inspection_days: int = 365
    #: Lone messages the partner may have handled as FLASH, at once and per hour after:
    #: policy data (`treaty.flash`).
    flash_burst: int = 10
    flash_per_hour: int = 60
    #: `status_at` per day, remembered: the history is fixed, so the replay's answer is too
    #: (each item received asks it; a copy with another history starts afresh).
    _statuses: dict[date | None, Status] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        status = self.status_at(None)
        for version in self.versions[1:]:
            if status.amendment_consents.get(version.number, frozenset()) != set(self.parties):
                raise Conflict(
                    f"{self.id} version {version.number} lacks the written consent of both "
                    "parties (Art. 21.2)",
                    hint="record an amendment_consent event from each party for that version",
                )

    @property
    def rules(self) -> Rules:
        return Rules(self.parties, self.procedures, self.terms)

    def status_at(self, day: date | None) -> Status:
        """The lifecycle status on `day` (after every recorded event when None)."""
        status = self._statuses.get(day)
        if status is None:
            status = self._statuses[day] = replay(self.history, self.rules, day)
        return status

    def state_at(self, day: date) -> State:
        return self.status_at(day).state

    def version(self, number: int) -> AgreementVersion:
        for version in self.versions:
            if version.number == number:
                return version
        raise NotFound(
            f"{self.id} has no version {number}",
            hint=f"versions: {', '.join(str(v.number) for v in self.versions)}",
        )

    def version_at(self, day: date) -> AgreementVersion:
        """The version whose table applies to provisions made on `day`."""
        applicable = [v for v in self.versions if v.effective <= day]
        if not applicable:
            raise NotFound(f"{self.id} had no version in effect on {day.isoformat()}")
        return applicable[-1]

    @property
    def latest(self) -> AgreementVersion:
        return self.versions[-1]

    def other_party(self, nation: str) -> str:
        first, second = self.parties
        return second if nation == first else first

    def record(self, event: Event) -> Agreement:
        """A copy with `event` appended; `Conflict` if the lifecycle forbids it."""
        return replace(self, history=(*self.history, event))

    def amend(
        self,
        rows: tuple[EquivalenceRow, ...],
        *,
        effective: date,
        consents: Mapping[str, Event],
        basis: str = "Art. 21.2 amendment",
    ) -> Agreement:
        """A new version of the table, given each party's dated written consent (R45)."""
        missing = [party for party in self.parties if party not in consents]
        if missing:
            raise Conflict(
                f"amending {self.id} needs the written consent of both parties; "
                f"{', '.join(missing)} has not consented (Art. 21.2)",
                hint="record each party's consent note before amending",
            )
        number = self.latest.number + 1
        events = tuple(
            replace(consents[p], kind=EventKind.AMENDMENT_CONSENT, party=p, version=number)
            for p in self.parties
        )
        events = tuple(sorted(events, key=lambda e: e.on))
        version = make_version(number, effective, basis, rows)
        return replace(self, versions=(*self.versions, version), history=(*self.history, *events))


def state_at(agreement: Agreement, now: date | datetime) -> State:
    """The lifecycle state of `agreement` at `now` (terminated once the effective day passed)."""
    day = now.date() if isinstance(now, datetime) else now
    return agreement.state_at(day)


def _get(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise InputError(f"{where}: {key!r} must be a {kind.__name__}, got {value!r}")
    return value


def _version(
    raw: Mapping[str, Any], parties: Sequence[str], schemes: SchemeRegistry, ident: str
) -> AgreementVersion:
    """One version of an agreement's table from its data (a file's, or an amendment's text),
    its markings read in the parties' schemes in force on its effective date."""
    effective = raw.get("effective")
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            raise InputError(f"{ident}: effective date {effective!r} is not a date") from None
    if not isinstance(effective, date):
        raise InputError(f"{ident}: a version needs its effective date")
    rows = []
    for row in _get(raw, "rows", list, ident):
        if not isinstance(row, Mapping):
            raise InputError(f"{ident}: a table row is an object")
        unknown = set(row) - {"english", *parties}
        if unknown:
            raise InputError(f"{ident}: table row names non-parties {sorted(unknown)}")
        levels = {
            nation: tuple(schemes.parse(nation, m, effective) for m in row.get(nation, ()))
            for nation in parties
        }
        rows.append(EquivalenceRow(_get(row, "english", str, ident), levels))
    number = _get(raw, "number", int, ident)
    return make_version(number, effective, str(raw.get("basis", "")), tuple(rows))


def amendment_version(
    agreement: Agreement, text: Mapping[str, Any], schemes: SchemeRegistry
) -> AgreementVersion:
    """The next version of `agreement` that an amendment's `text` describes; InputError naming
    what does not read (a marking of no party's scheme, a row naming a non-party, …)."""
    if not isinstance(text, Mapping):
        raise InputError("an amendment's text is an object: effective, basis, rows")
    number = agreement.latest.number + 1
    return _version({**text, "number": number}, agreement.parties, schemes, agreement.id)


def amended(agreement: Agreement, schemes: SchemeRegistry) -> Agreement:
    """`agreement` with each new version both parties consented to in its history (Art. 21.2,
    R45): the text their consents carry, read in the parties' schemes. A version one party
    alone consented to is not applied."""
    status = agreement.status_at(None)
    while True:
        number = agreement.latest.number + 1
        text = status.amendment_texts.get(number)
        if text is None or status.amendment_consents.get(number) != frozenset(agreement.parties):
            return agreement
        version = _version({**text, "number": number}, agreement.parties, schemes, agreement.id)
        agreement = replace(agreement, versions=(*agreement.versions, version))


#: The parts of an agreement a data file may mark unconfirmed (`[unconfirmed]`).
UNCONFIRMABLE = frozenset(
    {"table", "term", "notice", "entry_into_force", "channels", "visit_lead_time"}
)


def _unconfirmed(data: Mapping[str, Any], ident: str) -> dict[str, str]:
    raw = data.get("unconfirmed", {})
    if not isinstance(raw, Mapping):
        raise InputError(f"{ident}: [unconfirmed] maps a part to the reason it is unconfirmed")
    unknown = set(raw) - UNCONFIRMABLE
    if unknown:
        raise InputError(
            f"{ident}: [unconfirmed] names unknown parts {sorted(unknown)}",
            hint=f"parts: {', '.join(sorted(UNCONFIRMABLE))}",
        )
    if not all(isinstance(why, str) and why.strip() for why in raw.values()):
        raise InputError(f"{ident}: each unconfirmed part gives its reason")
    return dict(raw)


def parse_agreement(text: str, schemes: SchemeRegistry) -> Agreement:
    """Read an agreement from its TOML text, resolving markings in the parties' schemes."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"agreement file is not valid TOML: {error}") from None
    ident = _get(data, "id", str, "agreement")
    parties = tuple(_get(data, "parties", list, ident))
    if len(parties) != 2 or len(set(parties)) != 2:
        raise InputError(f"{ident}: an agreement has exactly two distinct parties")
    versions = [
        _version(raw, parties, schemes, ident) for raw in _get(data, "versions", list, ident)
    ]
    history = []
    for raw in data.get("history", []):
        try:
            kind = EventKind(raw["kind"])
        except (KeyError, ValueError):
            raise InputError(
                f"{ident}: unknown lifecycle event {raw.get('kind')!r}",
                hint=f"events: {', '.join(k.value for k in EventKind)}",
            ) from None
        history.append(
            Event(
                kind,
                _get(raw, "on", date, ident),
                _get(raw, "note", str, ident),
                raw.get("party"),
                raw.get("step"),
                raw.get("version"),
                unconfirmed=raw.get("unconfirmed"),
            )
        )
    terms = Terms(
        term_years=data.get("term_years", 1),
        automatic_renewal=data.get("automatic_renewal", True),
        notice_days=data.get("notice_days", 90),
        convention=DeadlineConvention(data.get("notice_deadline", "exclusive")),
    )
    procedures = _get(data, "procedures", dict, ident)
    return Agreement(
        id=ident,
        title=data.get("title", ident),
        parties=(parties[0], parties[1]),
        versions=tuple(sorted(versions, key=lambda v: v.number)),
        channels=frozenset(_get(data, "channels", list, ident)),
        terms=terms,
        procedures={party: tuple(procedures.get(party, ())) for party in parties},
        history=tuple(history),
        visit_lead_time_days=data.get("visit_lead_time_days", 0),
        classic_crypto_allowed=bool(data.get("classic_crypto_allowed", False)),
        courier_receipt_days=_days(data, "courier_receipt_days", 30, ident),
        contractor_inspection_days=_days(data, "contractor_inspection_days", 365, ident),
        flash_burst=_count(data, "flash_burst", 10, ident),
        flash_per_hour=_count(data, "flash_per_hour", 60, ident),
        unconfirmed=_unconfirmed(data, ident),
    )


def _count(data: Mapping[str, Any], name: str, default: int, ident: str) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000:
        raise InputError(f"{ident}: {name} must be a whole number, 1-100000")
    return value


def _days(data: Mapping[str, Any], name: str, default: int, ident: str) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3660:
        raise InputError(f"{ident}: {name} must be a whole number of days, 1-3660")
    return value


@dataclass(frozen=True)
class AgreementRegistry:
    """The agreements a node knows, by id."""

    by_id: Mapping[str, Agreement]

    def get(self, agreement_id: str) -> Agreement:
        try:
            return self.by_id[agreement_id]
        except KeyError:
            raise NotFound(
                f"no agreement {agreement_id!r}",
                hint=f"known agreements: {', '.join(sorted(self.by_id))}",
            ) from None

    def all(self) -> tuple[Agreement, ...]:
        return tuple(self.by_id[key] for key in sorted(self.by_id))

    def between(self, first: str, second: str) -> tuple[Agreement, ...]:
        """The agreements whose parties are exactly `first` and `second`."""
        return tuple(a for a in self.all() if set(a.parties) == {first, second})


@functools.cache
def load_agreements() -> AgreementRegistry:
    """The agreements shipped with gsomia (read once per process)."""
    schemes = load_schemes()
    folder = resources.files("gsomia.treaty").joinpath("data", "agreements")
    agreements = [
        parse_agreement(entry.read_text(encoding="utf-8"), schemes)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    return AgreementRegistry({a.id: a for a in agreements})
