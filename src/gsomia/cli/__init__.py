"""The `gsomia` command: thin Typer wiring over the node's use cases.

Each concept has its own module that registers its commands on `app` when imported; the
imports below are the CLI's table of contents. `main` is the one place that turns a gsomia
`Error` into a readable message and an exit code.
"""

from __future__ import annotations

import sys

from rich.markup import escape

from gsomia.cli import agreements as _agreements  # noqa: F401
from gsomia.cli import alerts as _alerts  # noqa: F401
from gsomia.cli import audit as _audit  # noqa: F401
from gsomia.cli import backup as _backup  # noqa: F401
from gsomia.cli import bundle as _bundle  # noqa: F401
from gsomia.cli import compromise as _compromise  # noqa: F401
from gsomia.cli import consent as _consent  # noqa: F401
from gsomia.cli import contractors as _contractors  # noqa: F401
from gsomia.cli import custody as _custody  # noqa: F401
from gsomia.cli import demo as _demo  # noqa: F401
from gsomia.cli import envelope as _envelope  # noqa: F401
from gsomia.cli import identity as _identity  # noqa: F401
from gsomia.cli import items as _items  # noqa: F401
from gsomia.cli import node as _node  # noqa: F401
from gsomia.cli import notices as _notices  # noqa: F401
from gsomia.cli import taxii as _taxii  # noqa: F401
from gsomia.cli import treaty as _treaty  # noqa: F401
from gsomia.cli import visits as _visits  # noqa: F401
from gsomia.cli import web as _web  # noqa: F401
from gsomia.cli.app import app, err_console, said_in
from gsomia.errors import Error, exit_code
from gsomia.web.i18n import Translator

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except Error as error:
        # Said as the pages say it, by its code (ADR 0135), the log's English after it; escaped:
        # a message may carry brackets (`[server] in config.toml`, a list).
        said = Translator(said_in["language"]).reason(error.message)
        err_console.print(f"[bold red]error:[/] {escape(said.text)}")
        if said.text != error.message:
            err_console.print(f"[dim]en:[/] {escape(error.message)}")
        if error.hint:
            err_console.print(f"[yellow]hint:[/] {escape(error.hint)}")
        sys.exit(exit_code(error))
