"""The clear columns a decision takes, sealed beside them (ADR 0134, 0140): one helper for
every table that keeps such columns (a holding's `terms`, a copy's).

Columns that lists filter on stay in clear; one sealed value under the row's metadata key
says what they are, so a writer of the database without the key cannot change one unseen. The
caller names its row in the damage it reports: only it knows what the columns mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from gsomia.seal.at_rest import DataKey


def seal(key: DataKey, column: str, values: Mapping[str, Any]) -> str:
    """`values` (JSON) sealed for `column` of `key`'s row."""
    return key.seal_text(column, orjson.dumps(dict(values), option=orjson.OPT_SORT_KEYS).decode())


def opened(key: DataKey, column: str, sealed: str) -> dict[str, Any]:
    """What `seal` sealed; VerificationError if it is not this row's `column`."""
    said = orjson.loads(key.open_text(column, sealed))  # json's was a quarter of the check
    return said if isinstance(said, dict) else {}


def differing(
    said: Mapping[str, Any], found: Mapping[str, Any], *, unsaid: frozenset[str] = frozenset()
) -> list[str]:
    """The names of `found` whose value is not what `said` says; a name in `unsaid` that
    `said` does not carry at all is not counted (a seal from before the column was sealed,
    read only by the node's one pass that seals it again)."""
    return [
        name
        for name, value in found.items()
        if said.get(name) != value and not (name in unsaid and name not in said)
    ]
