"""A log rolled back to an older, genuinely signed state fails `gsomia audit verify` on the node
itself, naming the cosigned checkpoint it no longer extends and its cosigner (issue 13)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.api.api_fixtures import peer_client
from tests.node.node_fixtures import Cast, build_cast
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.exchange.witness import ADD_CHECKPOINT_PATH
from gsomia.ledger.checkpoint import parse_checkpoint
from gsomia.node.cosigned_file import COSIGNED, keep
from gsomia.node.cosigning import checkpoint_offer, store_cosignatures
from gsomia.store import checkpoints

runner = CliRunner()


def _cosign(cast: Cast) -> int:
    """KOR signs a checkpoint now and JPN's witness cosigns it; its size."""
    kor = cast["KOR"]
    assert kor.ledger.signer is not None
    with kor.engine.begin() as conn:
        checkpoints.issue(
            conn, kor.ledger.signer, origin=kor.ledger.origin, now=int(kor.clock().timestamp())
        )
    offer = checkpoint_offer(kor, cast["JPN"].card)
    assert offer is not None
    with peer_client(cast["JPN"], kor.card) as witness:
        answer = witness.post(ADD_CHECKPOINT_PATH, content=offer[2])
    assert answer.status_code == 200, answer.text
    store_cosignatures(kor, cast["JPN"].card, offer[0], offer[1], answer.content)
    return offer[0]


def _verify(home: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", "--home", str(home)], terminal_width=400)
    return result.exit_code, result.output


def _copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_a_rolled_back_log_fails_verify_naming_the_checkpoint_and_its_cosigner(
    tmp_path: Path,
) -> None:
    cast = build_cast(tmp_path, ("KOR", "JPN"))
    kor, home = cast["KOR"], tmp_path / "kor"
    try:
        cast.publish("KOR", "kim")
        _cosign(cast)
        _copy_database(home / "node.db", tmp_path / "backup.db")  # signed, cosigned, consistent
        cast.send("KOR", "JPN", cast.release("KOR", "park", cast.publish("KOR", "kim")))
        size = _cosign(cast)
        kept = parse_checkpoint((home / COSIGNED).read_bytes())
        assert kept.checkpoint.size == size
        assert (home / COSIGNED).stat().st_mode & 0o077 == 0
        code, output = _verify(home)
        assert code == 0, output
        assert f"extends the one kept at size {size}" in output
        # Whoever holds the database puts the older state back: it verifies against itself.
        kor.engine.dispose()
        _copy_database(tmp_path / "backup.db", home / "node.db")
        code, output = _verify(home)
        assert code == 3, output
        assert f"no longer extends the checkpoint at size {size}" in output
        assert f"cosigned by JPN ({cast['JPN'].ledger.origin})" in output
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


def test_a_late_cosignature_of_an_older_checkpoint_does_not_move_the_file_back(
    tmp_path: Path,
) -> None:
    cast = build_cast(tmp_path, ("KOR", "JPN"))
    kor, home = cast["KOR"], tmp_path / "kor"
    try:
        cast.publish("KOR", "kim")
        first = _cosign(cast)
        cast.publish("KOR", "kim")
        second = _cosign(cast)
        assert second > first
        with kor.reader.connect() as conn:
            keep(home, conn, first)
        assert parse_checkpoint((home / COSIGNED).read_bytes()).checkpoint.size == second
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()


def test_a_missing_cosigned_checkpoint_file_fails_verify_once_there_was_one(
    tmp_path: Path,
) -> None:
    """Before: with `cosigned-checkpoint.txt` deleted, the rollback check was skipped and a
    rolled-back log passed verify."""
    cast = build_cast(tmp_path, ("KOR", "JPN"))
    kor, home = cast["KOR"], tmp_path / "kor"
    try:
        cast.publish("KOR", "kim")
        code, output = _verify(home)
        assert code == 0, output  # never cosigned: nothing to miss
        _copy_database(home / "node.db", tmp_path / "backup.db")
        _cosign(cast)
        (home / COSIGNED).unlink()
        code, output = _verify(home)
        assert code == 3, output
        said = output.replace("\n", "")  # the console wraps long lines
        assert f"{COSIGNED} is missing" in said
        # Rolled back to before the mark as well as the file: the log is as it was, and so is
        # what verify can say (the home kept nothing either); it passes, as it did then.
        kor.engine.dispose()
        _copy_database(tmp_path / "backup.db", home / "node.db")
        code, output = _verify(home)
        assert code == 0, output
    finally:
        for node in cast.nodes.values():
            node.engine.dispose()
