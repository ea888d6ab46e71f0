"""Translating a level between the parties' schemes, per agreement and version (Art. 4; R1–R3).

There is no global equivalence: the same national level may map differently, or not at all,
under two agreements. A level that the agreement version does not cover is a denial naming
Art. 4, never a guess at the nearest level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gsomia.errors import PolicyDenied
from gsomia.treaty.agreements import Agreement, AgreementVersion
from gsomia.treaty.schemes import Level

__all__ = ["ARTICLE", "Translation", "translate"]

ARTICLE = "Art. 4"


@dataclass(frozen=True, slots=True)
class Translation:
    """`source` in the target party's scheme: `primary`, then the table's `alternatives`."""

    agreement_id: str
    version: int
    source: Level
    primary: Level
    alternatives: tuple[Level, ...]
    english: str


def _version(agreement: Agreement, version: int | None, at: date | None) -> AgreementVersion:
    if version is not None:
        return agreement.version(version)
    if at is not None:
        return agreement.version_at(at)
    return agreement.latest


def translate(
    agreement: Agreement,
    level: Level,
    to_nation: str,
    *,
    version: int | None = None,
    at: date | None = None,
) -> Translation:
    """The level of `to_nation`'s scheme equivalent to `level` under `agreement`.

    The table is that of `version` if given, else of the version in effect on `at`, else the
    latest. Raises `PolicyDenied` (Art. 4) if either nation is not a party or the level is not
    covered by that version.
    """
    table = _version(agreement, version, at)
    for nation in (level.nation, to_nation):
        if nation not in agreement.parties:
            raise PolicyDenied(
                f"{nation} is not a party to {agreement.id}",
                article=ARTICLE,
                hint=f"{agreement.id} binds {' and '.join(agreement.parties)}",
            )
    row = table.row_for(level)
    if row is None:
        covered = ", ".join(str(lv) for lv in table.covered(level.nation))
        raise PolicyDenied(
            f"{level} is not covered by {agreement.id} (version {table.number}, {ARTICLE})",
            article=ARTICLE,
            hint=f"{level.nation} levels covered: {covered}",
        )
    targets = row.levels.get(to_nation, ())
    if not targets:
        raise PolicyDenied(
            f"{agreement.id} (version {table.number}) maps {level} to no {to_nation} level",
            article=ARTICLE,
        )
    return Translation(agreement.id, table.number, level, targets[0], targets[1:], row.english)
