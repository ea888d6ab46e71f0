"""Data at rest (issue 13, "Thief of the disk"; ADR 0075): a copy of `node.db` shows no title,
label or content of this node's items; each item has its own data key; the files are 0600."""

from __future__ import annotations

import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.node.node_fixtures import Cast, batch_of, build_cast

from gsomia.errors import StoreDamaged, VerificationError
from gsomia.exchange import inbox, outbox
from gsomia.exchange.answers import verify_answers
from gsomia.node import at_rest, read, receive, transfers
from gsomia.node.control import loss_report
from gsomia.seal.at_rest import Vault
from gsomia.store import cases
from gsomia.store import holdings as stored_holdings
from gsomia.store import items as stored_items
from gsomia.store.tables import case_steps, holdings, items, rejections, store_marks
from gsomia.store.tables import cases as cases_table
from gsomia.store.tables import outbox as outbox_table

TITLE = "Hwasong-19 TEL at Sino-ri, grid 41XYZ"
TEXT = "Launch window 0400-0600 KST; telemetry band 2.2 GHz; codeword AMBER-WALRUS"


@pytest.fixture(scope="module")
def kor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cast, str]]:
    root = tmp_path_factory.mktemp("at-rest")
    cast = build_cast(root, ("KOR",), pin=False)
    item_id = cast.publish("KOR", "kim", title=TITLE, content=TEXT.encode())
    yield cast, item_id
    cast["KOR"].engine.dispose()


def _copied(cast: Cast, where: Path) -> bytes:
    """What a thief who copies the database files reads: node.db and its WAL, as bytes."""
    home = Path(cast["KOR"].engine.url.database or "").parent
    found = b""
    for name in ("node.db", "node.db-wal"):
        if (home / name).exists():
            shutil.copyfile(home / name, where / name)
            found += (where / name).read_bytes()
    return found


def test_a_copy_of_node_db_shows_no_title_label_or_content(
    kor: tuple[Cast, str], tmp_path: Path
) -> None:
    cast, item_id = kor
    copied = _copied(cast, tmp_path)
    assert copied  # the thief did get the file
    for secret in (TITLE, "Sino-ri", TEXT, "AMBER-WALRUS"):
        assert secret.encode() not in copied, secret
    assert b"ConfidentialityInformation" not in copied  # no label in clear either
    assert transfers.get_item(cast["KOR"], item_id)["title"] == TITLE  # the node still reads it


def test_the_database_and_its_wal_are_readable_by_the_owner_only(kor: tuple[Cast, str]) -> None:
    cast, _ = kor
    home = Path(cast["KOR"].engine.url.database or "").parent
    for name in ("node.db", "node.db-wal", "node.db-shm"):
        if (home / name).exists():
            assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name


def test_each_item_has_its_own_data_key_and_a_value_moved_does_not_open(
    kor: tuple[Cast, str],
) -> None:
    cast, first = kor
    second = cast.publish("KOR", "kim", title="another title")
    node = cast["KOR"]
    with node.engine.connect() as conn:
        rows = {
            r.id: r
            for r in conn.execute(select(items).where(items.c.id.in_([first, second]))).all()
        }
    assert rows[first].data_key != rows[second].data_key
    assert rows[first].title.startswith("ga1:")
    with node.engine.begin() as conn:  # the first item's sealed title put into the second row
        conn.execute(update(items).where(items.c.id == second).values(title=rows[first].title))
    try:
        with node.engine.connect() as conn, pytest.raises(VerificationError):
            stored_items.get(conn, second, node.vault)
    finally:
        with node.engine.begin() as conn:
            conn.execute(update(items).where(items.c.id == second).values(title=rows[second].title))


def test_another_nodes_kek_opens_nothing(kor: tuple[Cast, str]) -> None:
    cast, item_id = kor
    with cast["KOR"].engine.connect() as conn, pytest.raises(VerificationError):
        stored_items.get(conn, item_id, Vault(bytes(32)))


def test_a_copy_of_the_receivers_node_db_shows_no_title_or_label(tmp_path: Path) -> None:
    cast = build_cast(tmp_path / "homes", ("KOR", "JPN"))
    try:
        item_id = cast.publish("KOR", "kim", title=TITLE, content=TEXT.encode())
        cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
        jpn = cast["JPN"]
        home = Path(jpn.engine.url.database or "").parent
        copied = b"".join(
            (home / name).read_bytes()
            for name in ("node.db", "node.db-wal")
            if (home / name).exists()
        )
        for secret in (TITLE, "Sino-ri", TEXT, "AMBER-WALRUS", "ConfidentialityInformation"):
            assert secret.encode() not in copied, secret
        [held] = read.list_holdings(jpn)
        assert held.title == TITLE  # the node itself reads it, through its vault
        view, content, _ = read.read_holding(jpn, cast.user("JPN", "sato"), held.id)
        assert view.local_label["ConfidentialityInformation"]["Classification"] == "極秘"
        assert content == TEXT.encode()
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


def _write_clear(node: Any, item_id: str, title: str, new_id: str = "") -> None:
    """Someone holding the database, not the key, puts an item row in clear, as rows from
    before ADR 0075 were."""
    with node.engine.begin() as conn:
        row = conn.execute(select(items).where(items.c.id == item_id)).one()._asdict()
        label = stored_items.get(conn, item_id, node.vault)
        assert label is not None
        values = {**row, "id": new_id or f"{item_id}-forged", "title": title, "data_key": None}
        values |= {"label": dict(label.label), "content": b"forged content"}
        conn.execute(items.insert().values(values))


def test_an_item_row_in_clear_is_damage_not_an_old_row(kor: tuple[Cast, str]) -> None:
    """Before: a row without a data key was read as one from before sealing, as genuine."""
    cast, item_id = kor
    node = cast["KOR"]
    _write_clear(node, item_id, "forged in clear")
    with node.engine.connect() as conn, pytest.raises(StoreDamaged) as caught:
        stored_items.get(conn, f"{item_id}-forged", node.vault)
    assert f"{item_id}-forged" in caught.value.message
    node.migrate()  # the node's sealing pass ran before: it does not seal the forged row
    with node.engine.connect() as conn, pytest.raises(StoreDamaged):
        stored_items.get(conn, f"{item_id}-forged", node.vault)
    # Its sealed marker says it is sealed, but it is clear: damage too.
    with node.engine.begin() as conn:
        key = conn.execute(select(items.c.data_key).where(items.c.id == item_id)).scalar()
        conn.execute(update(items).where(items.c.id == f"{item_id}-forged").values(data_key=key))
    with node.engine.connect() as conn, pytest.raises(StoreDamaged):
        stored_items.get(conn, f"{item_id}-forged", node.vault)
    with node.engine.begin() as conn:
        conn.execute(items.delete().where(items.c.id == f"{item_id}-forged"))


def test_a_holding_title_put_in_clear_is_damage(tmp_path: Path) -> None:
    cast = build_cast(tmp_path / "homes", ("KOR", "JPN"))
    item_id = cast.publish("KOR", "kim", title=TITLE, content=TEXT.encode())
    cast.send("KOR", "JPN", cast.release("KOR", "park", item_id))
    jpn = cast["JPN"]
    [held] = read.list_holdings(jpn)
    holding_id = held.id
    with jpn.engine.begin() as conn:
        conn.execute(
            update(holdings).where(holdings.c.id == holding_id).values(title="forged in clear")
        )
    with jpn.engine.connect() as conn, pytest.raises(StoreDamaged):
        stored_holdings.get(conn, holding_id, jpn.vault)
    # A node from before the sealing pass (neither mark yet) seals it as an old row, once.
    with jpn.engine.begin() as conn:
        conn.execute(store_marks.delete())
    (jpn.home.path / at_rest.MARK_FILE).unlink()
    jpn.migrate()
    with jpn.engine.connect() as conn:
        sealed = stored_holdings.get(conn, holding_id, jpn.vault)
        kept = conn.execute(select(holdings.c.title).where(holdings.c.id == holding_id))
        assert str(kept.scalar_one()).startswith("ga1:")
    assert sealed is not None
    assert sealed.title == "forged in clear"
    for node in cast.nodes.values():
        node.engine.dispose()


def test_rows_in_clear_from_before_are_sealed_once_by_the_node(tmp_path: Path) -> None:
    cast = build_cast(tmp_path / "homes", ("KOR",), pin=False)
    node = cast["KOR"]
    item_id = cast.publish("KOR", "kim", title=TITLE, content=TEXT.encode())
    # A node from before the pass: no mark yet, and an item kept in clear.
    with node.engine.begin() as conn:
        conn.execute(store_marks.delete())
    (node.home.path / at_rest.MARK_FILE).unlink()
    _write_clear(node, item_id, "an old title in clear")
    node.migrate()
    with node.engine.connect() as conn:
        old = stored_items.get(conn, f"{item_id}-forged", node.vault)
        kept = conn.execute(select(items.c.title).where(items.c.id == f"{item_id}-forged"))
        assert str(kept.scalar_one()).startswith("ga1:")
    assert old is not None
    assert old.title == "an old title in clear"
    assert old.content == b"forged content"
    # Once done, never again: a row put in clear later stays damage, even with one mark gone.
    with node.engine.begin() as conn:
        conn.execute(store_marks.delete())
    _write_clear(node, item_id, "written later", "later")
    node.migrate()
    with node.engine.connect() as conn, pytest.raises(StoreDamaged):
        stored_items.get(conn, "later", node.vault)
    node.engine.dispose()


def test_a_rejections_reason_is_sealed_at_rest(kor: tuple[Cast, str]) -> None:
    """Before: `rejections.reason` lay in clear (it may name the level, purpose, agreement)."""
    cast, _ = kor
    node = cast["KOR"]
    reason = "the 2016 agreement does not cover 군사I급비밀 for purpose missile-warning"
    row = {"envelope_id": "m-rejected", "sender": "JPN", "reason": reason, "article": "Art. 4"}
    with node.engine.begin() as conn:
        inbox.record(conn, node.keys, [], [{**row, "at": node.clock()}])
    with node.engine.connect() as conn:
        kept = conn.execute(
            select(rejections.c.reason).where(rejections.c.envelope_id == "m-rejected")
        ).scalar_one()
    assert "군사I급비밀" not in kept
    assert "missile-warning" not in kept
    assert inbox.opened_reason(node.keys, "m-rejected", kept) == reason
    with pytest.raises(VerificationError):
        inbox.opened_reason(node.keys, "another", kept)


def test_a_partners_answer_is_sealed_in_the_outbox(tmp_path: Path) -> None:
    """Before: `outbox.answer`, the partner's signed receipt (its holding, its marking, the
    batch's signature) lay in node.db in clear (ADR 0088's open point)."""
    cast = build_cast(tmp_path / "homes", ("KOR", "JPN"))
    try:
        kor = cast["KOR"]
        item_id = cast.publish("KOR", "kim", title=TITLE, content=TEXT.encode())
        [outcome] = [o for o in cast.release("KOR", "park", item_id) if o.nation == "JPN"]
        with kor.engine.begin() as conn:
            rows = [p for p in outbox.due(conn, kor.clock(), 100) if p.peer == "JPN"]
        document, _ = receive.receive_batch(cast["JPN"], "KOR", batch_of(kor, cast["JPN"], rows))
        answers = verify_answers(document, signer=cast["JPN"].card)
        kor.worker.settle("JPN", rows, answers)
        [entry] = [e for e in answers if e["answer"]["id"] == outcome.message_id]
        assert outcome.message_id is not None
        copied = _copied(cast, tmp_path)
        for secret in (entry["head"]["root"], str(entry["answer"]["holding"])):
            assert secret.encode() not in copied, secret
        with kor.engine.connect() as conn:
            settled = outbox.settled(conn, kor.keys, outcome.message_id)
        assert settled is not None
        assert settled.answer == entry  # the node itself reads it, through the repository
        _answers_in_clear_are_sealed_once(kor, outcome.message_id, entry)
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


def _answers_in_clear_are_sealed_once(node: Any, message_id: str, entry: Any) -> None:
    """An answer in clear is damage once the node sealed its old ones; only a node from
    before (neither mark) seals it, in `migrate`."""
    clear = outbox_table.update().where(outbox_table.c.message_id == message_id)
    with node.engine.begin() as conn:
        conn.execute(clear.values(answer=entry))
    node.migrate()
    with node.engine.connect() as conn, pytest.raises(StoreDamaged, match="in clear"):
        outbox.settled(conn, node.keys, message_id)
    with node.engine.begin() as conn:
        conn.execute(store_marks.delete())
    (node.home.path / at_rest.ANSWERS_MARK_FILE).unlink()
    node.migrate()
    with node.engine.connect() as conn:
        settled = outbox.settled(conn, node.keys, message_id)
    assert settled is not None
    assert settled.answer == entry


def test_case_steps_keep_their_documents_and_signed_messages_sealed(tmp_path: Path) -> None:
    """Before: `case_steps.document` and the partner's signed message beside it (a loss
    report's circumstances, an answer's reason) lay in node.db in clear (ADR 0088's open
    point). Now sealed, bound to the step; one in clear is damage, sealed once if from before."""
    cast = build_cast(tmp_path / "homes", ("KOR", "JPN"))
    try:
        item_id = cast.publish("KOR", "kim", title="lost track")
        cast.release("KOR", "park", item_id)
        cast.deliver("KOR", "JPN")
        circumstances = "briefcase left on the Shinkansen at Nagoya"
        case = loss_report.report(
            cast["JPN"], cast.user("JPN", "sato"), item_id, circumstances, actual=True
        )
        cast.deliver("JPN", "KOR")
        kor = cast["KOR"]
        with kor.engine.connect() as conn:
            raw = conn.execute(
                select(case_steps.c.document, case_steps.c.signature).where(
                    case_steps.c.case_id == case["id"]
                )
            ).all()
            [(document, signature)] = cases.step_documents(conn, kor.keys, case["id"])
            shown = cases.steps(conn, case["id"])
        assert raw
        assert all(circumstances not in json.dumps(row.document) for row in raw)
        assert all(row.signature is None or "Shinkansen" not in row.signature for row in raw)
        assert circumstances in json.dumps(document, ensure_ascii=False)
        assert signature is not None  # JPN's signed report, kept as the step's record
        assert [s["signed"] for s in shown] == [True]
        # a step written in clear later is damage, not a step
        with kor.engine.begin() as conn:
            conn.execute(
                case_steps.insert().values(
                    case_id=case["id"], at=kor.clock(), actor="JPN", nation="JPN",
                    step="forged", document={"note": "in clear"}, signature=None,
                )
            )  # fmt: skip
        kor.migrate()
        with kor.engine.connect() as conn, pytest.raises(StoreDamaged, match="in clear"):
            cases.steps(conn, case["id"])
        # only a node from before (neither mark) seals it, once, in migrate
        with kor.engine.begin() as conn:
            conn.execute(store_marks.delete())
        (kor.home.path / at_rest.STEPS_MARK_FILE).unlink()
        kor.migrate()
        with kor.engine.connect() as conn:
            opened = cases.step_documents(conn, kor.keys, case["id"])
        assert opened[-1] == ({"note": "in clear"}, None)
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


def test_a_cases_document_is_sealed_and_one_in_clear_is_damage(tmp_path: Path) -> None:
    """Before: `cases.document`, the treaty core's state of each case (a loss report's
    circumstances, whom a consent was asked of and why), lay in node.db in clear (ADR 0088's
    last open point). Now sealed, bound to the case's id and kind (ADR 0126); the workflows
    still find a case by its clear columns; one in clear, or moved onto another case, is
    damage; one kept from before is sealed once, by the node."""
    cast = build_cast(tmp_path / "homes", ("KOR", "JPN"))
    try:
        item_id = cast.publish("KOR", "kim", title="lost track")
        cast.release("KOR", "park", item_id)
        cast.deliver("KOR", "JPN")
        circumstances = "briefcase left on the Shinkansen at Nagoya"
        case = loss_report.report(
            cast["JPN"], cast.user("JPN", "sato"), item_id, circumstances, actual=True
        )
        cast.deliver("JPN", "KOR")  # KOR's node opens its case of the report, and answers
        cast.settle_all()
        for nation in ("JPN", "KOR"):
            node = cast[nation]
            with node.engine.connect() as conn:
                raw = conn.execute(select(cases_table.c.document, cases_table.c.item_id)).all()
                [kept] = cases.of_item(conn, "compromise", item_id, keys=node.keys)
            assert raw
            assert all("Shinkansen" not in json.dumps(row.document) for row in raw), nation
            assert circumstances in json.dumps(kept.document, ensure_ascii=False)
            assert kept.id == case["id"]
        jpn = cast["JPN"]
        with jpn.engine.begin() as conn:  # a document moved onto another case does not open
            other = cases.sealed_case(
                jpn.keys,
                "another-case",
                "compromise",
                {"note": "x"},
                status="open",
                counterpart="KOR",
                opened_by="JPN",
            )
            conn.execute(
                update(cases_table).where(cases_table.c.id == case["id"]).values(document=other)
            )
        with jpn.engine.connect() as conn, pytest.raises(StoreDamaged, match="does not open"):
            cases.find(conn, "compromise", case["id"], keys=jpn.keys)
        with jpn.engine.begin() as conn:  # written in clear later: damage, not a case
            conn.execute(
                update(cases_table)
                .where(cases_table.c.id == case["id"])
                .values(document={"side": "holder", "circumstances": "forged"})
            )
        jpn.migrate()
        with jpn.engine.connect() as conn, pytest.raises(StoreDamaged, match="in clear"):
            cases.find(conn, "compromise", case["id"], keys=jpn.keys)
        # only a node from before (neither mark) seals it, once, in migrate
        with jpn.engine.begin() as conn:
            conn.execute(store_marks.delete().where(store_marks.c.name == "cases_sealed"))
        (jpn.home.path / at_rest.CASES_MARK_FILE).unlink()
        jpn.migrate()
        with jpn.engine.connect() as conn:
            found = cases.find(conn, "compromise", case["id"], keys=jpn.keys)
        assert found is not None
        assert found.document["circumstances"] == "forged"
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


@pytest.mark.parametrize(
    "changed",
    [
        {"level": "군사III급비밀"},  # lowered: a reader cleared below it would read it
        {"releasable_to": ["JPN", "USA"]},  # widened: a release to USA would be allowed
        {"purpose": "logistics"},  # another need-to-know community
    ],
)
def test_an_items_terms_changed_in_clear_are_damage(
    tmp_path: Path, changed: dict[str, Any]
) -> None:
    """Found by the attack (ADR 0129): an own item's level, releasability and purpose are
    kept in clear beside its sealed label (lists filter on them), bound to nothing, and the
    treaty's decisions on the item (read, list, export, release) took them. Whoever may write
    the database (no key) lowered or widened them. They must say what the sealed label says."""
    cast = build_cast(tmp_path / "homes", ("KOR",), pin=False)
    node = cast["KOR"]
    item_id = cast.publish("KOR", "kim", title=TITLE, content=TEXT.encode())
    with node.engine.connect() as conn:
        assert stored_items.get_own(conn, item_id, "KOR", node.vault) is not None
    with node.engine.begin() as conn:
        conn.execute(update(items).where(items.c.id == item_id).values(**changed))
    with node.engine.connect() as conn, pytest.raises(StoreDamaged, match=item_id):
        stored_items.get_own(conn, item_id, "KOR", node.vault)
    node.engine.dispose()
