"""`gsomia taxii pull`: a partner tool's TAXII 2.1 collection taken in as drafts.

A national analyst's OpenCTI (or any TAXII 2.1 server) holds STIX objects; pulling them makes
each a draft item of this node's, its STIX id kept, for an officer to release (R50). Objects
that carry a partner's label are refused, with the reason (ADR 0115).
"""

from __future__ import annotations

import os
from typing import Annotated

import httpx
import typer
from rich.markup import escape
from rich.progress import Progress

from gsomia.cli.app import app, console
from gsomia.cli.common import As, Home, Token, Url, connect, grid
from gsomia.client import taxii_pages

taxii_app = typer.Typer(help="TAXII 2.1: take a partner tool's objects in as drafts.")
app.add_typer(taxii_app, name="taxii")


def _auth(user: str | None, token: str | None) -> httpx.Auth | None:
    if token:
        return _Bearer(token)
    if user:
        return httpx.BasicAuth(user, os.environ.get("GSOMIA_TAXII_PASSWORD", ""))
    return None


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


@taxii_app.command("pull")
def pull(  # noqa: PLR0917 - Typer maps parameters to options
    tool_url: Annotated[str, typer.Argument(metavar="URL", help="the tool's TAXII API root")],
    collection: Annotated[str, typer.Option(help="the collection, by id or title")],
    agreement: Annotated[str, typer.Option(help="the agreement the drafts are for")],
    purpose: Annotated[str, typer.Option(help="the drafts' purpose (one of your communities)")],
    level: Annotated[
        str | None, typer.Option(help="classification for objects that name none")
    ] = None,
    tool_user: Annotated[
        str | None,
        typer.Option(help="the tool's user (HTTP Basic; password in GSOMIA_TAXII_PASSWORD)"),
    ] = None,
    tool_token: Annotated[
        str | None, typer.Option(envvar="GSOMIA_TAXII_TOKEN", help="the tool's bearer token")
    ] = None,
    home: Home = None,
    user: As = None,
    url: Url = None,
    token: Token = None,
) -> None:
    """Take every object of a TAXII collection in as drafts of this node, keeping STIX ids;
    an object taken in before is not taken in twice."""
    taken, refused = 0, []
    with (
        connect(home, user, url, token) as client,
        Progress(console=console, transient=True) as progress,
    ):
        task = progress.add_task("pulling", total=None)
        for objects in taxii_pages(tool_url, collection, auth=_auth(tool_user, tool_token)):
            if not objects:
                continue
            answer = client.intake_stix(agreement, purpose, objects, level)
            taken += len(answer["successes"])
            refused.extend(answer["failures"])
            progress.update(task, advance=len(objects))
    console.print(f"[green]taken in[/] {taken} object(s) as drafts (an officer releases them)")
    if refused:
        console.print(
            grid(
                ("object", "refused because"),
                ((escape(f["id"]), escape(f["reason"])) for f in refused),
                title=f"{len(refused)} refused",
            )
        )
        raise typer.Exit(4)
