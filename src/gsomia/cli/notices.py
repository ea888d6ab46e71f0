"""`gsomia item reclassify` and `gsomia notice list | show`: classification changes (R14).

Only the originator's officer re-marks one of its items; every holder is sent the notice,
re-marks its holding and acknowledges. A holder's own attempt is refused with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from gsomia.cli.app import app, console
from gsomia.cli.common import REACH, Reach, listed, moment, reaching, styled
from gsomia.cli.items import item_app
from gsomia.cli.rows import AsCsv, AsJson, printed

notice_app = typer.Typer(help="Classification notices: sent to holders, received from originators.")
app.add_typer(notice_app, name="notice")

DIRECTION_STYLE = {"sent": "cyan", "received": "magenta"}


def _level(value: str | None) -> str:
    return value if value else "[bold]declassified[/]"


def _summary(notice: dict[str, Any]) -> str:
    return f"{notice['previous']} → {_level(notice['level'])}"


def _print_notice(notice: dict[str, Any]) -> None:
    direction = notice["direction"]
    console.print(
        f"[bold]{notice['id']}[/] ({notice['change']}) of {notice['item_id']} by "
        f"{notice['originator']}: {_summary(notice)}, effective {moment(notice['effective'])}, "
        + styled(direction, DIRECTION_STYLE)
    )
    if direction == "received":
        console.print(
            f"holding {notice['holding_id']} re-marked "
            f"{notice['local_previous']} → {_level(notice['local_level'])}; acknowledged"
        )
        return
    acknowledged = {a["holder"]: a for a in notice["acknowledged"]}
    refused = {r["holder"]: r for r in notice.get("refused", [])}
    table = Table("holder", "state", "holding", "re-marked as", "at / reason", title="holders")
    for holder in notice["holders"]:
        if holder in acknowledged:
            a = acknowledged[holder]
            table.add_row(
                holder, styled("acknowledged"), a["holding_id"], _level(a["level"]), moment(a["at"])
            )
        elif holder in refused:
            r = refused[holder]
            table.add_row(
                holder, styled("refused"), "", "", f"{r['reason']} ({r['article']})".strip()
            )
        else:
            table.add_row(holder, styled("outstanding"), "", "", "")
    console.print(table)
    if notice["outstanding"]:
        console.print(f"[yellow]outstanding:[/] {listed(notice['outstanding'])}")
    elif notice["holders"]:
        console.print("[green]every holder acknowledged[/]")
    else:
        console.print("no partner holds this item")


@item_app.command("reclassify")
@reaching
def reclassify(
    item_id: Annotated[str, typer.Argument(help="one of this nation's own items")],
    change: Annotated[str, typer.Option(help="downgrade | upgrade | declassify")],
    level: Annotated[
        str | None, typer.Option(help="the new marking in your scheme, e.g. 군사III급비밀")
    ] = None,
    effective: Annotated[
        str | None, typer.Option(help="ISO time it takes effect (default: now)")
    ] = None,
    reach: Reach = REACH,
) -> None:
    """Change the classification of one of your items (officers of the originator only); every
    holder is sent the notice and must acknowledge."""
    body: dict[str, Any] = {"change": change}
    if level is not None:
        body["level"] = level
    if effective is not None:
        body["effective"] = effective
    notice = reach.post(f"/api/v1/items/{item_id}/classification", body)
    console.print(f"[green]notice issued[/] {notice['id']}")
    _print_notice(notice)


@notice_app.command("list")
@reaching
def list_notices(
    reach: Reach = REACH,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Every classification notice this node sent or received."""
    notices = reach.get("/api/v1/notices")
    if printed(notices, as_json, as_csv):
        return
    table = Table(title="classification notices")
    table.add_column("id", no_wrap=True)
    table.add_column("item", no_wrap=True, max_width=14)
    for header in ("direction", "change", "marking", "acknowledged", "outstanding"):
        table.add_column(header, overflow="fold")
    for n in notices:
        direction = n["direction"]
        outstanding = listed(n["outstanding"])
        table.add_row(
            n["id"],
            n["item_id"],
            styled(direction, DIRECTION_STYLE),
            n["change"],
            _summary(n),
            f"[green]{listed(a['holder'] for a in n['acknowledged'])}[/]",
            f"[yellow]{outstanding}[/]" if outstanding else "[green]none[/]",
        )
    console.print(table)


@notice_app.command("show")
@reaching
def show(
    notice_id: Annotated[str, typer.Argument()],
    reach: Reach = REACH,
) -> None:
    """One notice: its holders, who acknowledged and who is outstanding."""
    notice = reach.get(f"/api/v1/notices/{notice_id}")
    _print_notice(notice)
