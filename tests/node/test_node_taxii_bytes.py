"""Found by the attack: a TAXII page held up to 1,000 objects' content at once. A partner may
provide items of up to 32 MB; a reader's tool asking `limit=1000` made the node open and hold
them all for one answer (32 GB). A page now stops once it carries `taxii.PAGE_BYTES` of
content (always at least one object), and says `more` with a `next` after it."""

from __future__ import annotations

from typing import Any

import pytest
from bench.holdings_load import copy_holdings, template_of
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.errors import TooLarge
from gsomia.node import sharing, taxii
from gsomia.store import holdings

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


def _held(objects: list[Any]) -> int:
    """The holdings among a page's objects (not the definitions they refer to, ADR 0144)."""
    return sum(1 for handed in objects if handed.item_id)


def test_a_page_carries_a_bounded_number_of_bytes_and_paging_gets_everything(
    cast: Cast, large_collection: int
) -> None:
    node, user = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    carried = [sum(len(h.data) for h in page.objects)]
    assert page.more
    got = _held(page.objects)
    while page.next is not None:
        page = taxii.objects_page(node, user, found, next_=page.next, limit=taxii.MAX_LIMIT)
        carried.append(sum(len(h.data) for h in page.objects))
        got += _held(page.objects)
    assert got == large_collection
    # The object that crosses it, no more (an object's JSON: its content and labels).
    assert max(carried) <= taxii.PAGE_BYTES + SIZE + (64 << 10)
    assert len(carried) >= 2


def test_a_page_reads_envelopes_a_bounded_chunk_at_a_time(
    cast: Cast, large_collection: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Handed rows are read whole in chunks: never more than READ_BYTES of envelopes past the
    # first row of a read, so the page's bound holds with reads batched.
    node, user = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    real, reads = holdings.completed, []

    def counted(*args: Any, **kwargs: Any) -> dict[str, holdings.HoldingRecord]:
        found = real(*args, **kwargs)
        reads.append([len(record.stix or record.envelope) for record in found.values()])
        return found

    monkeypatch.setattr(holdings, "completed", counted)
    page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    # Every object handed was read once; past the one that crossed PAGE_BYTES, at most the
    # rest of its read (read ahead, not handed, not logged).
    held = _held(page.objects)
    assert held <= sum(map(len, reads)) < held + len(reads[-1])
    assert all(sum(read) - read[0] <= taxii.READ_BYTES for read in reads)
    assert any(len(read) > 1 for read in reads)  # batched, not one query a row


def test_a_stix_export_of_everything_carries_a_bounded_number_of_bytes(
    cast: Cast, large_collection: int
) -> None:
    # The same for `GET /api/v1/exports/stix` without ids: the newest 1,000 holdings were
    # read with their envelopes and opened at once.
    node, user = cast["JPN"], cast.user("JPN", "sato")
    bundle = sharing.readable_all(node, user, 1000, action="read:stix")
    carried = sum(len(item.content) for item in bundle)
    assert bundle
    assert carried <= sharing.EXPORT_BYTES + SIZE
    # The newest first, and every one a reader may read until the budget.
    assert len(bundle) == min(large_collection, -(-sharing.EXPORT_BYTES // SIZE))


def test_a_stix_export_naming_more_bytes_than_the_budget_is_refused(
    cast: Cast, large_collection: int
) -> None:
    node, user = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    ids, page = [], taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    ids += [h.key for h in page.objects if h.item_id]
    while page.next is not None:
        page = taxii.objects_page(node, user, found, next_=page.next, limit=taxii.MAX_LIMIT)
        ids += [h.key for h in page.objects if h.item_id]
    assert len(ids) == large_collection
    with pytest.raises(TooLarge, match="ask for fewer"):
        sharing.export(node, user, ids, action="read:stix")
    assert len(sharing.export(node, user, ids[:3], action="read:stix")) == 3
