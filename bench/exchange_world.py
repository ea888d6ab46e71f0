"""The world of `bench_exchange`: the shipped agreements, KOR–JPN's FLASH budget raised above the
bench's samples (`bench.world.raised_budget`).

The bench sends its 200 FLASH samples within minutes. Under the shipped budget (10 at once, 60
an hour; ADR 0092) JPN would handle every sample past the first sixty as IMMEDIATE, and the
figure would time demoted messages, not FLASH. `install()` gives every node built in this
process the raised budget; launch a node with it by `python -m bench.exchange_world gsomia …`.
"""

from __future__ import annotations

import functools

from bench import world
from bench.world import SHIPPED_BUDGET
from gsomia.treaty import agreements as agreement_module
from gsomia.treaty import schemes as scheme_module
from gsomia.treaty.agreements import AgreementRegistry, parse_agreement

__all__ = ["SHIPPED_BUDGET", "agreements", "install"]


@functools.cache
def agreements() -> AgreementRegistry:
    shipped = agreement_module.load_agreements()
    text = world.raised_budget(world.data("agreements", "kor-jpn-2016.toml"), "kor-jpn-2016.toml")
    raised = parse_agreement(text, scheme_module.load_schemes())
    return AgreementRegistry({**{a.id: a for a in shipped.all()}, raised.id: raised})


def install() -> None:
    """Every node built in this process from now on has the raised budget."""
    world.install(agreements)


if __name__ == "__main__":  # python -m bench.exchange_world gsomia serve …
    world.serve(install)
