"""A corrupted database page is named (`StoreDamaged`: exit 74, HTTP 500 `store_damaged`),
never a raw driver traceback; `gsomia serve` checks the database before it serves (issue 13)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.node.node_fixtures import build_cast

from gsomia.app import create_app
from gsomia.errors import StoreDamaged, exit_code, http_status
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.store.db import check_integrity, make_engine
from gsomia.store.users import issue_token

PASSPHRASE = "pw-KOR-0123456789"  # build_cast's


def _home_with_items(root: Path) -> tuple[Path, str]:
    """A KOR home with a few items, its WAL folded into the file; and an officer's token."""
    cast = build_cast(root, ("KOR",), pin=False)
    node = cast["KOR"]
    for n in range(5):
        cast.publish("KOR", "kim", title=f"track {n}")
    with node.engine.begin() as conn:
        token = issue_token(conn, "park", node.clock(), node.vault)
    node.engine.dispose()
    with closing(sqlite3.connect(root / "kor" / "node.db")) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return root / "kor", token


def _corrupt_table(database: Path, table: str) -> None:
    """Overwrite the root page of `table` with bytes no b-tree page starts with."""
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        root = conn.execute(
            text("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": table},
        ).scalar_one()
    engine.dispose()
    with database.open("r+b") as raw:
        raw.seek((root - 1) * page_size)
        raw.write(b"\xff" * page_size)


def test_a_damaged_page_is_named_by_the_integrity_check(tmp_path: Path) -> None:
    home, _ = _home_with_items(tmp_path)
    engine = make_engine(f"sqlite:///{home / 'node.db'}")
    check_integrity(engine)  # whole: passes
    engine.dispose()
    _corrupt_table(home / "node.db", "items")
    engine = make_engine(f"sqlite:///{home / 'node.db'}")
    with pytest.raises(StoreDamaged) as damaged:
        check_integrity(engine)
    engine.dispose()
    assert "damaged" in damaged.value.message
    assert (exit_code(damaged.value), http_status(damaged.value)) == (74, 500)


def test_serve_on_a_damaged_database_exits_74_naming_it(tmp_path: Path) -> None:
    home, _ = _home_with_items(tmp_path)
    _corrupt_table(home / "node.db", "items")
    result = subprocess.run(
        [sys.executable, "-m", "gsomia", "serve", "--home", str(home), "--listen", "127.0.0.1:0"],
        env={**os.environ, "GSOMIA_PASSPHRASE": PASSPHRASE},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 74, result.stdout + result.stderr
    assert "database is damaged" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_read_that_meets_a_damaged_page_answers_500_store_damaged(tmp_path: Path) -> None:
    home, token = _home_with_items(tmp_path)
    _corrupt_table(home / "node.db", "items")
    node = assemble(load_home(home, PASSPHRASE))
    try:
        with TestClient(create_app(node, run_worker=False)) as client:
            answer = client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 500, answer.text
        assert answer.json()["error"] == "store_damaged"
    finally:
        node.engine.dispose()
