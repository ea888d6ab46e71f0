"""`gsomia user add | token | list` and `gsomia peer add | list`: the console's administration,
each a `gsomia.node` use case whose every change is an administration event in the log (R16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import Conflict, InputError, NotFound
from gsomia.ledger.events import EventKind
from gsomia.node.assembly import assemble
from gsomia.node.home import CARD, init_home, load_home
from gsomia.store.ledger import SqlLog
from gsomia.store.users import user_for_token

PASSPHRASE = "passphrase-for-tests"
runner = CliRunner()


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("console")
    return {n: init_home(root / n.lower(), n, n, PASSPHRASE).path for n in ("KOR", "JPN")}


def _log(home: Path) -> list[tuple[EventKind, str, str]]:
    node = assemble(load_home(home, PASSPHRASE))
    with node.engine.connect() as conn:
        log = SqlLog(conn)
        events = [log.entry(i) for i in range(log.size())]
    node.engine.dispose()
    return [(e.kind, e.subjects[0], str(e.body["action"])) for e in events]


def _add(home: Path, name: str, *extra: str) -> object:
    args = ["user", "add", name, "--home", str(home), "--nationality", "kor"]
    args += ["--clearance", "군사Ⅱ급비밀", "--clearance-expires", "2099-12-31"]
    return runner.invoke(app, [*args, "--community", "missile-warning", *extra])


def test_user_add_places_the_clearance_and_logs_the_registration(homes: dict[str, Path]) -> None:
    result = _add(homes["KOR"], "kim", "--role", "analyst")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "kim (KOR, 군사II급비밀, analyst)" in result.output  # type: ignore[attr-defined]
    assert (EventKind.USER_ADMIN, "kim", "user:add") in _log(homes["KOR"])
    listed = runner.invoke(app, ["user", "list", "--home", str(homes["KOR"])])
    assert "kim" in listed.output


@pytest.mark.parametrize(
    ("name", "extra", "error", "words"),
    [
        ("kim", ("--role", "analyst"), Conflict, "already exists"),
        ("lee", ("--role", "boss"), InputError, "unknown role"),
    ],
)
def test_user_add_refusals(
    homes: dict[str, Path], name: str, extra: tuple[str, ...], error: type, words: str
) -> None:
    _add(homes["KOR"], "kim", "--role", "analyst")
    result = _add(homes["KOR"], name, *extra)
    assert isinstance(result.exception, error)  # type: ignore[attr-defined]
    assert words in str(result.exception)  # type: ignore[attr-defined]


def test_user_token_is_shown_once_and_logged(homes: dict[str, Path]) -> None:
    _add(homes["KOR"], "kim", "--role", "analyst")
    result = runner.invoke(app, ["user", "token", "--home", str(homes["KOR"]), "kim"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    node = assemble(load_home(homes["KOR"], PASSPHRASE))
    with node.engine.connect() as conn:
        found = user_for_token(conn, token)
    node.engine.dispose()
    assert found is not None
    assert found.name == "kim"
    assert (EventKind.KEY_ADMIN, "kim", "user:token") in _log(homes["KOR"])
    nobody = runner.invoke(app, ["user", "token", "--home", str(homes["KOR"]), "nobody"])
    assert isinstance(nobody.exception, NotFound)


def test_peer_add_pins_the_card_and_logs_its_fingerprint(
    homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GSOMIA_PASSPHRASE", PASSPHRASE)
    card = homes["JPN"] / CARD
    result = runner.invoke(app, ["peer", "add", "--home", str(homes["KOR"]), str(card)])
    assert result.exit_code == 0, result.output
    assert "added JPN" in result.output
    assert (EventKind.KEY_ADMIN, "JPN", "peer:add") in _log(homes["KOR"])
    listed = runner.invoke(app, ["peer", "list", "--home", str(homes["KOR"])])
    assert "JPN" in listed.output
