"""The world of `bench_partners`: Korea and 24 partner nations, each with a scheme and a
security agreement with Korea in force, as their ministries would ship them.

gsomia ships the agreements it has read (KOR–JPN, KOR–USA, JPN–USA); the load test needs 24
partners, so each of these nations gets a copy of the United States' scheme under its own code
and a copy of the KOR–USA agreement with it, its FLASH budget raised above the bench's samples
(`bench.world.raised_budget`). `install()` makes every node built in this process (and in
processes forked from it) know them: it replaces the shipped registries where the node reads
them. Launch a node with them by `python -m bench.partners_world gsomia …`.
"""

from __future__ import annotations

import functools
import hashlib

from bench import world
from gsomia.treaty import agreements as agreement_module
from gsomia.treaty import schemes as scheme_module
from gsomia.treaty.agreements import AgreementRegistry, parse_agreement
from gsomia.treaty.schemes import SchemeRegistry, parse_spif, registry_from

#: 24 partner nations without a shipped scheme of their own (ISO 3166-1 alpha-3).
PARTNERS = (
    "DEU", "ITA", "ESP", "NLD", "NOR", "SWE", "POL", "TUR", "GRC", "PHL", "THA", "IDN",
    "IND", "NZL", "BEL", "DNK", "FIN", "CZE", "HUN", "ROU", "ISR", "BRA", "CHL", "SGP",
)  # fmt: skip


def _oid(nation: str) -> str:
    return "2.25." + str(int.from_bytes(hashlib.sha256(nation.encode()).digest()[:15], "big"))


@functools.cache
def schemes() -> SchemeRegistry:
    shipped = scheme_module.load_schemes()
    usa = world.data("schemes", "usa.xml").replace(
        "2.25.224721813884720177847356331571953866849", "{oid}"
    )
    copies = [
        parse_spif(
            usa.replace('name="USA"', f'name="{code}"')
            .replace('nation="USA"', f'nation="{code}"')
            .replace("{oid}", _oid(code))
            .encode()
        )
        for code in PARTNERS
    ]
    return SchemeRegistry({**shipped.by_nation, **registry_from(copies).by_nation})


@functools.cache
def agreements() -> AgreementRegistry:
    shipped = agreement_module.load_agreements()
    text = world.raised_budget(world.data("agreements", "kor-usa-1987.toml"), "kor-usa-1987.toml")
    copies = [parse_agreement(text.replace("USA", code), schemes()) for code in PARTNERS]
    return AgreementRegistry({**{a.id: a for a in shipped.all()}, **{a.id: a for a in copies}})


def install() -> None:
    """Every node built in this process from now on knows the 24 partners."""
    world.install(agreements, schemes)


if __name__ == "__main__":  # python -m bench.partners_world gsomia serve …
    world.serve(install)
