"""What the bench worlds share (`bench.exchange_world`, `bench.partners_world`): the shipped
treaty data read as text, an agreement's FLASH budget raised above a bench's samples, the
registries put where the node reads them, and the launcher that serves a node with them.

A bench sends its FLASH samples minutes apart, not an hour: under a shipped budget (10 at
once, 60 an hour; ADR 0092) all but the first few would be handled as IMMEDIATE, and the
figure would time demoted messages, not FLASH. Each world raises the budget of the agreements
it uses, and fails if the shipped text no longer states the budget it raises.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import resources

from gsomia.node import database, home, runtime
from gsomia.treaty.agreements import AgreementRegistry
from gsomia.treaty.schemes import SchemeRegistry

#: The FLASH budget the shipped agreements state, and what a bench raises it to.
SHIPPED_BUDGET = ("flash_per_hour = 60", "flash_burst = 10")
RAISED_BUDGET = ("flash_per_hour = 100000", "flash_burst = 10000")


def data(kind: str, name: str) -> str:
    """A shipped treaty file (`kind` is "schemes" or "agreements") as text."""
    return resources.files("gsomia.treaty").joinpath("data", kind, name).read_text("utf-8")


def raised_budget(text: str, name: str) -> str:
    """Agreement `text` (the shipped file `name`) with its FLASH budget raised above a
    bench's samples; SystemExit if it no longer states the budget raised here."""
    if any(line not in text for line in SHIPPED_BUDGET):
        raise SystemExit(f"{name} no longer states the FLASH budget the benches raise")
    for shipped, raised in zip(SHIPPED_BUDGET, RAISED_BUDGET, strict=True):
        text = text.replace(shipped, raised)
    return text


def install(
    agreements: Callable[[], AgreementRegistry],
    schemes: Callable[[], SchemeRegistry] | None = None,
) -> None:
    """Every node built in this process from now on (and in processes forked from it) reads
    `agreements` (and `schemes`, if given) where it reads the shipped registries."""
    if schemes is not None:
        for module in (runtime, home, database):
            if hasattr(module, "load_schemes"):
                module.load_schemes = schemes  # type: ignore[attr-defined]
    runtime.load_agreements = agreements  # type: ignore[attr-defined,assignment]


def serve(install_world: Callable[[], None]) -> None:
    """`python -m bench.<world> gsomia …`: the CLI, in a process that knows the world."""
    install_world()
    # Imported once the world is installed: what the CLI binds at import reads it then.
    from gsomia.cli import main  # noqa: PLC0415

    sys.argv = sys.argv[1:]
    main()
