"""Envelopes that verify but whose item header is malformed are refused, naming the fault."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from tests.node.node_fixtures import Cast, sealed

from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import ITEM_HEADER
from gsomia.node import transfers
from gsomia.node.receive import receive_batch
from gsomia.seal.sealed import Plain

Change = Callable[[dict[str, Any]], None]


def _header(cast: Cast) -> dict[str, Any]:
    item_id = cast.publish("KOR", "kim")
    label = transfers.get_item(cast["KOR"], item_id)["label"]
    return {
        "type": ITEM_HEADER,
        "label": label,
        "item": {
            "id": item_id,
            "title": "t",
            "agreement": "KOR-JPN-2016",
            "version": 1,
            "precedence": "FLASH",
        },
    }


def _set(path: tuple[str, ...], value: Any) -> Change:
    def change(header: dict[str, Any]) -> None:
        target = header
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(path: tuple[str, ...]) -> Change:
    def change(header: dict[str, Any]) -> None:
        target = header
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


CASES: list[tuple[str, Change, str]] = [
    ("other-type", _set(("type",), "gsomia-item/0"), "does not carry an item header"),
    ("no-item", _drop(("item",)), "has no item member"),
    ("item-not-object", _set(("item",), "x"), "has no item member"),
    ("other-id", _set(("item", "id"), "KOR-other"), "label's id differs"),
    ("bad-precedence", _set(("item", "precedence"), "URGENT"), "precedence or version"),
    ("no-version", _drop(("item", "version")), "precedence or version"),
    ("bad-version", _set(("item", "version"), "one"), "precedence or version"),
    ("version-zero", _set(("item", "version"), 0), "names no agreement version"),
    ("no-label", _drop(("label",)), "label must be a JSON object"),
]


@pytest.mark.parametrize(("change", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_headers_are_refused(cast: Cast, change: Change, words: str) -> None:
    header = copy.deepcopy(_header(cast))
    change(header)
    kor, jpn = cast["KOR"], cast["JPN"]
    message_id = f"header-{id(change)}"
    body = sealed(kor, jpn, Plain(message_id, "item", header, b"x", "text/plain"))
    document, accepted = receive_batch(jpn, "KOR", body)
    assert accepted == []
    [entry] = verify_answers(document, signer=jpn.card)
    assert entry["answer"]["status"] == "rejected"
    assert words in entry["answer"]["reason"], entry["answer"]["reason"]
