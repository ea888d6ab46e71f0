"""`gsomia consent …`, `gsomia purpose …`, `gsomia hub …`, `gsomia item onward|custody`.

The holder's officer asks the originator for consent and releases onward with it; the
originator's officer grants, refuses or revokes; anyone who may see transfers sees an item's
custody chain. Refusals print the reason and the article, and say what to do.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from gsomia.cli.app import app, console
from gsomia.cli.common import REACH, Reach, fields, grid, listed, minute, moment, reaching, styled
from gsomia.cli.items import item_app
from gsomia.cli.rows import AsCsv, AsJson, printed

consent_app = typer.Typer(help="Consent of the originator to release an item onward (R12).")
app.add_typer(consent_app, name="consent")
purpose_app = typer.Typer(help="New purposes for a holding, approved by the originator (R13).")
app.add_typer(purpose_app, name="purpose")
hub_app = typer.Typer(help="Hub mode: forward between participants on configured topics (R47).")
app.add_typer(hub_app, name="hub")

#: What `consent show` and each decision print about a case, in this order (unset ones skipped).
# fmt: off
CASE_FIELDS = (
    "status", "originator", "holder", "recipient", "purpose", "item_ids", "until", "requested_by",
    "requested_at", "decided_by", "decided_at", "expires_at", "revoked_at", "reason",
)
# fmt: on


def _show_case(case: dict[str, Any]) -> None:
    console.print(fields(case, CASE_FIELDS, title=f"consent {case['id']}"))


@consent_app.command("request")
@reaching
def request(  # noqa: PLR0917 - Typer maps parameters to options
    holding: Annotated[str, typer.Argument(help="the holding (or item) id")],
    to: Annotated[str, typer.Option("--to", help="the third nation, e.g. USA")],
    purpose: Annotated[str, typer.Option(help="what the third nation will use it for")],
    until: Annotated[str, typer.Option(help="end of the consent, ISO 8601 with time zone")],
    item_class: Annotated[str, typer.Option(help="ask for a class of items instead")] = "",
    reach: Reach = REACH,
) -> None:
    """Ask the originator for consent to release a holding to a third nation."""
    body = {"holding_id": holding, "recipient": to, "purpose": purpose, "until": until}
    if item_class:
        body["item_class"] = item_class
    case = reach.post("/api/v1/consents", body)
    console.print(
        f"[green]asked[/] {case['originator']} for consent {case['id']}: "
        f"to {case['recipient']} for {case['purpose']!r}; its officer decides"
    )


@consent_app.command("list")
@reaching
def list_cases(
    reach: Reach = REACH,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    """Consent requests this node asked for or was asked."""
    found = reach.get("/api/v1/consents")
    if printed(found, as_json, as_csv):
        return
    rows = (
        (
            case["id"],
            styled(case["status"]),
            case["originator"],
            case["holder"],
            case["recipient"],
            case["purpose"],
            listed(case["item_ids"]) or case.get("item_class", ""),
            minute(case["until"]),
        )
        for case in found
    )
    console.print(
        grid(("id", "status", "originator", "holder", "to", "purpose", "items", "until"), rows)
    )


@consent_app.command("show")
@reaching
def show(case_id: str, reach: Reach = REACH) -> None:
    """One consent request and what became of it."""
    _show_case(reach.get(f"/api/v1/consents/{case_id}"))


@consent_app.command("grant")
@reaching
def grant(
    case_id: str,
    expires: Annotated[str | None, typer.Option(help="end earlier than asked (ISO 8601)")] = None,
    reach: Reach = REACH,
) -> None:
    """Grant (originator's officer): a consent signed by this node goes to the holder."""
    body = {"expires_at": expires} if expires else {}
    _show_case(reach.post(f"/api/v1/consents/{case_id}/grant", body))


def _answer(verb: str, summary: str) -> None:
    """Register `consent VERB CASE --reason …`: refusing and revoking differ only in the verb."""

    def answer(
        case_id: str,
        reason: Annotated[str, typer.Option(help="told to the holder")],
        reach: Reach = REACH,
    ) -> None:
        _show_case(reach.post(f"/api/v1/consents/{case_id}/{verb}", {"reason": reason}))

    consent_app.command(verb, help=summary)(reaching(answer))


_answer("refuse", "Refuse (originator's officer), with the reason.")
_answer("revoke", "Revoke a granted consent from now on (originator's officer).")


@reaching
def onward(
    holding: Annotated[str, typer.Argument(help="the holding (or item) id")],
    to: Annotated[str, typer.Option("--to", help="the third nation")],
    consent: Annotated[str, typer.Option("--consent", help="the originator's consent id")],
    reach: Reach = REACH,
) -> None:
    """Release a holding to a third nation with the originator's consent."""
    result = reach.post(f"/api/v1/holdings/{holding}/onward", {"to": to, "consent_id": consent})
    transfer = result["transfer"]
    console.print(
        f"[green]released onward[/] {transfer['item_id']} {transfer['from']} → {transfer['to']}, "
        f"marked [bold]{transfer['level']}[/] under {transfer['basis']} "
        f"with consent {transfer['consent_id']}"
    )


item_app.command("onward")(onward)
consent_app.command("onward", help="Same as `gsomia item onward`.")(onward)


@item_app.command("custody")
@reaching
def item_custody(item_id: str, reach: Reach = REACH) -> None:
    """Every nation known to hold an item, and by which path."""
    chain = reach.get(f"/api/v1/items/{item_id}/custody")
    rows = (
        (
            t["from"],
            t["to"],
            moment(t["at"]),
            t["level"],
            t["basis"],
            t["consent_id"] or "",
            t["hub"] or "",
        )
        for t in chain["transfers"]
    )
    console.print(grid(("from", "to", "at", "marked", "under", "consent", "hub"), rows, item_id))
    for nation, path in chain["paths"].items():
        console.print(f"  [bold]{nation}[/]: {' → '.join(path)}")


# Purposes and hub -----------------------------------------------------------------------------


@purpose_app.command("request")
@reaching
def purpose_request(
    holding: str,
    purpose: Annotated[str, typer.Option(help="the new purpose")],
    reach: Reach = REACH,
) -> None:
    """Ask the originator to approve a new purpose for a holding."""
    case = reach.post("/api/v1/purposes", {"holding_id": holding, "purpose": purpose})
    console.print(f"[green]asked[/] {case['originator']} to approve {purpose!r}: {case['id']}")


@purpose_app.command("list")
@reaching
def purpose_list(
    reach: Reach = REACH,
    as_json: AsJson = False,
    as_csv: AsCsv = False,
) -> None:
    found = reach.get("/api/v1/purposes")
    if printed(found, as_json, as_csv):
        return
    rows = (
        (
            case["id"],
            styled(case["status"]),
            case["originator"],
            case["holder"] or "",
            case["purpose"],
            listed(case["item_ids"]),
        )
        for case in found
    )
    console.print(grid(("id", "status", "originator", "holder", "purpose", "items"), rows))


def _decided(case: dict[str, Any]) -> None:
    console.print(f"{styled(case['status'])} {case['purpose']!r} for {case['holder']}")


@purpose_app.command("approve")
@reaching
def purpose_approve(case_id: str, reach: Reach = REACH) -> None:
    case = reach.post(f"/api/v1/purposes/{case_id}/approve")
    _decided(case)


@purpose_app.command("refuse")
@reaching
def purpose_refuse(
    case_id: str,
    reason: Annotated[str, typer.Option(help="told to the holder")],
    reach: Reach = REACH,
) -> None:
    case = reach.post(f"/api/v1/purposes/{case_id}/refuse", {"reason": reason})
    _decided(case)


@hub_app.command("rule")
@reaching
def hub_rule(
    arrangement: Annotated[str, typer.Option(help="e.g. 'TISA 2014'")],
    participant: Annotated[list[str], typer.Option(help="participant nation (repeat)")],
    topic: Annotated[list[str], typer.Option(help="topic / community (repeat)")],
    reach: Reach = REACH,
) -> None:
    """Configure a (non-binding) hub arrangement this node forwards under."""
    body = {"arrangement": arrangement, "participants": participant, "topics": topic}
    rule = reach.post("/api/v1/hub/rules", body)
    console.print(
        f"[green]hub rule {rule['id']}[/] {rule['arrangement']} (non-binding): "
        f"{listed(rule['participants'])} on {listed(rule['topics'])}"
    )


@hub_app.command("rules")
@reaching
def hub_rules(reach: Reach = REACH) -> None:
    found = reach.get("/api/v1/hub/rules")
    rows = (
        (
            str(rule["id"]),
            rule["arrangement"],
            listed(rule["participants"]),
            listed(rule["topics"]),
            rule["created_by"],
        )
        for rule in found
    )
    console.print(grid(("id", "arrangement", "participants", "topics", "by"), rows))


@hub_app.command("forward")
@reaching
def hub_forward(
    holding: str,
    to: Annotated[str, typer.Option("--to", help="the intended participant")],
    reach: Reach = REACH,
) -> None:
    """Forward a holding to the intended participant under a configured hub rule."""
    result = reach.post(f"/api/v1/holdings/{holding}/forward", {"to": to})
    t = result["transfer"]
    console.print(
        f"[green]forwarded[/] {t['item_id']} {t['from']} → {t['to']}, marked [bold]{t['level']}[/]"
        f" under {t['basis']} (hub arrangement, non-binding)"
    )
