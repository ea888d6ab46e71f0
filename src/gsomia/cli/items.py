"""`gsomia item publish | release | list | show | read | export` and `gsomia transfers`.

The commands a person of the node uses every day: put an item up for release, see what the node
publishes and holds, read a holding. How to say which node and who you are: `gsomia.cli.common`.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import (
    PRECEDENCE_STYLE,
    REACH,
    Reach,
    grid,
    listed,
    moment,
    reaching,
    styled,
    write_private,
)
from gsomia.cli.rows import printed
from gsomia.errors import NotFound, UsageError

item_app = typer.Typer(help="Items: publish, release, list, show, read.")
app.add_typer(item_app, name="item")


@item_app.command("publish")
@reaching
def publish(  # noqa: PLR0917 - Typer maps parameters to options
    title: Annotated[str, typer.Option(help="subject line")],
    level: Annotated[str, typer.Option(help="classification in your national scheme")],
    rel: Annotated[list[str], typer.Option(help="releasable to (repeat): JPN, USA …")],
    purpose: Annotated[str, typer.Option(help="purpose / need-to-know community")],
    precedence: Annotated[
        str, typer.Option(help="FLASH | IMMEDIATE | PRIORITY | ROUTINE")
    ] = "ROUTINE",
    text: Annotated[str | None, typer.Option(help="the content, as text")] = None,
    file: Annotated[Path | None, typer.Option(help="the content, from a file")] = None,
    media_type: Annotated[str | None, typer.Option(help="media type of --file")] = None,
    caveat: Annotated[list[str] | None, typer.Option(help="caveat (repeat): ORCON …")] = None,
    handling: Annotated[
        list[str] | None, typer.Option(help="handling term (repeat): 'NO REPRODUCTION', PATENT …")
    ] = None,
    copy_limit: Annotated[
        int | None, typer.Option(min=0, help="most copies a holder may make (0: none)")
    ] = None,
    purpose_ends: Annotated[
        str | None, typer.Option(help="when the purpose ends (ISO, with zone): return or destroy")
    ] = None,
    reach: Reach = REACH,
) -> None:
    """Submit an item; it waits for an officer's release (nothing is shared automatically)."""
    fields: dict[str, Any] = {
        "title": title,
        "level": level,
        "releasable_to": rel,
        "purpose": purpose,
        "precedence": precedence,
        "caveats": caveat or [],
        "handling": handling or [],
        "copy_limit": copy_limit,
        "purpose_ends": purpose_ends,
    }
    if (text is None) == (file is None):
        raise UsageError("give exactly one of --text and --file")
    if file is not None:
        fields["content_b64"] = base64.b64encode(file.read_bytes()).decode()
        fields["media_type"] = media_type or "application/octet-stream"
    else:
        fields["text"] = text
    with reach.connect() as client:
        item_id = client.publish(**fields)
    console.print(f"[green]published[/] {item_id} (draft: an officer must release it)")
    typer.echo(item_id)


@item_app.command("release")
@reaching
def release(
    item_id: Annotated[str, typer.Argument()],
    reach: Reach = REACH,
) -> None:
    """Release an item to each partner it is releasable to; shows each decision."""
    with reach.connect() as client:
        outcomes = client.release(item_id)
    table = Table("partner", "decision", "reason", "article", title=f"release of {item_id}")
    for outcome in outcomes:
        d = outcome["decision"]
        verdict = styled("released" if d["allowed"] else "refused")
        table.add_row(outcome["nation"], verdict, d["reason"], f"{d['article']} {d['requirement']}")
    console.print(table)
    if not any(o["decision"]["allowed"] for o in outcomes):
        raise typer.Exit(4)


LISTS = {"items": "/api/v1/items", "holdings": "/api/v1/holdings"}


@item_app.command("list")
@reaching
def list_items(  # noqa: PLR0917 - Typer maps parameters to options
    what: Annotated[
        str, typer.Option(help="items (published here) | holdings (from partners) | both")
    ] = "both",
    limit: Annotated[int, typer.Option(min=1, max=500, help="rows on a page")] = 50,
    cursor: Annotated[
        str | None, typer.Option(help="the page a previous list named (with --what)")
    ] = None,
    level: Annotated[str | None, typer.Option(help="only this marking")] = None,
    partner: Annotated[str | None, typer.Option(help="only to or from this nation")] = None,
    precedence: Annotated[str | None, typer.Option(help="FLASH … ROUTINE")] = None,
    purpose: Annotated[str | None, typer.Option(help="only for this purpose")] = None,
    state: Annotated[str | None, typer.Option(help="draft, released, held, destroyed …")] = None,
    text: Annotated[str | None, typer.Option(help="words in the title")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the pages as JSON")] = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="the rows as CSV (with --what items or holdings)")
    ] = False,
    ids: Annotated[
        bool, typer.Option("--ids", help="only the full ids, one a line (for scripts)")
    ] = False,
    reach: Reach = REACH,
) -> None:
    """A page of this node's own items and of what it holds from partners, newest first;
    filters match what you may see of a row (a redacted row matches none on what it hides)."""
    if what not in (*LISTS, "both"):
        raise UsageError(f"--what {what}?", hint="items, holdings or both")
    if cursor is not None and what == "both":
        raise UsageError("a cursor belongs to one list", hint="add --what items or holdings")
    asked = {"limit": limit, "cursor": cursor, "level": level, "partner": partner}
    asked |= {"precedence": precedence, "purpose": purpose, "state": state, "text": text}
    names = list(LISTS) if what == "both" else [what]
    with reach.connect() as client:
        pages = {name: client.page(LISTS[name], **asked) for name in names}
    if ids:
        for page in pages.values():
            for row in page.rows:
                typer.echo(row["id"])
        return
    if as_csv:
        if len(pages) != 1:
            raise UsageError("one list to a CSV", hint="add --what items or holdings")
        [page] = pages.values()
        printed(page.rows, False, True)
        return
    if as_json:
        answer = {
            name: {"rows": p.rows, "next": p.next, "prev": p.previous} for name, p in pages.items()
        }
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    for name, page in pages.items():
        console.print(_items_table(page.rows) if name == "items" else _holdings_table(page.rows))
        for rel, where in (("next", page.next), ("previous", page.previous)):
            if where is not None:
                console.print(f"[dim]{rel}: gsomia item list --what {name} --cursor {where}[/]")


def _items_table(rows: list[dict[str, Any]]) -> Table:
    return grid(
        ("id", "title", "marking", "rel to", "precedence", "state"),
        title="published here",
        rows=(
            (
                item["id"][:8],
                escape(item["title"]),  # a partner's or a redacted "[…]" is not markup
                escape(item["level"]),
                listed(item["releasable_to"]),
                styled(item["precedence"], PRECEDENCE_STYLE),
                styled(item["state"]),
            )
            for item in rows
        ),
    )


def _holdings_table(rows: list[dict[str, Any]]) -> Table:
    return grid(
        ("id", "title", "marking", "originator's marking", "from", "precedence", "received"),
        title="held from partners",
        rows=(
            (
                h["id"][:8],
                escape(h["title"]),
                f"[bold]{escape(h['marking'])}[/]",
                escape(h["original_marking"]),
                h["originator"],
                styled(h["precedence"], PRECEDENCE_STYLE),
                moment(h["received_at"]),
            )
            for h in rows
        ),
    )


@item_app.command("show")
@reaching
def show(
    item_id: Annotated[str, typer.Argument(help="the id, or its first characters as listed")],
    as_json: Annotated[bool, typer.Option("--json", help="as the API answers it")] = False,
    reach: Reach = REACH,
) -> None:
    """An item of this node with its transfers, or a holding with both its labels."""
    with reach.connect() as client:
        try:
            record = client.item(item_id)
            title = f"item {record.get('id', item_id)}"
        except NotFound:  # not published here: perhaps a holding from a partner
            record = client.holding(item_id)
            title = f"holding {record.get('id', item_id)}"
    if as_json:
        console.print_json(data=record)
        return
    _show_record(record, title)


def _show_record(record: dict[str, Any], title: str) -> None:
    """Scalars and lists of words as one two-column table; each list of records (transfers,
    decisions) as its own table after it; a nested record shown compact."""
    table = Table(show_header=False, title=title)
    table.add_column("field", style="bold")
    table.add_column("value")
    nested: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in record.items():
        if value in (None, "", []):
            continue
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            nested.append((key, value))
            continue
        if isinstance(value, list):
            text = listed(str(v) for v in value)
        elif isinstance(value, dict):
            text = json.dumps(value, ensure_ascii=False)[:300]
        else:
            text = str(value)
        shown = escape(text)
        table.add_row(key, styled(shown) if key in ("state", "status") else shown)
    console.print(table)
    for key, rows in nested:
        columns = [k for k in rows[0] if not isinstance(rows[0][k], dict | list)][:7]
        cells = ([escape(str(row.get(c, ""))) for c in columns] for row in rows)
        console.print(grid(columns, cells, title=key))


@item_app.command("assure")
@reaching
def assure(  # noqa: PLR0917 - Typer maps parameters to options
    item_id: Annotated[str, typer.Argument(help="one of this node's items")],
    party: Annotated[str, typer.Option(help="the receiving party, e.g. JPN")],
    representative: Annotated[str, typer.Option(help="its representative, as the note names")],
    clearance: Annotated[str, typer.Option(help="the assured clearance, e.g. 極秘")],
    purpose: Annotated[str, typer.Option(help="the official purpose assured")],
    note: Annotated[str, typer.Option(help="the note the assurance came in")],
    equivalent_protection: Annotated[
        bool, typer.Option(help="the note promises substantially equivalent protection")
    ] = False,
    reach: Reach = REACH,
) -> None:
    """Record the other party's written assurance before a hand-over (Art. 7.5; R22)."""
    with reach.connect() as client:
        client.record_assurance(
            item_id,
            party=party,
            representative=representative,
            clearance=clearance,
            purpose=purpose,
            equivalent_protection=equivalent_protection,
            note=note,
        )
    console.print(f"[green]assurance recorded[/] for {representative} ({party}) on {item_id}")


@item_app.command("hand-over")
@reaching
def hand_over(
    item_id: Annotated[str, typer.Argument(help="one of this node's items")],
    party: Annotated[str, typer.Option(help="the receiving party, e.g. JPN")],
    representative: Annotated[str, typer.Option(help="its representative")],
    reach: Reach = REACH,
) -> None:
    """Hand an item to the other party's representative: only under a recorded assurance
    that covers it; refused, with the reason, otherwise (R22)."""
    with reach.connect() as client:
        decision = client.hand_over(item_id, party, representative)
    console.print(f"[green]handed over[/] — {decision['reason']} ({decision['article']})")


@item_app.command("label")
@reaching
def label(
    item_id: Annotated[str, typer.Argument(help="an own item's id or a holding's")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="xml (ADatP-4774), json (its JSON form) or ism (US ISM and banner)"
        ),
    ] = "xml",
    reach: Reach = REACH,
) -> None:
    """Print an item's confidentiality label as partners' tools read it (a holding's label set:
    the originator's label unchanged and this nation's alternative)."""
    with reach.connect() as client:
        content = client.item_label(item_id, fmt)
    sys.stdout.buffer.write(content if content.endswith(b"\n") else content + b"\n")


@item_app.command("read")
@reaching
def read(
    holding_id: Annotated[str, typer.Argument()],
    purpose: Annotated[
        str | None,
        typer.Option(help="what you need it for, if not its own purpose (needs approval, R13)"),
    ] = None,
    use: Annotated[
        str | None,
        typer.Option(
            help="official (default), manufacture, publication or commercial: an "
            "intellectual-property caveat allows official use only (R15)"
        ),
    ] = None,
    reach: Reach = REACH,
) -> None:
    """Read a holding's content, if the access decision allows you (it is logged either way)."""
    with reach.connect() as client:
        content, _ = client.read(holding_id, purpose, use)
    sys.stdout.buffer.write(content)


@item_app.command("export")
@reaching
def export(
    item_ids: Annotated[
        list[str] | None, typer.Argument(help="items or holdings; none: all you may read")
    ] = None,
    format_: Annotated[
        str, typer.Option("--format", help="stix (a bundle) | ztdf (one item, needs --out)")
    ] = "stix",
    out: Annotated[Path | None, typer.Option(help="write here instead of stdout")] = None,
    reach: Reach = REACH,
) -> None:
    """Export items as a partner tool reads them: a STIX 2.1 bundle with both labels (each
    object read through the access decision, and logged)."""
    if format_ == "ztdf":
        _export_ztdf(item_ids or [], out, reach.connect())
        return
    if format_ != "stix":
        raise UsageError(f"unknown format {format_!r}", hint="use --format stix or ztdf")
    with reach.connect() as client:
        bundle = client.export_stix(list(item_ids or []))
    data = json.dumps(bundle, ensure_ascii=False, indent=2).encode("utf-8")
    reports = sum(1 for o in bundle["objects"] if o["type"] not in _DEFINITIONS)
    if out is None:
        sys.stdout.buffer.write(data + b"\n")
    else:
        write_private(out, data)
        console.print(f"[green]exported[/] {reports} item(s) with their labels to {out}")


_DEFINITIONS = frozenset({"identity", "marking-definition", "extension-definition"})


def _export_ztdf(item_ids: list[str], out: Path | None, session: Any) -> None:
    """One item as a ZTDF container (R49): its label a signed assertion, its key released
    only by this node's key-access route to a reader the access decision allows."""
    if len(item_ids) != 1 or out is None:
        raise UsageError("a ZTDF container holds one item", hint="give one ID and --out FILE.tdf")
    with session as client:
        data = client.export_ztdf(item_ids[0])
    write_private(out, data)
    console.print(f"[green]exported[/] {item_ids[0]} as a ZTDF container to {out}")


@app.command("transfers")
@reaching
def transfers(  # noqa: PLR0917 - Typer maps parameters to options
    limit: Annotated[int, typer.Option(min=1, max=500, help="rows on a page")] = 50,
    cursor: Annotated[str | None, typer.Option(help="the page a previous list named")] = None,
    partner: Annotated[str | None, typer.Option(help="only to this nation")] = None,
    state: Annotated[str | None, typer.Option(help="queued, received or rejected")] = None,
    precedence: Annotated[str | None, typer.Option(help="FLASH … ROUTINE")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the page as JSON")] = False,
    reach: Reach = REACH,
) -> None:
    """A page of the transfers of this node's items, newest first: queued, received (and
    marked how) or rejected."""
    asked = {"limit": limit, "cursor": cursor, "partner": partner, "state": state}
    with reach.connect() as client:
        page = client.page("/api/v1/transfers", **asked, precedence=precedence)
    if as_json:
        answer = {"rows": page.rows, "next": page.next, "prev": page.previous}
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
        return
    rows = page.rows
    table = grid(
        ("item", "to", "precedence", "state", "attempts", "marked as / reason"),
        rows=(
            (
                (t["item_id"] or "")[:8],
                t["peer"],
                styled(t["precedence"], PRECEDENCE_STYLE),
                styled(t["state"]),
                str(t["attempts"]),
                t.get("marked") or t.get("reason") or t.get("last_error") or "",
            )
            for t in rows
        ),
    )
    console.print(table)
    for rel, where in (("next", page.next), ("previous", page.previous)):
        if where is not None:
            console.print(f"[dim]{rel}: gsomia transfers --cursor {where}[/]")
