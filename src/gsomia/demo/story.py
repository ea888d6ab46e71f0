"""The thread of `gsomia demo`: numbered steps, each step's checks for `--exit`, and the
patience a story over real nodes needs (answers arrive when the partner's node has acted)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from rich.console import Console

from gsomia.errors import Error

T = TypeVar("T")

#: Where the story is told: standard output, as the rest of the `gsomia` command writes.
console = Console()


@dataclass
class Story:
    """Each step's check, so `--exit` can say which one failed."""

    checks: list[tuple[str, bool]] = field(default_factory=list)

    def check(self, what: str, ok: bool) -> bool:
        self.checks.append((what, ok))
        mark = "[green]✓[/]" if ok else "[bold red]✗[/]"
        console.print(f"  {mark} {what}")
        return ok

    @property
    def passed(self) -> bool:
        return all(ok for _, ok in self.checks)


def step(number: int, title: str) -> None:
    console.print()
    console.rule(f"[bold]{number}. {title}")


def until(probe: Callable[[], T | None], timeout: float = 20.0) -> T | None:
    """`probe()`'s first truthy answer, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def refusal(call: Callable[[], object]) -> str:
    """The reason and article a node refused `call` with, or "" when it was allowed."""
    try:
        call()
    except Error as error:
        article = getattr(error, "article", "")
        return f"{error.message} [{article}]" if article else error.message
    return ""
