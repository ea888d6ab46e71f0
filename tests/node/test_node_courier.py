"""Courier and air-gapped bundles between real nodes (R27): KOR exports what it queued for
JPN, JPN takes it in through the online receive path and answers with a signed receipt, KOR's
receipt import settles the dispatch; nothing is applied twice and a damaged file stores
nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import Cast

from gsomia.errors import (
    Conflict,
    DamagedBundle,
    InputError,
    NotFound,
    PolicyDenied,
    VerificationError,
)
from gsomia.exchange import bundle as bundles
from gsomia.node import courier
from gsomia.node.runtime import Node
from gsomia.store.merkle_log import log_leaves
from gsomia.store.tables import dispatches, holdings, outbox
from gsomia.treaty.agreements import Agreement

TITLE = "Courier track"


def _released(cast: Cast, title: str = TITLE) -> str:
    item = cast.publish("KOR", "kim", title=title, precedence="ROUTINE", content=b"by hand")
    cast.release("KOR", "park", item)
    return item


def _export(cast: Cast, path: Path, item: str, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "to": "JPN",
        "path": path,
        "channel": "diplomatic-courier",
        "courier": "2nd Secretary Lee",
        "item_ids": [item],
        **fields,
    }
    user = cast.user("KOR", values.pop("by", "park"))
    return courier.export_bundle(cast["KOR"], user, **values)


def _import(cast: Cast, nation: str, path: Path, receipt: Path | None = None) -> dict[str, Any]:
    officer = {"KOR": "park", "JPN": "tanaka"}[nation]
    return courier.import_bundle(cast[nation], cast.user(nation, officer), path, receipt=receipt)


def _counts(node: Node) -> tuple[int, int]:
    """Holdings and log entries: what taking a bundle in could change."""
    with node.engine.connect() as conn:
        held = conn.execute(select(func.count()).select_from(holdings)).scalar_one()
        logged = conn.execute(select(func.count()).select_from(log_leaves)).scalar_one()
    return held, logged


def _holding(node: Node, item: str) -> list[Any]:
    with node.engine.connect() as conn:
        return list(conn.execute(select(holdings.c.id).where(holdings.c.item_id == item)))


def _outbox_state(node: Node, item: str) -> set[str]:
    with node.engine.connect() as conn:
        query = select(outbox.c.state).where(outbox.c.item_id == item, outbox.c.peer == "JPN")
        return {row.state for row in conn.execute(query)}


def test_r27_a_bundle_travels_by_courier_and_its_receipt_settles_the_dispatch(
    cast: Cast, tmp_path: Path
) -> None:
    item = _released(cast)
    sent = _export(cast, tmp_path / "kor.bundle", item)
    assert (sent["peer"], sent["state"], sent["messages"]) == ("JPN", "awaiting", 1)
    assert sent["dispatch"].startswith("KOR-JPN-")
    # The double envelope: the transport envelope names channel, courier and receipt due,
    # and nothing about what is inside; no title or marking appears anywhere in the file.
    data = (tmp_path / "kor.bundle").read_bytes()
    head = bundles.read_head(tmp_path / "kor.bundle")
    assert (head["channel"], head["courier"], head["dispatch"]) == (
        "diplomatic-courier",
        "2nd Secretary Lee",
        sent["dispatch"],
    )
    assert datetime.fromisoformat(head["receipt_due"]) - datetime.fromisoformat(head["at"]) == (
        timedelta(days=cast["KOR"].agreement("KOR-JPN-2016").courier_receipt_days)
    )
    for secret in (TITLE, "군사II급비밀", "SECRET", "by hand"):
        assert secret.encode() not in data
    assert _holding(cast["JPN"], item) == []

    taken = _import(cast, "JPN", tmp_path / "kor.bundle", tmp_path / "jpn.receipt")
    assert (taken["answers"], taken["first_time"]) == ({"received": 1}, True)
    assert len(_holding(cast["JPN"], item)) == 1
    assert _outbox_state(cast["KOR"], item) == {"queued"}  # until the receipt comes back

    settled = _import(cast, "KOR", tmp_path / "jpn.receipt")
    assert (settled["answers"], settled["first_time"]) == ({"received": 1}, True)
    assert _outbox_state(cast["KOR"], item) == {"received"}
    [listed] = [
        d
        for d in courier.list_dispatches(cast["KOR"], cast.user("KOR", "park"))
        if d["dispatch"] == sent["dispatch"]
    ]
    assert listed["state"] == "acknowledged"
    # The receipt taken in again changes nothing.
    before = _counts(cast["KOR"])
    assert _import(cast, "KOR", tmp_path / "jpn.receipt")["first_time"] is False
    assert _counts(cast["KOR"]) == before


def test_r27_a_bundle_taken_in_twice_or_after_the_items_came_online_changes_nothing(
    cast: Cast, tmp_path: Path
) -> None:
    item = _released(cast)
    _export(cast, tmp_path / "twice.bundle", item)
    _import(cast, "JPN", tmp_path / "twice.bundle", tmp_path / "r1")
    before = _counts(cast["JPN"])
    again = _import(cast, "JPN", tmp_path / "twice.bundle", tmp_path / "r2")
    assert (again["answers"], again["first_time"]) == ({"received": 1}, False)
    assert _counts(cast["JPN"]) == before
    # The second receipt carries the very answers of the first, so either settles KOR.
    _import(cast, "KOR", tmp_path / "r2")
    assert _outbox_state(cast["KOR"], item) == {"received"}

    online = _released(cast, "Came online first")
    _export(cast, tmp_path / "late.bundle", online)
    cast.deliver("KOR", "JPN")  # the partner was reachable after all
    assert len(_holding(cast["JPN"], online)) == 1
    before = _counts(cast["JPN"])
    late = _import(cast, "JPN", tmp_path / "late.bundle", tmp_path / "r3")
    assert late["answers"] == {"received": 1}
    held, _ = _counts(cast["JPN"])
    assert held == before[0]
    assert len(_holding(cast["JPN"], online)) == 1


@pytest.mark.parametrize("damage", ["flipped", "truncated", "extended", "not-a-bundle"])
def test_r27_a_damaged_bundle_is_refused_by_name_and_nothing_is_stored(
    cast: Cast, tmp_path: Path, damage: str
) -> None:
    item = _released(cast, f"Damaged {damage}")
    path = tmp_path / "damaged.bundle"
    _export(cast, path, item)
    data = bytearray(path.read_bytes())
    if damage == "flipped":
        data[-100] ^= 0x01
    elif damage == "truncated":
        del data[-1000:]
    elif damage == "extended":
        data += b"\0"
    else:
        data[:6] = b"NOTGSO"
    path.write_bytes(bytes(data))
    before = _counts(cast["JPN"])
    with pytest.raises(DamagedBundle):
        _import(cast, "JPN", path, tmp_path / "receipt")
    assert _counts(cast["JPN"]) == before
    assert _holding(cast["JPN"], item) == []
    assert not (tmp_path / "receipt").exists()


def test_r27_a_bundle_with_an_altered_transport_envelope_does_not_verify(
    cast: Cast, tmp_path: Path
) -> None:
    item = _released(cast, "Re-addressed")
    path = tmp_path / "altered.bundle"
    _export(cast, path, item)
    data = path.read_bytes()
    altered = data.replace(b"2nd Secretary Lee", b"2nd Secretary Kim", 1)
    path.write_bytes(altered)
    before = _counts(cast["JPN"])
    with pytest.raises(VerificationError):
        _import(cast, "JPN", path, tmp_path / "receipt")
    assert _counts(cast["JPN"]) == before
    # Addressed to JPN, it is refused elsewhere: USA takes nothing in.
    path.write_bytes(data)
    with pytest.raises(InputError, match="addressed to JPN"):
        courier.import_bundle(cast["USA"], cast.user("USA", "jones"), path, receipt=tmp_path / "r")


def test_r27_only_a_courier_channel_the_agreement_approves_carries_a_bundle(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = _released(cast, "Channel")
    with pytest.raises(PolicyDenied, match="not a channel outside the network") as refused:
        _export(cast, tmp_path / "x", item, channel="gsomia-node")
    assert refused.value.article == "Art. 12"
    with pytest.raises(PolicyDenied, match="names its courier"):
        _export(cast, tmp_path / "x", item, courier=" ")
    assert not (tmp_path / "x").exists()
    sent = _export(cast, tmp_path / "ok.bundle", item, channel="military-courier")
    assert sent["channel"] == "military-courier"

    # JPN's agreement no longer approves military couriers: the bundle is refused whole.
    jpn = cast["JPN"]
    original = jpn.agreement_with

    def without_couriers(nation: str, now: datetime) -> Agreement | None:
        found = original(nation, now)
        return found and replace(found, channels=frozenset({"gsomia-node"}))

    monkeypatch.setattr(jpn, "agreement_with", without_couriers)
    before = _counts(jpn)
    with pytest.raises(PolicyDenied, match="not approved under KOR-JPN-2016") as denied:
        _import(cast, "JPN", tmp_path / "ok.bundle", tmp_path / "receipt")
    assert denied.value.article == "Art. 9"
    held, logged = _counts(jpn)
    assert (held, logged) == (before[0], before[1] + 1)  # only the refusal is logged
    assert _holding(jpn, item) == []


def test_r27_only_an_officer_handles_bundles_and_only_what_is_queued(
    cast: Cast, tmp_path: Path
) -> None:
    item = _released(cast, "Analyst")
    with pytest.raises(PolicyDenied, match="courier"):
        _export(cast, tmp_path / "x", item, by="kim")
    with pytest.raises(NotFound, match="nothing is queued for JPN for item nope"):
        _export(cast, tmp_path / "x", "nope")
    with pytest.raises(Conflict, match="nothing is queued"):
        courier.export_bundle(
            cast["KOR"],
            cast.user("KOR", "park"),
            to="JPN",
            path=tmp_path / "x",
            channel="diplomatic-courier",
            courier="Lee",
            since=cast["KOR"].clock() + timedelta(days=1),
        )
    assert not (tmp_path / "x").exists()


def test_r27_an_unacknowledged_dispatch_raises_an_alert_after_the_agreements_period(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kor = cast["KOR"]
    item = _released(cast, "Overdue")
    sent = _export(cast, tmp_path / "late.bundle", item)
    days = kor.agreement("KOR-JPN-2016").courier_receipt_days
    due = datetime.fromisoformat(sent["receipt_due"])
    assert sent["dispatch"] not in {d["dispatch"] for d in courier.overdue(kor)}
    monkeypatch.setattr(kor, "clock", lambda: due - timedelta(seconds=1))
    assert sent["dispatch"] not in {d["dispatch"] for d in courier.overdue(kor)}
    monkeypatch.setattr(kor, "clock", lambda: due + timedelta(days=days))
    assert sent["dispatch"] in {d["dispatch"] for d in courier.overdue(kor)}
    # The receipt settles it, late or not.
    _import(cast, "JPN", tmp_path / "late.bundle", tmp_path / "late.receipt")
    _import(cast, "KOR", tmp_path / "late.receipt")
    assert sent["dispatch"] not in {d["dispatch"] for d in courier.overdue(kor)}
    with kor.engine.connect() as conn:
        acknowledged = conn.execute(
            select(dispatches.c.acknowledged_at).where(dispatches.c.id == sent["dispatch"])
        ).scalar_one()
    assert acknowledged is not None
