"""Found by the attack (ADR 0143): a TAXII page's `more` said that an object the reader may
not read followed the last one they may. JPN's suzuki (cleared 秘) reads a 秘 track; a 極秘
track came after it. A page of one said `more: true` (and handed a `next` to an empty page),
where a collection holding nothing after the 秘 track said `more: false`: the flag told a
refused reader that something it may not see had arrived. Rows a page already read are now
decided before `more` is said; sato, cleared 極秘, still gets `more` and the second track."""

from __future__ import annotations

import pytest
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.node import taxii
from gsomia.stix.objects import stix_id

AGREEMENT = "KOR-JPN-2016"


@pytest.fixture(scope="module")
def provided(cast: Cast) -> tuple[str, str]:
    """A KOR 군사III급비밀 (JPN 秘) track provided to JPN, then a 군사II급비밀 (極秘) one."""
    ids = []
    for title, level in (("low track", "군사III급비밀"), ("high track", "군사II급비밀")):
        item_id = cast.publish("KOR", "kim", title=title, level=level, content=title.encode())
        cast.release("KOR", "park", item_id)
        cast.deliver("KOR", "JPN")
        ids.append(item_id)
    return ids[0], ids[1]


def _pages(cast: Cast, name: str) -> list[taxii.Page]:
    """Every page of one object `name` is handed, from the first (a bounded number)."""
    node, user = cast["JPN"], cast.user("JPN", name)
    found = taxii.collection(node, user, AGREEMENT, LAUNCH)
    pages = [taxii.objects_page(node, user, found, limit=1)]
    while pages[-1].next is not None:
        if len(pages) > 20:
            pytest.fail("more than 20 pages of one object from a collection of a few")
        pages.append(taxii.objects_page(node, user, found, next_=pages[-1].next, limit=1))
    return pages


def _ids(pages: list[taxii.Page]) -> list[str]:
    return [handed.object["id"] for page in pages for handed in page.objects]


def test_more_does_not_tell_a_reader_of_an_object_it_may_not_read(
    cast: Cast, provided: tuple[str, str]
) -> None:
    low, high = provided
    pages = _pages(cast, "suzuki")
    assert stix_id(low) in _ids(pages)
    assert stix_id(high) not in _ids(pages)
    # The page with the 秘 track, the last suzuki may read, says there is no more.
    assert pages[-1].objects
    assert _ids(pages)[-1] == stix_id(low)
    assert pages[-1].more is False


def test_more_still_leads_a_cleared_reader_to_the_next_object(
    cast: Cast, provided: tuple[str, str]
) -> None:
    low, high = provided
    pages = _pages(cast, "sato")
    ids = _ids(pages)
    assert ids.index(stix_id(low)) < ids.index(stix_id(high)) == len(ids) - 1
    assert all(page.objects for page in pages)  # no `more` led to an empty page
    assert [page.more for page in pages] == [True] * (len(pages) - 1) + [False]
