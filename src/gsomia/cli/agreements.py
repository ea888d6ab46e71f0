"""`gsomia agreement record` and `amend`: an officer records one of this nation's lifecycle
steps, or its written consent to an amended table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gsomia.cli.app import console
from gsomia.cli.common import REACH, Reach, reaching
from gsomia.cli.treaty import agreement_app


@agreement_app.command("record")
@reaching
def record(  # noqa: PLR0917 - Typer maps parameters to options
    agreement_id: Annotated[str, typer.Argument(help="e.g. KOR-JPN-2016")],
    kind: Annotated[
        str,
        typer.Option(
            help="domestic_approval, notification, termination_notice, notice_suspended, …"
        ),
    ],
    on: Annotated[str, typer.Option(help="date of the note, YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="the dated diplomatic note or decision cited")],
    party: Annotated[str | None, typer.Option(help="the acting party (this nation)")] = None,
    step: Annotated[str | None, typer.Option(help="domestic approval step, e.g. 국무회의")] = None,
    reach: Reach = REACH,
) -> None:
    """Record a step (refused with the reason if the lifecycle forbids it); the partner's node
    is sent it, so both hold the same record."""
    event = {"kind": kind, "on": on, "note": note, "party": party, "step": step}
    with reach.connect() as client:
        summary = client.record_agreement_event(agreement_id, **event)
    console.print(
        f"[green]recorded[/] {kind} of {on} on {agreement_id}: now [bold]{summary['state']}[/]"
    )


@agreement_app.command("amend")
@reaching
def amend(
    agreement_id: Annotated[str, typer.Argument(help="e.g. KOR-JPN-2016")],
    text: Annotated[
        Path,
        typer.Option(
            help='the amended table as JSON: {"effective": "YYYY-MM-DD", "basis": "…", "rows": '
            '[{"english": "SECRET", "levels": {"KOR": ["군사II급비밀"], "JPN": ["極秘"]}}]}',
            exists=True,
            dir_okay=False,
        ),
    ],
    on: Annotated[str, typer.Option(help="date of this party's consent note, YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="the consent note cited")],
    reach: Reach = REACH,
) -> None:
    """Consent, for this party, to the next version of an agreement's table (Art. 21.2). The
    partner's node is sent the text; the version applies once both consented to the same one.
    `gsomia agreement show` prints a partner's text awaiting this party's consent."""
    try:
        body = json.loads(text.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise typer.BadParameter(f"{text} is not a JSON amendment: {error}") from None
    with reach.connect() as client:
        summary = client.consent_to_amendment(agreement_id, on=on, note=note, **body)
    pending = summary.get("pending_amendment")
    state = "awaiting the partner's consent" if pending else f"version {summary['version']} agreed"
    console.print(f"[green]consent recorded[/] on {agreement_id}: {state}")
