"""The root Typer app and the consoles every CLI module shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gsomia.treaty.names import LANGUAGES

app = typer.Typer(
    name="gsomia",
    help="Exchange classified military information under security agreements (GSOMIAs).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


#: The language the console says an error in (`--language`, ADR 0135): the pages' words for
#: the same message, by its code; English, as the log keeps it, unless asked.
said_in = {"language": "en"}


@app.callback()
def main(
    cacert: Annotated[  # noqa: ARG001 - read where a command connects (`cli.common`)
        Path | None,
        typer.Option(
            envvar="GSOMIA_CACERT",
            help="certificate to trust for a node served with --tls (default with --home: "
            "the node's own)",
        ),
    ] = None,
    language: Annotated[
        str,
        typer.Option(
            envvar="GSOMIA_LANGUAGE",
            help="language errors are said in: en | ko | ja (the English follows)",
        ),
    ] = "en",
) -> None:
    """Exchange classified military information under security agreements (GSOMIAs)."""
    if language not in LANGUAGES:  # refused when typed, naming what is known (issue 16)
        raise typer.BadParameter(
            f"{language!r} is not one of {', '.join(LANGUAGES)}", param_hint="--language"
        )
    said_in["language"] = language


console = Console()
err_console = Console(stderr=True)
