"""The STIX object each holding keeps, made once at receipt (ADR 0124): the one a read would
rebuild from the envelope, byte for byte; sealed under the holding's data key, so a value in
clear or from another row is damage; dropped when the holding is re-marked or destroyed, so
a page never serves old labels nor anything of what is gone; and never handed to a reader
the decision refuses."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import update
from tests.node.node_fixtures import LAUNCH, Cast
from tests.node.test_node_notices import change, pump

from gsomia.errors import NotFound, StoreDamaged
from gsomia.node import listing, sharing, taxii
from gsomia.node.control import disposal
from gsomia.stix.objects import (
    EXTENSION_ID,
    STIX_MEDIA_TYPE,
    labels_of,
    object_of,
    serialised,
    stix_id,
)
from gsomia.store import holdings
from gsomia.store.holdings import HoldingRecord
from gsomia.store.tables import holdings as holdings_table
from gsomia.treaty.classification import DECLASSIFIED

AGREEMENT = "KOR-JPN-2016"
INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--5d0c4a9e-2b1f-4c3d-9e8f-0a1b2c3d4e5f",
    "created": "2026-11-30T08:00:00.000Z",
    "modified": "2026-11-30T08:00:00.000Z",
    "name": "beacon 한국 ビーコン",
    "pattern": "[ipv4-addr:value = '198.51.100.7']",
    "pattern_type": "stix",
    "valid_from": "2026-11-30T08:00:00Z",
}
KINDS: dict[str, dict[str, Any]] = {
    "text": {"title": '발사 궤적 "track" \\ 1', "content": "05:57 KST 発射\n".encode()},
    "binary": {"media_type": "application/octet-stream", "content": bytes(range(256))},
    "stix": {"media_type": STIX_MEDIA_TYPE, "content": json.dumps(INDICATOR).encode()},
    "empty": {"content": b""},
}


def _provided(cast: Cast, **fields: Any) -> str:
    """A KOR item provided to JPN (each released and delivered), its item id."""
    item_id = cast.publish("KOR", "kim", **fields)
    cast.release("KOR", "park", item_id)
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    return item_id


def _held(cast: Cast, item_id: str) -> HoldingRecord:
    with cast["JPN"].engine.connect() as conn:
        record = holdings.get(conn, item_id, cast["JPN"].vault)
    assert record is not None
    return record


def _collection(cast: Cast, name: str) -> taxii.Collection:
    return taxii.collection(cast["JPN"], cast.user("JPN", name), AGREEMENT, LAUNCH)


def _got(cast: Cast, name: str, item_id: str) -> bytes:
    """The object's JSON as `name` gets it by id (NotFound if not theirs to read)."""
    got = taxii.get_object(
        cast["JPN"], cast.user("JPN", name), _collection(cast, name), _id(item_id)
    )
    return got.data


def _id(item_id: str) -> str:
    return INDICATOR["id"] if item_id.endswith(INDICATOR["id"][-36:]) else stix_id(item_id)


def _paged(cast: Cast, name: str) -> dict[str, bytes]:
    """Every object of the collection `name` may read, by item id."""
    node, user, found = cast["JPN"], cast.user("JPN", name), _collection(cast, name)
    page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    seen = {h.item_id: h.data for h in page.objects}
    while page.more:
        page = taxii.objects_page(node, user, found, next_=page.next, limit=taxii.MAX_LIMIT)
        seen.update((h.item_id, h.data) for h in page.objects)
    return seen


def _set_stix(cast: Cast, holding_id: str, value: bytes | None) -> None:
    with cast["JPN"].engine.begin() as conn:
        conn.execute(
            update(holdings_table).where(holdings_table.c.id == holding_id).values(stix=value)
        )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_object_kept_at_receipt_is_the_one_a_read_rebuilds(cast: Cast, kind: str) -> None:
    fields = KINDS[kind]
    if kind == "stix":  # the item keeps the object's UUID, as one taken in from a tool
        fields = {**fields, "item_uuid": INDICATOR["id"][-36:]}
    item_id = _provided(cast, **fields)
    record = _held(cast, item_id)
    kept = holdings.stix_of(record, cast["JPN"].vault)
    assert kept is not None
    rebuilt = serialised(object_of(sharing.holding_item(cast["JPN"], record)))
    assert kept == rebuilt
    # Served as kept, by id and in a page, and sealed: the row holds no byte of it in clear.
    assert _got(cast, "sato", item_id) == kept == _paged(cast, "sato")[item_id]
    assert record.stix is not None
    assert kept not in record.stix
    assert b"DPRK" not in record.stix
    assert b"indicator" not in record.stix


def test_a_holding_from_before_keeps_none_and_is_served_rebuilt_the_same(cast: Cast) -> None:
    item_id = _provided(cast, title="from before", content=b"kept")
    record = _held(cast, item_id)
    kept = holdings.stix_of(record, cast["JPN"].vault)
    _set_stix(cast, record.id, None)
    assert _got(cast, "sato", item_id) == kept
    assert _paged(cast, "sato")[item_id] == kept


def test_a_refused_reader_is_handed_nothing_kept(cast: Cast) -> None:
    item_id = _provided(cast, title="refused", content=b"not for suzuki")
    assert _held(cast, item_id).stix is not None
    for name in ("suzuki", "miller", "unlisted", "lapsed"):  # 秘 < 極秘; USA; off register
        with pytest.raises(NotFound):
            _got(cast, name, item_id)
        assert _paged(cast, name) == {}


def test_a_kept_object_in_clear_or_from_another_row_is_damage(cast: Cast) -> None:
    one = _held(cast, _provided(cast, title="one", content=b"one"))
    other = _held(cast, _provided(cast, title="other", content=b"other"))
    clear = holdings.stix_of(one, cast["JPN"].vault)
    assert clear is not None
    _set_stix(cast, one.id, clear)  # written in clear by whoever can write the database
    with pytest.raises(StoreDamaged, match=one.id):
        _got(cast, "sato", one.item_id)
    _set_stix(cast, one.id, other.stix)  # another row's, sealed for that row
    with pytest.raises(StoreDamaged, match=one.id):
        _got(cast, "sato", one.item_id)
    _set_stix(cast, one.id, one.stix)


def test_a_declassified_holding_drops_its_object_and_is_served_with_its_new_labels(
    cast: Cast,
) -> None:
    item_id = _provided(cast, title="to declassify", content=b"soon open")
    before = _got(cast, "sato", item_id)
    change(cast, item_id, "declassify")
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    record = _held(cast, item_id)
    assert record.local_level == DECLASSIFIED
    assert record.stix is None  # the kept one carried the old labels
    now = _got(cast, "sato", item_id)
    assert now != before
    original, national = labels_of(json.loads(now))
    assert original is not None
    assert national is not None
    assert original["ConfidentialityInformation"]["Classification"] == DECLASSIFIED
    assert _paged(cast, "sato")[item_id] == now
    # No longer classified: a reader on the register without the clearance gets it now.
    assert _got(cast, "suzuki", item_id) == now


def test_a_destroyed_holding_keeps_no_object_and_none_is_served(cast: Cast) -> None:
    item_id = _provided(cast, title="to destroy", content=b"gone soon")
    record = _held(cast, item_id)
    assert record.stix is not None
    disposal.destroy(
        cast["JPN"],
        cast.user("JPN", "tanaka"),
        record.id,
        method="shredding",
        officials=["tanaka", "sato"],
        witnesses=["yamada"],
    )
    gone = _held(cast, item_id)
    assert (gone.stix, gone.data_key, gone.envelope) == (None, None, b"")
    with pytest.raises(NotFound):
        _got(cast, "sato", item_id)
    assert item_id not in _paged(cast, "sato")


def test_a_holding_upgraded_while_a_page_is_filled_is_not_handed_to_the_reader_it_now_refuses(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the attack (ADR 0129): a page decides on the row its scan read and reads a
    large object (past `INLINE_BYTES`) afterwards. A re-marking landing between the two
    dropped the kept object, and the object rebuilt from the envelope, now under the new
    marking, went to a reader the new marking refuses: suzuki (秘) got an item upgraded to
    極秘. Only a disposal was checked for between the decision and the read."""
    content = bytes(range(256)) * 64  # 16 KiB: its kept object is read after the scan
    item_id = _provided(cast, title="to upgrade", level="군사III급비밀", content=content)
    record = _held(cast, item_id)
    assert record.stix is not None
    assert len(record.stix) > holdings.INLINE_BYTES
    assert item_id in _paged(cast, "suzuki")  # 秘 for 秘: suzuki may read it now

    real = holdings.completed
    upgraded: list[str] = []

    def remarked_meanwhile(conn: Any, records: Any, vault: Any) -> Any:
        if not upgraded:  # the originator's upgrade lands between the scan and the read
            change(cast, item_id, "upgrade", "군사II급비밀")
            [answer] = pump(cast, "KOR", "JPN")
            assert answer["status"] == "received", answer
            upgraded.append(item_id)
        return real(conn, records, vault)

    monkeypatch.setattr(holdings, "completed", remarked_meanwhile)
    node, user, found = cast["JPN"], cast.user("JPN", "suzuki"), _collection(cast, "suzuki")
    try:
        page = taxii.objects_page(node, user, found, limit=taxii.MAX_LIMIT)
    except NotFound:
        page = None  # "page again": refused as a disposal meanwhile is
    assert upgraded
    assert _held(cast, item_id).local_level == "極秘"
    assert page is None or item_id not in {h.item_id for h in page.objects}
    monkeypatch.undo()
    assert item_id not in _paged(cast, "suzuki")


@pytest.mark.parametrize("lowered", ["秘", DECLASSIFIED])
def test_a_local_level_lowered_in_clear_is_damage_not_a_clearance(cast: Cast, lowered: str) -> None:
    """Found by the attack (ADR 0129): the read decision took this nation's marking from the
    `local_level` column, kept in clear beside the sealed local label for lists to sort and
    filter on, and bound to nothing. Whoever may write the database (no key needed) set a 極秘
    holding's to 秘, or DECLASSIFIED, and suzuki (秘) was handed it by id and in pages, and
    saw its title in the holdings list. The
    column must say what the sealed label says, or the row is damage."""
    item_id = _provided(cast, title="kept 極秘", content=b"not for suzuki")
    record = _held(cast, item_id)
    assert record.local_level == "極秘"
    with pytest.raises(NotFound):
        _got(cast, "suzuki", item_id)

    def marked(level: str) -> None:
        with cast["JPN"].engine.begin() as conn:
            conn.execute(
                update(holdings_table)
                .where(holdings_table.c.id == record.id)
                .values(local_level=level)
            )

    marked(lowered)
    try:
        for name in ("suzuki", "sato"):
            with pytest.raises(StoreDamaged, match=record.id):
                _got(cast, name, item_id)
            with pytest.raises(StoreDamaged, match=record.id):
                _paged(cast, name)
            with pytest.raises(StoreDamaged, match=record.id):  # its title, in a list
                listing.holdings_page(cast["JPN"], cast.user("JPN", name))
    finally:
        marked(record.local_level)  # the cast is shared: leave no damage behind
    assert _got(cast, "sato", item_id)


def test_a_holdings_purpose_changed_in_clear_is_damage_not_a_need_to_know(cast: Cast) -> None:
    """Found by the attack (ADR 0129): a holding's purpose is kept in clear beside the sealed
    originator's label (lists filter on it) and the need-to-know decision took it: whoever may
    write the database set it to "logistics", and nakamura (機密, logistics duties, no
    need-to-know for a launch track) was handed the holding. It must be the label's purpose."""
    item_id = _provided(cast, title="launch only", content=b"not for logistics")
    record = _held(cast, item_id)
    with pytest.raises(NotFound):
        _got(cast, "nakamura", item_id)

    def purposed(purpose: str) -> None:
        with cast["JPN"].engine.begin() as conn:
            conn.execute(
                update(holdings_table)
                .where(holdings_table.c.id == record.id)
                .values(purpose=purpose)
            )

    purposed("logistics")
    try:
        with pytest.raises(StoreDamaged, match=record.id):
            _held(cast, item_id)
        with pytest.raises(StoreDamaged, match=record.id):
            listing.holdings_page(cast["JPN"], cast.user("JPN", "nakamura"))
    finally:
        purposed(record.purpose)  # the cast is shared: leave no damage behind
    assert _got(cast, "sato", item_id)


def test_a_kept_object_put_back_from_before_a_remarking_is_damage(cast: Cast) -> None:
    # Found by the attack (ADR 0129): sealing bound a kept object to its row, not to the
    # labels it carries, so one saved before a re-marking opened again when put back.
    item_id = _provided(cast, title="to downgrade", content=b"marked once")
    before = _held(cast, item_id)
    assert before.stix is not None
    change(cast, item_id, "declassify")
    [answer] = pump(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    _set_stix(cast, before.id, before.stix)
    with pytest.raises(StoreDamaged, match=before.id):
        _got(cast, "sato", item_id)
    with pytest.raises(StoreDamaged, match=before.id):
        _paged(cast, "sato")
    _set_stix(cast, before.id, None)


def _strict(data: bytes) -> Any:
    """JSON as a strict TAXII client reads it: RFC 8259 has no NaN or Infinity."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(data, parse_constant=refuse)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_partners_stix_with_a_number_json_has_not_is_never_served_as_invalid_json(
    cast: Cast, constant: str
) -> None:
    """Found by the attack (ADR 0136): a partner's `stix+json` item whose object holds NaN or
    Infinity (Python's reader takes them) was kept at receipt with the constant written back,
    and spliced as it is into every TAXII page and answer by id of its collection: a strict
    client could read no page that carried it."""
    content = json.dumps(INDICATOR)[:-1] + f', "x_score": {constant}}}'
    item_id = _provided(cast, media_type=STIX_MEDIA_TYPE, content=content.encode())
    for data in _paged(cast, "sato").values():
        _strict(data)
    try:
        got = _got(cast, "sato", item_id)
    except NotFound:
        return
    _strict(got)


@pytest.mark.parametrize("content", [b"[1, 2]", b'{"type": "note", "x": "\\ud800"}'])
def test_a_partners_stix_that_is_not_one_object_is_served_as_a_report(
    cast: Cast, content: bytes
) -> None:
    """Found by the attack (ADR 0136): a partner's `stix+json` item that is not one JSON
    object, or holds a lone surrogate no UTF-8 writes, kept no object at receipt, and every
    page of its collection that reached it failed rebuilding one, for every reader. It is
    served as a report carrying the content."""
    item_id = _provided(cast, media_type=STIX_MEDIA_TYPE, content=content)
    served = _strict(_paged(cast, "sato")[item_id])
    assert served["type"] == "report"
    carried = served["extensions"][EXTENSION_ID]["content_base64"]
    assert base64.b64decode(carried) == content
