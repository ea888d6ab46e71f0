"""Found by the attack: a TAXII page looked at every row of a collection until it had `limit`
objects the reader may read, so one request from a refused reader (cleared below, or of another
nationality) opened, unsealed and decided the whole collection. A page now looks at most
`paging.BUDGET` rows, as a list does (ADR 0095), and says `more` with a `next` after them."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pytest
from bench.holdings_load import copy_holdings, template_of
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.errors import InputError
from gsomia.node import paging, taxii
from gsomia.store import holdings

AGREEMENT = "KOR-JPN-2016"
COPIES = paging.BUDGET + 100


@pytest.fixture(scope="module")
def collection_of_many(cast: Cast) -> int:
    """One KOR item provided to JPN and `COPIES` more like it: the collection's size."""
    item_id = cast.publish("KOR", "kim", title="track", content=b"t")
    cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    copy_holdings(cast["JPN"], template_of(cast["JPN"], item_id), COPIES)
    return COPIES + 1


def _scanning(monkeypatch: pytest.MonkeyPatch, envelopes: list[int] | None = None) -> list[int]:
    """The rows each store read of a collection page returned, and the envelope bytes they
    carried (a spy at the store's seam)."""
    scanned: list[int] = []
    real = holdings.collection_page

    def counted(*args: Any, **kwargs: Any) -> list[tuple[holdings.HoldingRecord, int]]:
        rows = real(*args, **kwargs)
        scanned.append(len(rows))
        if envelopes is not None:
            envelopes.append(sum(len(record.envelope) for record, _ in rows))
        return rows

    monkeypatch.setattr(holdings, "collection_page", counted)
    return scanned


@pytest.mark.parametrize("name", ["suzuki", "miller"])
def test_a_refused_readers_page_looks_at_a_bounded_number_of_rows(
    cast: Cast, collection_of_many: int, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    node, user = cast["JPN"], cast.user("JPN", name)
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    envelopes: list[int] = []
    scanned = _scanning(monkeypatch, envelopes)
    page = taxii.objects_page(node, user, found, limit=1)
    assert page.objects == []
    assert sum(envelopes) == 0  # deciding a row reads no envelope: only a handed one is opened
    assert sum(scanned) <= paging.BUDGET + len(scanned)  # each read looks one ahead
    assert (page.more, page.next is not None) == (True, True)
    # Paging on reaches the end, each request bounded, and hands over nothing.
    requests = 1
    while page.next is not None:
        scanned.clear()
        page = taxii.objects_page(node, user, found, next_=page.next, limit=1)
        assert sum(scanned) <= paging.BUDGET + len(scanned)  # each read looks one ahead
        assert page.objects == []
        requests += 1
    assert not page.more
    assert requests == -(-collection_of_many // paging.BUDGET)


def test_a_reader_still_gets_every_object_through_bounded_pages(
    cast: Cast, collection_of_many: int
) -> None:
    node, user = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    got = _held(page.objects)
    while page.more:
        page = taxii.objects_page(node, user, found, next_=page.next, limit=taxii.MAX_LIMIT)
        got += _held(page.objects)
    assert got == collection_of_many


def _held(objects: list[Any]) -> int:
    """The holdings among a page's objects (not the definitions they refer to, ADR 0144)."""
    return sum(1 for handed in objects if handed.item_id)


def _completing(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The records each store read of a page's handed rows completed, and the envelope bytes
    it carried (a spy at the store's seam)."""
    reads: list[tuple[int, int]] = []
    real = holdings.completed

    def counted(*args: Any, **kwargs: Any) -> dict[str, holdings.HoldingRecord]:
        found = real(*args, **kwargs)
        carried = sum(len(record.stix or record.envelope) for record in found.values())
        reads.append((len(found), carried))
        return found

    monkeypatch.setattr(holdings, "completed", counted)
    return reads


def test_a_page_of_small_kept_objects_reads_no_row_twice(
    cast: Cast, collection_of_many: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each object kept at receipt, of at most INLINE_BYTES, comes with the scan's read of its
    # row (ADR 0124): the decision and the object of one row version, in one query.
    node, user = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    reads = _completing(monkeypatch)
    page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    assert len(page.objects) == taxii.MAX_LIMIT
    assert reads == []


def test_a_page_reads_its_handed_rows_in_chunks_not_one_by_one(
    cast: Cast, collection_of_many: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each handed row was read whole by a query of its own: 53 % of a page's time (py-spy).
    # Rows whose objects do not come with the scan (larger, or none kept) are read so.
    monkeypatch.setattr(holdings, "INLINE_BYTES", 0)
    node, user = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    reads = _completing(monkeypatch)
    page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    assert len(page.objects) == taxii.MAX_LIMIT
    assert sum(n for n, _ in reads) == _held(page.objects)
    envelope = max(size // n for n, size in reads)  # what each read carried: kept objects
    # As few reads as READ_BYTES allows, each within it (past its first row).
    assert len(reads) <= -(-taxii.MAX_LIMIT * envelope // taxii.READ_BYTES) + 1 < 10
    assert all(size <= taxii.READ_BYTES + envelope for _, size in reads)


@pytest.mark.parametrize("name", ["suzuki", "miller"])
def test_a_refused_readers_page_reads_no_row_whole(
    cast: Cast, collection_of_many: int, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    node, user = cast["JPN"], cast.user("JPN", name)
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    reads = _completing(monkeypatch)
    opened: list[str] = []
    real = holdings.stix_of

    def counted(record: holdings.HoldingRecord, vault: Any) -> bytes | None:
        opened.append(record.id)
        return real(record, vault)

    monkeypatch.setattr(holdings, "stix_of", counted)
    assert taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT).objects == []
    assert sum(n for n, _ in reads) == 0
    assert opened == []  # the kept objects read with the rows stay sealed


def _said(cursor: str) -> str:
    """Everything a `next` says to whoever reads it: the text, and the text it decodes to
    from base64 (the form it had), where it decodes."""
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        decoded = b""
    return cursor + "\n" + decoded.decode("utf-8", "replace")


@pytest.mark.parametrize("name", ["suzuki", "miller"])
def test_a_refused_readers_next_names_no_row_it_may_not_read(
    cast: Cast, collection_of_many: int, name: str
) -> None:
    # Found by the attack (ADR 0143): `next` was the base64 of the last row a page looked at,
    # so a reader refused every row of a page read the holding id and the arrival time, to
    # the microsecond, of a holding it may not see (DESIGN: lists show nothing else).
    node, user = cast["JPN"], cast.user("JPN", name)
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    page = taxii.objects_page(node, user, found, limit=1)
    assert page.objects == []
    assert page.next is not None
    said = _said(page.next)
    with node.reader.connect() as conn:
        rows = holdings.collection_page(
            conn,
            node.vault,
            agreement_id=AGREEMENT,
            purpose=LAUNCH,
            after=None,
            limit=paging.BUDGET + 1,
        )
    assert len(rows) == paging.BUDGET + 1
    for record, _ in rows:
        assert record.id not in said
        assert record.received_at.isoformat() not in said
        assert record.received_at.isoformat()[:19] not in said


def test_a_next_is_the_servers_own_for_that_reader_and_collection(
    cast: Cast, collection_of_many: int
) -> None:
    # A `next` made up or altered by a tool, or handed out to another person, is no position
    # (ADR 0143): each is only what this server handed to that reader for that collection.
    node = cast["JPN"]
    sato, suzuki = cast.user("JPN", "sato"), cast.user("JPN", "suzuki")
    found = taxii.collection(node, sato, AGREEMENT, LAUNCH)
    page = taxii.objects_page(node, sato, found, limit=1)
    assert page.next is not None
    again = taxii.objects_page(node, sato, found, next_=page.next, limit=1)
    assert len(again.objects) == 1
    assert again.objects[0].key != page.objects[0].key
    made_up = base64.urlsafe_b64encode(b"2000-01-01T00:00:00+00:00|x").decode().rstrip("=")
    altered = page.next[:-2] + ("AA" if page.next[-2:] != "AA" else "BB")
    for forged in (made_up, altered):
        with pytest.raises(InputError):
            taxii.objects_page(node, sato, found, next_=forged, limit=1)
    with pytest.raises(InputError):
        taxii.objects_page(node, suzuki, found, next_=page.next, limit=1)
