"""`gsomia schemes | scheme | translate | agreements | agreement show`: the treaty, read aloud.

Thin: every answer comes from `gsomia.treaty`; this module only picks the day (today unless
`--at`), and renders tables with the markings in their own script.
"""

from __future__ import annotations

from datetime import date

import typer
from rich.markup import escape
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import iso_day
from gsomia.errors import UsageError
from gsomia.treaty import (
    Agreement,
    Scheme,
    State,
    load_agreements,
    load_schemes,
    translate,
)
from gsomia.treaty.renewal import notice_deadline

agreement_app = typer.Typer(help="Security agreements: parties, tables, lifecycle.")
app.add_typer(agreement_app, name="agreement")

AT_HELP = "Day to answer for (YYYY-MM-DD); today by default."


def _day(at: str | None) -> date:
    if at is None:
        return date.today()  # the shell picks the day; the core never reads a clock
    return iso_day(at, "--at")


def _scheme_table(schemes: list[Scheme]) -> Table:
    table = Table(title="National classification schemes (rank orders within a scheme only)")
    for column in ("nation", "version", "rank", "marking", "English", "also read as"):
        table.add_column(column, justify="right" if column == "rank" else "left")
    for scheme in schemes:
        since = f" from {scheme.effective.isoformat()}" if scheme.effective else ""
        until = f" until {scheme.until.isoformat()}" if scheme.until else ""
        for index, level in enumerate(scheme.levels):
            first = index == 0
            table.add_row(
                scheme.nation if first else "",
                f"v{scheme.version}{since}{until}" if first else "",
                str(level.rank),
                f"[bold]{escape(level.native)}[/]",
                escape(level.english),
                escape(", ".join(level.aliases)),
                end_section=index == len(scheme.levels) - 1,
            )
    return table


@app.command("schemes")
def schemes_command(
    all_versions: bool = typer.Option(False, "--all", help="Include superseded versions."),
) -> None:
    """List every nation's classification levels."""
    registry = load_schemes()
    shown = [
        scheme
        for nation in registry.nations()
        for scheme in (registry.versions(nation) if all_versions else (registry.scheme(nation),))
    ]
    console.print(_scheme_table(shown))


@app.command("scheme")
def scheme_command(
    nation: str = typer.Argument(..., help="ISO 3166 alpha-3 code, or NATO."),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
) -> None:
    """Show one nation's scheme as in force on a day."""
    scheme = load_schemes().scheme(nation.upper(), _day(at) if at else None)
    console.print(_scheme_table([scheme]))
    console.print(escape(scheme.title))


@app.command("marking")
def marking_command(  # noqa: PLR0917 - Typer maps parameters to options
    nation: str = typer.Argument(..., help="ISO 3166 alpha-3 code, or NATO."),
    marking: str = typer.Argument(..., help='The marking as written, e.g. "NATO SECRET" or 극비.'),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
    category: list[str] = typer.Option(  # noqa: B008 - Typer's way to declare a list option
        [], "--category", help='A label category as TAGSET=V1,V2, e.g. "Releasable To=JPN,KOR".'
    ),
    lang: str = typer.Option("en", "--lang", help="Language of the display marking (en, fr, ko…)."),
    where: str = typer.Option("pageTop", "--where", help="SPIF location: pageTop, documentStart…"),
) -> None:
    """Read a marking in a nation's scheme: the level it names and the marking it is shown
    as; one the scheme does not have is refused, naming the closest it does (R4, R5, R48).
    With categories, the display marking the scheme's SPIF prescribes (ADR 0103)."""
    scheme = load_schemes().scheme(nation.upper(), _day(at) if at else None)
    level = scheme.parse(marking)
    console.print(f"[bold]{escape(level.native)}[/] — shown as {escape(level.english)}")
    console.print(f"{escape(scheme.label)}, rank {level.rank}")
    if category or lang != "en" or where != "pageTop":
        kinds = {tag_set.name: tag_set.kind for tag_set in scheme.tag_sets}
        chosen = []
        for given in category:
            tag, _, values = given.partition("=")
            if tag not in kinds:
                raise UsageError(
                    f"the {scheme.nation} scheme defines no category {tag!r}",
                    hint=f"its categories: {', '.join(kinds) or 'none'}",
                )
            chosen.append((tag, kinds[tag], [v.strip() for v in values.split(",") if v.strip()]))
        shown = scheme.display(level.native, chosen, lang=lang, where=where)
        console.print(f"display marking ({lang}, {where}): [bold]{escape(shown)}[/]")


@app.command("translate")
def translate_command(
    source: str = typer.Argument(..., help="Nation whose marking is given."),
    marking: str = typer.Argument(..., help="The marking, e.g. 군사II급비밀."),
    target: str = typer.Argument(..., help="Nation to translate into."),
    agreement_id: str = typer.Option(..., "--agreement", help="Agreement id, e.g. KOR-JPN-2016."),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
) -> None:
    """Translate a marking into the other party's scheme under one agreement."""
    agreement = load_agreements().get(agreement_id)
    day = _day(at)
    level = load_schemes().parse(source.upper(), marking, day)
    result = translate(agreement, level, target.upper(), at=day)
    console.print(f"[bold]{escape(result.primary.native)}[/]")
    if result.alternatives:
        names = ", ".join(lv.native for lv in result.alternatives)
        console.print(f"alternative: {escape(names)}")
    console.print(
        f"{escape(level.native)} ({level.nation}) ↔ {escape(result.primary.native)} "
        f"({result.primary.nation}) ↔ {result.english}, under {agreement.id} "
        f"version {result.version}"
    )


def _unconfirmed(agreement: Agreement, *parts: str) -> str:
    """What the data marks unconfirmed among `parts`, as a warning beside the fact ("" if none)."""
    reasons = [agreement.unconfirmed[p] for p in parts if p in agreement.unconfirmed]
    return "".join(f" [yellow]UNCONFIRMED: {escape(why)}[/]" for why in reasons)


def _status_lines(agreement: Agreement, day: date) -> list[str]:
    status = agreement.status_at(day)
    lines = [f"state on {day.isoformat()}: [bold]{status.state.value}[/]"]
    if status.disputed:
        lines.append("legal status of the suspension: disputed (section 3.3)")
    entry = status.entry_into_force
    if entry is not None:
        lines.append(
            f"in force since: {entry.isoformat()}{_unconfirmed(agreement, 'entry_into_force')}"
        )
    if status.termination_effective is not None:
        ends = "terminated on" if status.state is State.TERMINATED else "notice takes effect on"
        lines.append(f"{ends}: {status.termination_effective.isoformat()}")
    deadline = notice_deadline(agreement, day)
    if deadline is not None:
        upcoming = deadline.anniversary.isoformat()
        lines.append(f"next anniversary: {upcoming}{_unconfirmed(agreement, 'term')}")
        lines.append(
            f"next notice deadline: {deadline.last_day.isoformat()} (last day to give "
            f"{agreement.terms.notice_days} days' notice of termination for {upcoming})"
            + _unconfirmed(agreement, "term", "notice")
        )
    return lines


@agreement_app.command("show")
def agreement_show(
    agreement_id: str = typer.Argument(..., help="Agreement id, e.g. KOR-JPN-2016."),
    at: str | None = typer.Option(None, "--at", help=AT_HELP),
) -> None:
    """Parties, equivalence table, lifecycle state and the next notice deadline."""
    agreement = load_agreements().get(agreement_id)
    day = _day(at)
    first, second = agreement.parties
    console.print(f"[bold]{agreement.id}[/] — {escape(agreement.title)}")
    console.print(f"parties: {first}, {second}")
    for line in _status_lines(agreement, day):
        console.print(line)
    terms = agreement.terms
    console.print(
        f"term: {terms.term_years} year(s), automatic renewal: {terms.automatic_renewal}, "
        f"notice: {terms.notice_days} days ({terms.convention.value})"
        + _unconfirmed(agreement, "term", "notice")
    )
    channels = ", ".join(sorted(agreement.channels))
    console.print(f"channels: {channels}{_unconfirmed(agreement, 'channels')}")
    console.print(
        f"courier receipt due within {agreement.courier_receipt_days} days; contractor facilities "
        f"inspected at least every {agreement.contractor_inspection_days} days "
        "[yellow](policy settings: the treaty gives no period)[/]"
    )
    applicable = [v for v in agreement.versions if v.effective <= day] or [agreement.versions[0]]
    version = applicable[-1]
    table = Table(
        title=f"Equivalence table, version {version.number} ({escape(version.basis)})"
        + _unconfirmed(agreement, "table"),
    )
    for column in (first, second, "English"):
        table.add_column(column)
    for row in version.rows:
        table.add_row(
            escape(" / ".join(lv.native for lv in row.levels[first])),
            escape(" / ".join(lv.native for lv in row.levels[second])),
            row.english,
        )
    console.print(table)
    history = Table(title="Lifecycle record")
    for column in ("date", "event", "party", "step", "note"):
        history.add_column(column)
    for event in agreement.history:
        doubt = f" [yellow]UNCONFIRMED: {escape(event.unconfirmed)}[/]" if event.unconfirmed else ""
        history.add_row(
            event.on.isoformat(),
            event.kind.value,
            event.party or "",
            escape(event.step or ""),
            escape(event.note) + doubt,
        )
    console.print(history)


@app.command("agreements")
def agreements_command(at: str | None = typer.Option(None, "--at", help=AT_HELP)) -> None:
    """List the known agreements and their state."""
    day = _day(at)
    table = Table(title=f"Security agreements on {day.isoformat()}")
    for column in ("id", "parties", "state", "in force since", "covered levels"):
        table.add_column(column)
    for agreement in load_agreements().all():
        status = agreement.status_at(day)
        covered = "; ".join(
            f"{nation}: " + ", ".join(lv.native for lv in agreement.latest.covered(nation))
            for nation in agreement.parties
        )
        table.add_row(
            agreement.id,
            " – ".join(agreement.parties),
            status.state.value,
            status.entry_into_force.isoformat() if status.entry_into_force else "—",
            escape(covered),
        )
    console.print(table)
