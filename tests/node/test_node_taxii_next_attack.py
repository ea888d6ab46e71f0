"""A sealed `next` (ADR 0143) carrying the definitions handed so far (ADR 0144), attacked by
its own reader (ADR 0148): replayed in another collection or API root, or for another node;
garbage, huge, or the server's own seal around contents it never writes (a tag list of a
wrong length or past `MAX_CARRIED`, a time that is none, bytes not UTF-8). Each is refused as no
position (400), never read as one."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.errors import InputError
from gsomia.node import taxii, taxii_cursor
from gsomia.stix.definitions import TAG_BYTES

AGREEMENT = "KOR-JPN-2016"


@pytest.fixture(scope="module")
def provided(cast: Cast) -> list[str]:
    ids = [cast.publish("KOR", "kim", title=f"n{n}", content=b"n") for n in range(3)]
    for item_id in ids:
        cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    return ids


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def test_a_next_opens_in_its_own_collection_and_api_root_only(
    cast: Cast, provided: list[str]
) -> None:
    node, sato = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, sato, AGREEMENT, LAUNCH)
    page = taxii.objects_page(node, sato, found, limit=1)
    assert page.next is not None
    assert page.more
    assert taxii.objects_page(node, sato, found, next_=page.next, limit=1).objects
    # The same rows under another collection's id (another purpose, or the same purpose
    # under another agreement's API root): a position there only if that one handed it.
    elsewhere = [
        replace(found, id=taxii.collection_id(AGREEMENT, "another purpose")),
        replace(found, id=taxii.collection_id("KOR-JPN-2030", LAUNCH)),
    ]
    for other in elsewhere:
        with pytest.raises(InputError):
            taxii.objects_page(node, sato, other, next_=page.next, limit=1)
    # The partner's node, were the same collection id asked there: another storage key.
    kor = cast["KOR"]
    assert (
        taxii_cursor.position_key(kor, "sato", found.id).key
        != taxii_cursor.position_key(node, "sato", found.id).key
    )


@pytest.mark.parametrize(
    "said",
    [
        b"\x00" * (TAG_BYTES + 1) + b"|~||",  # tags not whole
        b"\x00" * TAG_BYTES * (taxii_cursor.MAX_CARRIED + 1) + b"|~||",  # past what a next carries
        b"|@|not a time|row",
        b"|@|2026-12-04T00:00:00+00:00",  # a field short
        b"no bars at all",
        "|~|\udcff|".encode("utf-8", "surrogatepass"),  # not UTF-8
    ],
)
def test_the_servers_own_seal_around_what_it_never_writes_is_no_position(
    cast: Cast, provided: list[str], said: bytes
) -> None:
    """As if the seal were broken: what opens must still be what `cursor_of` writes."""
    node, sato = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, sato, AGREEMENT, LAUNCH)
    if said.startswith(b"\x00"):
        tags, _, rest = said.partition(b"|")
        said = _b64(tags).encode() + b"|" + rest
    sealed = _b64(taxii_cursor.position_key(node, sato.name, found.id).seal("next", said))
    with pytest.raises(InputError):
        taxii.objects_page(node, sato, found, next_=sealed, limit=1)


@pytest.mark.parametrize(
    "garbage", ["", "=", "!!!!", "A" * 100_000, "%00", "..", "AAAA" * 7, "\u00e9"]
)
def test_garbage_or_a_huge_next_is_no_position(
    cast: Cast, provided: list[str], garbage: str
) -> None:
    node, sato = cast["JPN"], cast.user("JPN", "sato")
    found = taxii.collection(node, sato, AGREEMENT, LAUNCH)
    if not garbage:  # no next: the start, as TAXII says
        assert taxii.objects_page(node, sato, found, next_=garbage, limit=1).objects
        return
    with pytest.raises(InputError):
        taxii.objects_page(node, sato, found, next_=garbage, limit=1)
