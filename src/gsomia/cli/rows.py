"""`--json` and `--csv` for the CLI's lists: the rows as the API answered them, for scripts.

A table is for a person; a script wants every field, unabridged. `--json` prints the API's
rows as they are; `--csv` the same rows under a header row (the fields of the rows, in the
order the API gives them), lists space-joined and formula cells defused (`node.export`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from gsomia.errors import UsageError
from gsomia.node.export import csv_text

AsJson = Annotated[bool, typer.Option("--json", help="the rows as JSON, every field")]
AsCsv = Annotated[bool, typer.Option("--csv", help="the rows as CSV under a header row")]


def printed(rows: Sequence[dict[str, Any]], as_json: bool, as_csv: bool) -> bool:
    """Print `rows` as JSON or CSV if asked (True), or leave them to the table (False)."""
    if as_json and as_csv:
        raise UsageError("--json or --csv, not both")
    if as_json:
        typer.echo(json.dumps(list(rows), ensure_ascii=False, indent=2))
        return True
    if as_csv:
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        typer.echo(csv_text(tuple(columns), list(rows)), nl=False)
        return True
    return False
