"""Found by the attack: a TAXII page held up to 1,000 objects' content at once. A partner may
provide items of up to 32 MB; a reader's tool asking `limit=1000` made the node open and hold
them all for one answer (32 GB). A page now stops once it carries `taxii.PAGE_BYTES` of
content (always at least one object), and says `more` with a `next` after it."""

from __future__ import annotations

import pytest
from bench.holdings_load import copy_holdings, template_of
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.node import taxii

AGREEMENT = "KOR-JPN-2016"
SIZE = 2 << 20
COPIES = 40


@pytest.fixture(scope="module")
def large_collection(cast: Cast) -> int:
    """One KOR item of 2 MB provided to JPN and 40 more like it (82 MB): the collection's size."""
    item_id = cast.publish("KOR", "kim", title="imagery", content=b"x" * SIZE)
    cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    copy_holdings(cast["JPN"], template_of(cast["JPN"], item_id), COPIES)
    return COPIES + 1


def test_a_page_carries_a_bounded_number_of_bytes_and_paging_gets_everything(
    cast: Cast, large_collection: int
) -> None:
    node, user = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    carried = [sum(len(h.item.content) for h in page.objects)]
    assert page.more
    got = len(page.objects)
    while page.next is not None:
        page = taxii.objects_page(node, user, found, next_=page.next, limit=taxii.MAX_LIMIT)
        carried.append(sum(len(h.item.content) for h in page.objects))
        got += len(page.objects)
    assert got == large_collection
    assert max(carried) <= taxii.PAGE_BYTES + SIZE  # the object that crosses it, no more
    assert len(carried) >= 2
