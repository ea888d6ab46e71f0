"""TAXII collections and STIX exports in process: the read decision of every object, every
object handed over logged, posted objects taken in as drafts once, a partner's item refused."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event
from tests.node.node_fixtures import LAUNCH, Cast

from gsomia.errors import InputError, NotFound
from gsomia.node import sharing, taxii
from gsomia.node.release import RuleDraft, set_release_rule
from gsomia.stix.objects import (
    EXTENSION_ID,
    PROJECT_IDENTITY,
    identity_id,
    labels_of,
    object_of,
    stix_id,
)
from gsomia.store import holdings, items

AGREEMENT = "KOR-JPN-2016"


@pytest.fixture(scope="module")
def provided(cast: Cast) -> list[str]:
    """Three KOR items provided to JPN under KOR-JPN-2016, their item ids."""
    ids = [
        cast.publish("KOR", "kim", title=f"track {n}", content=f"t{n}".encode()) for n in range(3)
    ]
    for item_id in ids:
        cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    return ids


def _collection(cast: Cast, name: str) -> taxii.Collection:
    return taxii.collection(cast.nodes["JPN"], cast.user("JPN", name), AGREEMENT, LAUNCH)


def _page_all(cast: Cast, name: str, limit: int, **more: Any) -> list[sharing.Handed]:
    node, user = cast.nodes["JPN"], cast.user("JPN", name)
    found, page = (
        _collection(cast, name),
        taxii.objects_page(node, user, _collection(cast, name), limit=limit, **more),
    )
    objects = list(page.objects)
    while page.more:
        assert page.next is not None
        page = taxii.objects_page(node, user, found, next_=page.next, limit=limit)
        objects.extend(page.objects)
    return objects


def _content(obj: dict[str, Any]) -> bytes:
    """The content a report carries: its description (text), or base64 in the extension."""
    if "description" in obj:
        return str(obj["description"]).encode()
    return base64.b64decode(obj["extensions"][EXTENSION_ID]["content_base64"])


def test_a_cleared_reader_pages_through_every_object_in_order(
    cast: Cast, provided: list[str]
) -> None:
    handed = _page_all(cast, "sato", limit=2)
    mine = [h for h in handed if h.item_id in provided]
    # Every one once, in the order received (then by id: one batch arrives at one moment).
    assert sorted(h.item_id for h in mine) == sorted(provided)
    held = [(h.added, h.key) for h in handed if h.item_id]
    assert held == sorted(held)
    contents = {h.item_id: _content(h.object) for h in mine}
    assert [contents[i] for i in provided] == [b"t0", b"t1", b"t2"]
    obj = mine[0].object
    original, national = labels_of(obj)
    assert original is not None
    assert national is not None
    assert original["ConfidentialityInformation"]["Classification"] == "군사II급비밀"
    assert national["ConfidentialityInformation"]["Classification"] == "極秘"
    # Each object handed over is logged as a read under the TAXII action.
    holding_id = mine[0].key
    rows = [r for r in cast.log("JPN", holding_id) if r["action"] == "read:taxii"]
    assert rows
    assert all(r["allowed"] for r in rows)


@pytest.mark.parametrize("name", ["suzuki", "miller", "unlisted", "lapsed"])
def test_a_refused_reader_pages_through_nothing(cast: Cast, provided: list[str], name: str) -> None:
    # 秘 is below 極秘; a US national; not on the register; a lapsed clearance (R19–R21).
    assert provided
    assert _page_all(cast, name, limit=2) == []


def test_a_person_without_the_need_to_know_sees_no_collection(cast: Cast) -> None:
    user = cast.user("JPN", "nakamura")
    assert [c.purpose for c in taxii.collections(cast.nodes["JPN"], user, AGREEMENT)] == [
        "logistics"
    ]
    with pytest.raises(NotFound):
        _collection(cast, "nakamura")


def test_one_object_is_got_only_by_a_reader_and_a_refusal_is_logged(
    cast: Cast, provided: list[str]
) -> None:
    node = cast.nodes["JPN"]
    wanted = stix_id(provided[1])
    got = taxii.get_object(node, cast.user("JPN", "sato"), _collection(cast, "sato"), wanted)
    assert got.item_id == provided[1]
    with pytest.raises(NotFound):
        taxii.get_object(node, cast.user("JPN", "suzuki"), _collection(cast, "suzuki"), wanted)
    refusals = [r for r in cast.log("JPN", got.key) if r["actor"] == "suzuki"]
    assert refusals
    assert not refusals[-1]["allowed"]
    with pytest.raises(NotFound):  # the right UUID under another type is not the object
        taxii.get_object(
            node, cast.user("JPN", "sato"), _collection(cast, "sato"), "note" + wanted[6:]
        )


def test_added_after_gives_what_came_later_and_a_forged_cursor_is_refused(
    cast: Cast, provided: list[str]
) -> None:
    handed = _page_all(cast, "sato", limit=10)
    assert {h.item_id for h in handed} >= set(provided)
    last = max(h.added for h in handed)
    later = cast.publish("KOR", "kim", title="later track", content=b"later")
    cast.release("KOR", "park", later)
    cast.deliver("KOR", "JPN")
    later_page = _page_all(cast, "sato", limit=10, added_after=last)
    assert [h.item_id for h in later_page if h.item_id] == [later]
    with pytest.raises(InputError):
        taxii.objects_page(
            cast.nodes["JPN"], cast.user("JPN", "sato"), _collection(cast, "sato"), next_="@@"
        )


INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--0f6b1e2c-3d4a-4b5c-8d6e-7f8091a2b3c4",
    "created": "2026-11-30T08:00:00.000Z",
    "modified": "2026-11-30T08:00:00.000Z",
    "name": "beacon",
    "description": "seen before each launch",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2026-11-30T08:00:00Z",
}


def test_posted_objects_become_drafts_once_keeping_their_ids(
    cast: Cast, provided: list[str]
) -> None:
    node, sato = cast.nodes["JPN"], cast.user("JPN", "sato")
    marked = {**INDICATOR, "extensions": {EXTENSION_ID: {"classification": "秘"}}}
    partners = taxii.get_object(node, sato, _collection(cast, "sato"), stix_id(provided[0])).object
    posted = taxii.post_objects(node, sato, _collection(cast, "sato"), [marked, partners])
    assert posted.successes == [INDICATOR["id"]]
    assert [why for _, why in posted.failures] == [
        "the object carries KOR's label: a partner's item is not taken in as this nation's "
        "own (Art. 7.1(b))"
    ]
    [item_id] = posted.item_ids
    assert item_id == "JPN-0f6b1e2c-3d4a-4b5c-8d6e-7f8091a2b3c4"
    with node.engine.connect() as conn:
        record = items.get(conn, item_id, node.vault)
    assert record is not None
    assert (record.state, record.level, record.releasable_to) == ("draft", "秘", ("KOR",))
    assert record.purpose == LAUNCH
    again = taxii.post_objects(node, sato, _collection(cast, "sato"), [marked])
    assert again.successes == [INDICATOR["id"]]
    assert again.item_ids == [item_id]
    [exported] = sharing.export(node, sato, [item_id], action="read:stix")
    assert object_of(exported)["id"] == INDICATOR["id"]


def test_a_posted_object_json_cannot_hold_is_refused_alone(cast: Cast) -> None:
    """Found by the attack (ADR 0136): an object holding NaN (Python's reader takes it from a
    tool's envelope) failed the whole post at the canonical form of what is kept (a
    ValueError, HTTP 500) instead of being refused as the object it is; the others go on."""
    node, sato = cast.nodes["JPN"], cast.user("JPN", "sato")
    nan_id = "indicator--7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    bad = {
        **INDICATOR,
        "id": nan_id,
        "confidence": float("nan"),
        "extensions": {EXTENSION_ID: {"classification": "秘"}},
    }
    good = {**INDICATOR, "extensions": {EXTENSION_ID: {"classification": "秘"}}}
    posted = taxii.post_objects(node, sato, _collection(cast, "sato"), [bad, good])
    assert posted.successes == [INDICATOR["id"]]
    assert [stix for stix, _ in posted.failures] == [nan_id]


def test_export_refuses_as_a_page_would(cast: Cast, provided: list[str]) -> None:
    node = cast.nodes["JPN"]
    [held] = sharing.export(node, cast.user("JPN", "sato"), [provided[2]], action="read:stix")
    assert held.content == b"t2"
    with pytest.raises(NotFound):
        sharing.export(node, cast.user("JPN", "suzuki"), [provided[2]], action="read:stix")
    everything = sharing.readable_all(node, cast.user("JPN", "suzuki"), 100, action="read:stix")
    assert provided[2] not in {i.item_id for i in everything}


def test_posted_objects_go_out_at_once_under_a_standing_rule_for_their_feed(
    cast: Cast,
) -> None:
    node = cast.nodes["JPN"]
    rule = RuleDraft(
        f"taxii:{AGREEMENT}:{LAUNCH}", ("KOR",), "秘", LAUNCH, node.clock() + timedelta(days=30)
    )
    set_release_rule(node, cast.user("JPN", "tanaka"), rule)
    fed = {
        **INDICATOR,
        "id": "indicator--5c1e9a34-7b2d-4e6f-8a9b-0c1d2e3f4a5b",
        "extensions": {EXTENSION_ID: {"classification": "秘"}},
    }
    posted = taxii.post_objects(node, cast.user("JPN", "sato"), _collection(cast, "sato"), [fed])
    [item_id] = posted.item_ids
    with node.engine.connect() as conn:
        record = items.get(conn, item_id, node.vault)
    assert record is not None
    assert record.state == "released"
    assert record.released_by is not None
    assert "tanaka" in record.released_by


def test_a_post_reads_on_one_connection_and_writes_in_one_transaction(cast: Cast) -> None:
    # ADR 0149: what intake asks (taken in already? a partner's item held here?) and what
    # publishing reads (communities, the feed's standing rules) share one read connection.
    node = cast.nodes["JPN"]
    begun: list[bool] = []

    def counted(conn: Connection) -> None:
        begun.append(bool(conn.get_execution_options().get("gsomia_read_only")))

    fresh = {
        **INDICATOR,
        "id": "indicator--6d2f0b45-8c3e-4f70-9bac-1d2e3f4a5b6c",
        "extensions": {EXTENSION_ID: {"classification": "秘"}},
    }
    found, sato = _collection(cast, "sato"), cast.user("JPN", "sato")
    event.listen(node.engine, "begin", counted)
    try:
        posted = taxii.post_objects(node, sato, found, [fresh])
        again = taxii.post_objects(node, sato, found, [fresh])
    finally:
        event.remove(node.engine, "begin", counted)
    assert posted.successes == again.successes == [fresh["id"]]
    assert again.item_ids == posted.item_ids
    # The new object: one read, one write; taken in already: one read, nothing written.
    assert begun == [True, False, True]


def test_a_refused_object_amid_allowed_ones_never_appears_and_each_handed_one_is_logged(
    cast: Cast,
) -> None:
    # ADR 0132: the page's per-object work was cut; the decision and the log stay per object.
    ids = [cast.publish("KOR", "kim", title=f"amid {n}", content=b"amid") for n in range(3)]
    for item_id in ids:
        cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    node = cast.nodes["JPN"]
    with node.engine.begin() as conn:
        held = holdings.ids_of_items(conn, ids)
        holdings.empty(conn, held[ids[1]], "destroyed", node.vault)  # refused to all (R18)
    for limit in (1, 100):
        handed = {h.item_id for h in _page_all(cast, "sato", limit=limit)}
        assert {ids[0], ids[2]} <= handed
        assert ids[1] not in handed
    for item_id in (ids[0], ids[2]):
        reads = [r for r in cast.log("JPN", held[item_id]) if r["action"] == "read:taxii"]
        assert len(reads) == 2  # once a paging, each object its own entry
        assert all(r["allowed"] for r in reads)
    assert not [r for r in cast.log("JPN", held[ids[1]]) if r["action"] == "read:taxii"]


def test_a_posted_identity_with_gsomias_id_for_a_nation_is_refused_whatever_its_name(
    cast: Cast,
) -> None:
    """Found by the attack (ADR 0148): intake refused gsomia's identity of a nation only when
    the posted one kept the nation's name (its id was derived from `name`) and only in the
    UUID's lower case. Named otherwise, or its id in upper case, a poster's identity took the
    id gsomia gives Korea (or gsomia itself) and was served under it to the partner, whose
    tools resolve every report's `created_by_ref` to it: a forged nation."""
    node, sato = cast.nodes["JPN"], cast.user("JPN", "sato")
    korea, ours = identity_id("KOR"), str(PROJECT_IDENTITY.id)

    def upper(stix: str) -> str:
        kind, _, uid = stix.partition("--")
        return f"{kind}--{uid.upper()}"

    forged = [
        {**_IDENTITY, "id": korea, "name": "Republic of Korea (it says)"},
        {**_IDENTITY, "id": upper(korea), "name": "KOR"},
        {**_IDENTITY, "id": upper(ours), "name": "gsomia"},
        {**_IDENTITY, "id": identity_id("JPN"), "name": "Japan"},
    ]
    posted = taxii.post_objects(node, sato, _collection(cast, "sato"), forged, default_level="秘")
    assert posted.successes == []
    assert [stix for stix, _ in posted.failures] == [o["id"] for o in forged]
    # A tool's own identity, of any name, is still taken in.
    theirs = {**_IDENTITY, "name": "KOR"}
    assert taxii.post_objects(
        node, sato, _collection(cast, "sato"), [theirs], default_level="秘"
    ).successes == [theirs["id"]]


_IDENTITY = {
    "type": "identity",
    "spec_version": "2.1",
    "id": "identity--3b7e1d2c-5a4f-4e6d-9c8b-7a6f5e4d3c2b",
    "created": "2026-11-30T08:00:00.000Z",
    "modified": "2026-11-30T08:00:00.000Z",
    "name": "a tool",
    "identity_class": "organization",
}


def test_a_partners_object_posted_back_without_gsomias_extension_is_refused(
    cast: Cast, provided: list[str]
) -> None:
    """Found by the attack (ADR 0148): intake knew a partner's object only by the originator
    label in gsomia's extension. A tool that keeps no extension it does not know (or a person
    who deletes it) posted a KOR object JPN had paged back to JPN's collection, and it became
    JPN's own draft under the same STIX id: Korea's control of it gone (Art. 7.1(b)). The node
    holds it as Korea's: the id names it."""
    node, sato = cast.nodes["JPN"], cast.user("JPN", "sato")
    found = _collection(cast, "sato")
    partners = taxii.get_object(node, sato, found, stix_id(provided[1])).object
    stripped = {k: v for k, v in partners.items() if k != "extensions"}
    posted = taxii.post_objects(node, sato, found, [stripped], default_level="秘")
    assert posted.successes == []
    assert [stix for stix, _ in posted.failures] == [partners["id"]]


def test_a_posted_object_said_made_by_another_nation_or_gsomia_is_refused(cast: Cast) -> None:
    """Found by the attack (ADR 0148): an object JPN posts said it was made by gsomia's
    identity of Korea (`created_by_ref`), and the partner's tools, resolving it through the
    identities the collection hands, showed Korea's government as its author; the item is
    Japan's. gsomia's identities are the node's to give, as its markings are."""
    node, sato = cast.nodes["JPN"], cast.user("JPN", "sato")
    marked = {"extensions": {EXTENSION_ID: {"classification": "秘"}}}
    kinds = {
        "Korea": identity_id("KOR"),
        "gsomia": str(PROJECT_IDENTITY.id),
        "Korea, upper case": "identity--" + identity_id("KOR").partition("--")[2].upper(),
    }
    forged = [
        {
            **INDICATOR,
            **marked,
            "id": f"indicator--{n}a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "created_by_ref": ref,
        }
        for n, ref in enumerate(kinds.values())
    ]
    posted = taxii.post_objects(node, sato, _collection(cast, "sato"), forged)
    assert posted.successes == []
    assert [stix for stix, _ in posted.failures] == [o["id"] for o in forged]
    own = {**INDICATOR, **marked, "id": "indicator--9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}
    own["created_by_ref"] = identity_id("JPN")  # its own nation's: as gsomia serves it
    assert taxii.post_objects(node, sato, _collection(cast, "sato"), [own]).successes == [own["id"]]


def test_a_posted_object_whose_extensions_are_not_an_object_is_refused_alone(cast: Cast) -> None:
    """Found by the attack (ADR 0153): `extensions` a list, a string, or gsomia's extension a
    list, failed the whole post reading the extension (an AttributeError, HTTP 500) instead of
    being refused as the object it is; the others go on (as ADR 0136's NaN)."""
    node, sato = cast.nodes["JPN"], cast.user("JPN", "sato")
    good = {**INDICATOR, "extensions": {EXTENSION_ID: {"classification": "秘"}}}
    shapes = ([1], "x", {EXTENSION_ID: ["classification", "秘"]})
    bad = [
        {**INDICATOR, "id": f"indicator--7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4{n}", "extensions": e}
        for n, e in enumerate(shapes)
    ]
    posted = taxii.post_objects(node, sato, _collection(cast, "sato"), [*bad, good])
    assert posted.successes == [INDICATOR["id"]]
    assert [stix for stix, _ in posted.failures] == [b["id"] for b in bad]
