"""Data at rest (issue 13, "Thief of the disk"; ADR 0075): a copy of `node.db` shows no title,
label or content of this node's items; each item has its own data key; the files are 0600."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import VerificationError
from gsomia.node import read, transfers
from gsomia.seal.at_rest import Vault
from gsomia.store import items as stored_items
from gsomia.store.tables import items

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
