"""Shared helpers of the seal tests: a fixed time, a label, nodes with keys and cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

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
