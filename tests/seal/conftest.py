"""Nodes for the seal tests: keys and cards for KOR, JPN and USA in each profile (made once).

Test modules repeat the two constants they need (NOW, LABEL) instead of importing this file:
modules in tests/ are not a package, so imports between them would not type-check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from gsomia.seal import IdentityCard, NodeKeys, generate_node_keys, make_card, parse_card

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
LABEL = {
    "policy": "urn:gsomia:policy:KOR-JPN:2016",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}


@dataclass(frozen=True, repr=False)  # short reprs keep Hypothesis reports readable
class Node:
    keys: NodeKeys
    card: IdentityCard


def make_node(profile: str, nation: str, name: str) -> Node:
    keys = generate_node_keys(profile)
    card = make_card(keys, nation=nation, name=name, created=NOW)
    return Node(keys, parse_card(card.to_bytes()))


class Blob(bytes):
    """Bytes with a short repr (a sealed envelope shown in a Hypothesis report)."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes>"


@pytest.fixture(scope="session")
def nodes() -> dict[tuple[str, str], Node]:
    """(profile, nation) → node, for KOR, JPN and USA in every profile."""
    return {
        (profile, nation): make_node(profile, nation, f"{nation} node")
        for profile in ("pq", "cnsa2", "classic")
        for nation in ("KOR", "JPN", "USA")
    }
