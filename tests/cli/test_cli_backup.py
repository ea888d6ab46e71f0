"""`gsomia backup` and `gsomia restore` (issue 16): a running node's home and database in one
file, keys only as sealed under the passphrase; a new home made from it whose log verifies
(`gsomia audit verify`) and holds what the original held; a backup altered after it was
taken, or a restore over an existing home, refused."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import Conflict, UsageError, exit_code
from gsomia.node import at_rest
from gsomia.node.assembly import assemble
from gsomia.node.backup import TamperedBackup
from gsomia.node.home import init_home, load_home
from gsomia.node.publish import Draft, publish
from gsomia.node.users import PersonDraft, get_user, register
from gsomia.store import marks
from gsomia.store.db import alembic_config, behind
from gsomia.store.scratch import drop_postgres_database, fresh_postgres_database
from gsomia.store.tables import access_log, items, store_marks

PASSPHRASE = "passphrase-for-tests"
ENV = {"GSOMIA_PASSPHRASE": PASSPHRASE}
FAR = date(2099, 12, 31)
runner = CliRunner()


@pytest.fixture
def target(request: pytest.FixtureRequest, database_url: str) -> Iterator[str | None]:
    """Where a restore puts the database: inside the new home (SQLite), or a new PostgreSQL
    database."""
    if database_url.startswith("sqlite"):
        yield None
        return
    admin = request.getfixturevalue("postgres_admin_url")
    url, name = fresh_postgres_database(admin)
    try:
        yield url
    finally:
        drop_postgres_database(admin, name)


def a_node_with_an_item(root: Path, database_url: str) -> Path:
    home = init_home(root / "kor", "KOR", "ROK MND", PASSPHRASE, database_url=database_url)
    node = assemble(home)
    node.migrate()
    kim = PersonDraft("kim", "KOR", "군사II급비밀", FAR, ("missile-warning",), "analyst")
    register(node, kim)
    draft = Draft("launch track", "군사II급비밀", ("JPN",), "missile-warning", "FLASH")
    publish(node, get_user(node, "kim"), draft)
    node.engine.dispose()
    return home.path


def counts(home: Path) -> tuple[int, int]:
    node = assemble(load_home(home, PASSPHRASE))
    try:
        with node.engine.connect() as conn:
            return tuple(  # type: ignore[return-value]
                int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (items, access_log)
            )
    finally:
        node.engine.dispose()


def members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def test_a_restored_home_verifies_and_holds_what_was_backed_up(
    tmp_path: Path, database_url: str, target: str | None
) -> None:
    home = a_node_with_an_item(tmp_path, database_url)
    backup = tmp_path / "kor.backup"
    taken = runner.invoke(app, ["backup", "--home", str(home), "-o", str(backup)], env=ENV)
    assert taken.exit_code == 0, taken.output
    inside = members(backup)
    assert "keys/sig-mldsa65.pem" in inside
    assert not any(b"BEGIN PRIVATE KEY" in data for data in inside.values())  # sealed only
    assert not any(name.startswith(("console-tokens", "web-session")) for name in inside)
    restored = tmp_path / "restored"
    args = ["restore", str(backup), "--home", str(restored), "--card", str(home / "identity.json")]
    done = runner.invoke(app, [*args, *(["--database", target] if target else [])])
    assert done.exit_code == 0, done.output
    verified = runner.invoke(app, ["audit", "verify", "--home", str(restored)])
    assert verified.exit_code == 0, verified.output
    assert counts(restored) == counts(home)
    assert counts(home)[0] == 1


def test_an_altered_backup_and_a_restore_over_a_home_are_refused(tmp_path: Path) -> None:
    home = a_node_with_an_item(tmp_path, f"sqlite:///{tmp_path / 'node.db'}")
    backup = tmp_path / "kor.backup"
    runner.invoke(app, ["backup", "--home", str(home), "-o", str(backup)], env=ENV)
    over = runner.invoke(app, ["restore", str(backup), "--home", str(home), *kept(home)])
    assert isinstance(over.exception, Conflict)
    inside = members(backup)
    inside["config.toml"] += b"\n# edited\n"
    altered = repacked(tmp_path / "altered.backup", inside)
    refused = runner.invoke(
        app, ["restore", str(altered), "--home", str(tmp_path / "new"), *kept(home)]
    )
    assert isinstance(refused.exception, TamperedBackup)
    assert "config.toml is not what was backed up" in refused.exception.message
    assert not (tmp_path / "new").exists()


def kept(home: Path) -> list[str]:
    """The node's card as its operator kept it apart from the backup."""
    return ["--card", str(home / "identity.json")]


def repacked(path: Path, inside: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in inside.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(gzip.compress(buffer.getvalue()))
    return path


def test_a_manifest_rewritten_to_match_is_refused_by_its_signature(tmp_path: Path) -> None:
    home = a_node_with_an_item(tmp_path, f"sqlite:///{tmp_path / 'node.db'}")
    backup = tmp_path / "kor.backup"
    runner.invoke(app, ["backup", "--home", str(home), "-o", str(backup)], env=ENV)
    inside = members(backup)
    # the forger edits a file and writes its digest into the manifest too
    inside["config.toml"] += b"\n# edited\n"
    manifest = json.loads(inside["manifest.json"])
    manifest["files"]["config.toml"] = hashlib.sha256(inside["config.toml"]).hexdigest()
    inside["manifest.json"] = json.dumps(manifest).encode()
    forged = repacked(tmp_path / "forged.backup", inside)
    refused = runner.invoke(
        app, ["restore", str(forged), "--home", str(tmp_path / "new"), *kept(home)]
    )
    assert isinstance(refused.exception, TamperedBackup)
    assert "the manifest differs from the one KOR's node signed" in refused.exception.message
    assert exit_code(refused.exception) == 3  # a verification failure
    unsigned = dict(members(backup))
    del unsigned["manifest.sig"]
    bare = repacked(tmp_path / "bare.backup", unsigned)
    refused = runner.invoke(
        app, ["restore", str(bare), "--home", str(tmp_path / "new"), *kept(home)]
    )
    assert isinstance(refused.exception, TamperedBackup)
    assert "carries no signed manifest" in refused.exception.message
    assert not (tmp_path / "new").exists()


def test_a_backup_of_another_node_is_refused_against_the_card_named(tmp_path: Path) -> None:
    home = a_node_with_an_item(tmp_path, f"sqlite:///{tmp_path / 'node.db'}")
    other = init_home(tmp_path / "jpn", "JPN", "Japan MOD", PASSPHRASE)
    backup = tmp_path / "kor.backup"
    runner.invoke(app, ["backup", "--home", str(home), "-o", str(backup)], env=ENV)
    args = ["restore", str(backup), "--home", str(tmp_path / "new")]
    refused = runner.invoke(app, [*args, "--card", str(other.path / "identity.json")])
    assert isinstance(refused.exception, TamperedBackup)
    assert "not of JPN's node" in refused.exception.message
    done = runner.invoke(app, [*args, "--card", str(home / "identity.json")])
    assert done.exit_code == 0, done.output


def test_an_upgrade_backs_the_home_up_before_it_migrates(tmp_path: Path) -> None:
    home = a_node_with_an_item(tmp_path, f"sqlite:///{tmp_path / 'node.db'}")
    node = assemble(load_home(home, PASSPHRASE))
    try:
        assert node.migrate() is None  # up to date: nothing to back up
        with node.engine.begin() as conn:  # an older version bound no one (0033 refuses then)
            bound = (marks.USERS_BOUND, marks.CREDENTIALS_BOUND)
            conn.execute(store_marks.delete().where(store_marks.c.name.in_(bound)))
        (home / at_rest.USERS_MARK_FILE).unlink()
        (home / at_rest.CREDENTIALS_MARK_FILE).unlink()
        command.downgrade(alembic_config(node.engine), "-1")  # as an older version left it
        taken = node.migrate()
        assert taken is not None
        assert taken.parent == home / "backups"
        assert behind(node.engine) is None
    finally:
        node.engine.dispose()
    restored = tmp_path / "restored"
    kept = ["--card", str(home / "identity.json")]
    done = runner.invoke(app, ["restore", str(taken), "--home", str(restored), *kept])
    assert done.exit_code == 0, done.output
    assert counts(restored) == counts(home)


def test_a_restore_names_the_node_it_expects_or_says_it_trusts_the_backup(
    tmp_path: Path,
) -> None:
    """ADR 0094's hole: without --card, whoever replaced the keys, the card and the signature
    together had their backup restored as the node. Now the operator names the node (its card
    or its fingerprint, kept apart), or says aloud that the backup's own card is trusted."""
    home = a_node_with_an_item(tmp_path, f"sqlite:///{tmp_path / 'node.db'}")
    other = a_node_with_an_item(tmp_path / "elsewhere", f"sqlite:///{tmp_path / 'other.db'}")
    kor = json.loads((home / "identity.json").read_text())["fingerprint"]
    backup, forged = tmp_path / "kor.backup", tmp_path / "forged.backup"
    runner.invoke(app, ["backup", "--home", str(home), "-o", str(backup)], env=ENV)
    runner.invoke(app, ["backup", "--home", str(other), "-o", str(forged)], env=ENV)
    new = tmp_path / "new"

    bare = runner.invoke(app, ["restore", str(forged), "--home", str(new)])
    assert isinstance(bare.exception, UsageError)
    assert "--card" in bare.exception.message
    assert "--fingerprint" in bare.exception.message
    assert "--trust-backup-card" in (bare.exception.hint or "")
    assert not new.exists()

    # the forged backup is another node's (its own keys signed it): the fingerprint refuses it
    grouped = " ".join(kor[i : i + 4].upper() for i in range(0, len(kor), 4))
    refused = runner.invoke(
        app, ["restore", str(forged), "--home", str(new), "--fingerprint", grouped]
    )
    assert isinstance(refused.exception, TamperedBackup)
    assert "not of the node with fingerprint" in refused.exception.message
    assert not new.exists()

    done = runner.invoke(
        app, ["restore", str(backup), "--home", str(new), "--fingerprint", grouped]
    )
    assert done.exit_code == 0, done.output

    trusted = runner.invoke(
        app, ["restore", str(forged), "--home", str(tmp_path / "trusted"), "--trust-backup-card"]
    )
    assert trusted.exit_code == 0, trusted.output
    said = " ".join(trusted.output.split())  # as rich wrapped it
    assert "WARNING" in said
    assert "not checked against a card or fingerprint kept apart" in said

    both = runner.invoke(
        app, ["restore", str(backup), "--home", str(tmp_path / "both"), "--fingerprint", kor,
              "--trust-backup-card"],
    )  # fmt: skip
    assert isinstance(both.exception, UsageError)
