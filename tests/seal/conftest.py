"""Nodes for the seal tests: keys and cards for KOR, JPN and USA in each profile (made once)."""

from __future__ import annotations

import pytest
from seal_fixtures import Node, make_node


@pytest.fixture(scope="session")
def nodes() -> dict[tuple[str, str], Node]:
    """(profile, nation) → node, for KOR, JPN and USA in every profile."""
    return {
        (profile, nation): make_node(profile, nation, f"{nation} node")
        for profile in ("pq", "cnsa2", "classic")
        for nation in ("KOR", "JPN", "USA")
    }
