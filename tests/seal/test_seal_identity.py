"""Identity cards: round trip, fingerprint, and every member validated on load."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from gsomia.errors import InputError
from gsomia.seal import fingerprint_groups, make_card, parse_card
from gsomia.seal.encoding import b64u, b64u_decode, canonical_json

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # as in conftest.py
LABEL = {
    "policy": "urn:gsomia:policy:KOR-JPN:2016",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}


def test_card_round_trips_with_its_fingerprint(nodes: dict[tuple[str, str], Any]) -> None:
    node = nodes["pq", "KOR"]
    card = parse_card(node.card.to_bytes())
    assert card == node.card
    body = json.loads(node.card.to_bytes())
    fingerprint = body.pop("fingerprint")
    assert fingerprint == hashlib.sha256(canonical_json(body)).hexdigest()
    assert card.key_id == node.keys.key_id


def test_fingerprint_is_grouped_for_reading_aloud() -> None:
    assert fingerprint_groups("ab12cd34ef") == "AB12 CD34 EF"


def _tamper(card: bytes, member: str, value: Any) -> bytes:
    raw = json.loads(card)
    raw[member] = value
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("member", "value", "problem"),
    [
        ("nation", "Korea", "ISO 3166"),
        ("name", "", "name"),
        ("endpoints", ["ftp://x"], "endpoint"),
        ("created", "yesterday", "created"),
        ("profile", "quantum", "profile"),
        ("type", "card", "type"),
        ("key_id", "AAAA", "key_id"),
        ("fingerprint", "00" * 32, "fingerprint"),
        ("keys", {"kem": {}, "sig": []}, "signature keys"),
    ],
)
def test_bad_member_is_named(
    nodes: dict[tuple[str, str], Any], member: str, value: Any, problem: str
) -> None:
    with pytest.raises(InputError, match=problem):
        parse_card(_tamper(nodes["pq", "KOR"].card.to_bytes(), member, value))


def test_other_name_changes_the_fingerprint(nodes: dict[tuple[str, str], Any]) -> None:
    node = nodes["pq", "KOR"]
    other = make_card(node.keys, nation="KOR", name="other", created=NOW)
    assert other.fingerprint != node.card.fingerprint
    with pytest.raises(InputError, match="fingerprint"):
        parse_card(_tamper(node.card.to_bytes(), "name", "other"))


def test_short_public_key_is_refused(nodes: dict[tuple[str, str], Any]) -> None:
    raw = json.loads(nodes["pq", "KOR"].card.to_bytes())
    raw["keys"]["kem"]["pub"] = b64u(b64u_decode(raw["keys"]["kem"]["pub"])[:-6])
    with pytest.raises(InputError, match="1216 bytes"):
        parse_card(json.dumps(raw).encode())


def test_duplicate_keys_in_card_json_are_refused(nodes: dict[tuple[str, str], Any]) -> None:
    text = nodes["pq", "KOR"].card.to_bytes().decode()
    with pytest.raises(InputError, match="duplicate"):
        parse_card(text.replace('"name":', '"name": "x", "name":', 1))
