"""A partner's item header names its title; the receiver keeps and shows it (ADR 0136).

Found by the attack: the receiver took `str(meta.get("title", ""))` as it came: a title of any
length the batch carried (shown in every list row and TAXII object of the holding), any JSON
value as Python writes it, or a lone surrogate, which no UTF-8 writes (the title is sealed and
served as UTF-8). It is now held to what the node's own API takes: text of at most 500
characters.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from tests.node.node_fixtures import Cast
from tests.node.test_node_taxii_stored import _held, _provided

from gsomia.errors import InputError
from gsomia.node import acceptance


def _header(cast: Cast, title: object) -> Any:
    """The authenticated header of an item KOR provided, its title replaced by `title`."""
    record = _held(cast, _provided(cast, title="a title"))
    meta = {
        "id": record.item_id,
        "title": title,
        "precedence": record.precedence,
        "version": record.agreement_version,
        "agreement": record.agreement_id,
    }
    return SimpleNamespace(label={"item": meta, "label": record.original_label})


def test_a_title_as_the_node_itself_takes_one_is_taken(cast: Cast) -> None:
    _, title, _ = acceptance.item_from_header(cast["JPN"], _header(cast, "발사 궤적 " * 50))
    assert title == "발사 궤적 " * 50


@pytest.mark.parametrize(
    "title",
    ["x" * (acceptance.MAX_TITLE + 1), {"a": 1}, 7, "track \ud800"],
    ids=["too long", "an object", "a number", "a lone surrogate"],
)
def test_a_title_no_node_would_write_is_refused(cast: Cast, title: object) -> None:
    with pytest.raises(InputError, match=r"an item.s title is text of at most"):
        acceptance.item_from_header(cast["JPN"], _header(cast, title))
