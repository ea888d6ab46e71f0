"""`gsomia demo`: the three-nation demo of `gsomia.demo`, behind a command."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from gsomia.cli.app import app
from gsomia.demo.run import run_demo


@app.command("demo")
def demo(
    exit_: Annotated[bool, typer.Option("--exit", help="check every step, then stop")] = False,
    workdir: Annotated[Path | None, typer.Option(help="keep the node homes here")] = None,
) -> None:
    """Start KOR, JPN and USA nodes and follow one FLASH item's way through them."""
    if workdir is not None and workdir.exists() and any(workdir.iterdir()):
        raise typer.BadParameter(f"{workdir} is not empty", param_hint="--workdir")
    root = workdir or Path(tempfile.mkdtemp(prefix="gsomia-demo-"))
    passed = run_demo(root, keep_serving=not exit_)
    if exit_:
        raise typer.Exit(0 if passed else 1)
