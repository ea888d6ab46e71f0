"""The world of `bench_exchange`: the shipped agreements, KOR–JPN's FLASH budget raised above
the bench's samples.

The bench sends its 200 FLASH samples within minutes. Under the shipped budget (10 at once, 60
an hour; ADR 0092) JPN would handle every sample past the first sixty as IMMEDIATE, and the
figure would time demoted messages, not FLASH. `install()` gives every node built in this
process the raised budget; launch a node with it by `python -m bench.exchange_world gsomia …`.
"""

from __future__ import annotations

import functools
import sys

from bench.partners_world import _data
from gsomia.node import runtime
from gsomia.treaty import agreements as agreement_module
from gsomia.treaty import schemes as scheme_module
from gsomia.treaty.agreements import AgreementRegistry, parse_agreement

SHIPPED_BUDGET = ("flash_per_hour = 60", "flash_burst = 10")


@functools.cache
def agreements() -> AgreementRegistry:
    shipped = agreement_module.load_agreements()
    text = _data("agreements", "kor-jpn-2016.toml")
    if any(line not in text for line in SHIPPED_BUDGET):
        raise SystemExit("kor-jpn-2016.toml no longer states the budget this bench raises")
    text = text.replace(SHIPPED_BUDGET[0], "flash_per_hour = 100000").replace(
        SHIPPED_BUDGET[1], "flash_burst = 10000"
    )
    raised = parse_agreement(text, scheme_module.load_schemes())
    return AgreementRegistry({**{a.id: a for a in shipped.all()}, raised.id: raised})


def install() -> None:
    """Every node built in this process from now on has the raised budget."""
    runtime.load_agreements = agreements  # type: ignore[attr-defined]


if __name__ == "__main__":  # python -m bench.exchange_world gsomia serve …
    install()
    from gsomia.cli import main

    sys.argv = sys.argv[1:]
    main()
