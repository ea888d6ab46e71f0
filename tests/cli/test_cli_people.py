"""`gsomia user add | token | list` and `gsomia peer add | list`: the console's administration,
each a `gsomia.node` use case whose every change is an administration event in the log (R16)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.cli.common import connect
from gsomia.errors import Conflict, InputError, NotFound, Unauthenticated, UsageError
from gsomia.ledger.events import EventKind
from gsomia.node.assembly import assemble
from gsomia.node.database import open_database
from gsomia.node.home import CARD, init_home, load_home
from gsomia.node.tokens import CONSOLE_TOKENS, authenticate, console_folder, list_tokens
from gsomia.store.ledger import SqlLog
from gsomia.store.users import list_users, token_id, user_for_token
from gsomia.treaty.schemes import AmbiguousMarking

PASSPHRASE = "passphrase-for-tests"
runner = CliRunner(env={"GSOMIA_PASSPHRASE": PASSPHRASE})  # people are sealed under its key


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
        # Bad values are refused when typed, naming what is known (issue 16).
        ("lee", ("--role", "analyst", "--nationality", "KOREA"), InputError, "KOR (Korea"),
        ("lee", ("--role", "analyst", "--language", "fr"), InputError, "use en, ko, ja"),
        (
            "lee",
            ("--role", "analyst", "--clearance-expires", "2020-01-01"),
            InputError,
            "expired on 2020-01-01",
        ),
        (
            "lee",
            ("--role", "analyst", "--clearance", "SECRET"),
            AmbiguousMarking,
            "II급비밀 (SECRET), 군사II급비밀 (MILITARY SECRET)",
        ),
    ],
)
def test_user_add_refusals(
    homes: dict[str, Path], name: str, extra: tuple[str, ...], error: type, words: str
) -> None:
    _add(homes["KOR"], "kim", "--role", "analyst")
    result = _add(homes["KOR"], name, *extra)
    assert isinstance(result.exception, error)  # type: ignore[attr-defined]
    assert words in str(result.exception)  # type: ignore[attr-defined]
    if name != "kim":
        with (
            open_database(homes["KOR"], passphrase=lambda: PASSPHRASE) as db,
            db.engine.connect() as conn,
        ):
            assert name not in {u.name for u in list_users(conn, db.vault)}  # nothing stored


def test_user_token_is_shown_once_and_logged(homes: dict[str, Path]) -> None:
    _add(homes["KOR"], "kim", "--role", "analyst")
    result = runner.invoke(app, ["user", "token", "--home", str(homes["KOR"]), "kim"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    node = assemble(load_home(homes["KOR"], PASSPHRASE))
    with node.engine.connect() as conn:
        found = user_for_token(conn, token, node.vault)
    node.engine.dispose()
    assert found is not None
    assert found.name == "kim"
    assert (EventKind.KEY_ADMIN, "kim", "user:token") in _log(homes["KOR"])
    nobody = runner.invoke(app, ["user", "token", "--home", str(homes["KOR"]), "nobody"])
    assert isinstance(nobody.exception, NotFound)


def test_user_tokens_lists_and_revoke_ends_a_token(homes: dict[str, Path]) -> None:
    _add(homes["KOR"], "kim", "--role", "analyst")
    home = str(homes["KOR"])
    token = runner.invoke(app, ["user", "token", "--home", home, "kim", "--hours", "2"])
    assert token.exit_code == 0, token.output
    listed = runner.invoke(app, ["user", "tokens", "--home", home, "kim"], env={"COLUMNS": "200"})
    assert "in force" in listed.output
    ident = token_id(token.output.strip())
    assert ident in listed.output
    revoked = runner.invoke(app, ["user", "token", "--home", home, "--revoke", ident])
    assert revoked.exit_code == 0, revoked.output
    assert f"revoked token {ident} of kim" in revoked.output
    as_json = runner.invoke(app, ["user", "tokens", "--home", home, "kim", "--json"])
    [mine] = [row for row in json.loads(as_json.output) if row["id"] == ident]
    assert mine["user"] == "kim"
    assert mine["revoked"] is not None
    assert (EventKind.KEY_ADMIN, "kim", "user:token-revoke") in _log(homes["KOR"])
    again = runner.invoke(app, ["user", "token", "--home", home, "--revoke", ident])
    assert isinstance(again.exception, NotFound)
    too_long = runner.invoke(app, ["user", "token", "--home", home, "kim", "--hours", "9999"])
    assert too_long.exit_code != 0


def test_the_console_token_is_kept_and_reused_not_minted_per_call(
    homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: every `--home --as` call left a new permanent token (24 in an afternoon). A new
    one is sealed under the storage key (ADR 0150): the passphrase is asked for then."""
    _add(homes["KOR"], "kim", "--role", "analyst")
    home = homes["KOR"]
    monkeypatch.setenv("GSOMIA_PASSPHRASE", PASSPHRASE)
    with open_database(home, passphrase=lambda: PASSPHRASE) as db:
        first = connect(home, "kim", None, None)
        second = connect(home, "kim", None, None)
        console_rows = [t for t in list_tokens(db, "kim") if t.scope == "console"]
    assert first._http.headers["authorization"] == second._http.headers["authorization"]
    assert len(console_rows) == 1
    folder = console_folder(home)
    assert folder is not None
    kept = folder / "kim"
    assert first._http.headers["authorization"] == f"Bearer {kept.read_text()}"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert console_rows[0].expires_at is not None


def test_a_copy_of_the_home_holds_no_live_console_token(
    homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the attack (ADR 0153): the console kept each person's token in clear in
    `<home>/console-tokens`, so a thief of the disk (a copy of the home, no passphrase) or a
    writer of the home (ADR 0150's insider) read an officer's live token and had the API as
    them; the seals of ADR 0150 vouch for that row, as the node issued it."""
    _add(homes["KOR"], "yun", "--role", "officer")
    home = homes["KOR"]
    monkeypatch.setenv("GSOMIA_PASSPHRASE", PASSPHRASE)
    client = connect(home, "yun", None, None)
    token = client._http.headers["authorization"].removeprefix("Bearer ").encode()
    holding = [p for p in home.rglob("*") if p.is_file() and token in p.read_bytes()]
    assert holding == []
    assert (
        connect(home, "yun", None, None)._http.headers["authorization"]
        == f"Bearer {token.decode()}"
    )


def test_tokens_kept_in_the_home_before_are_deleted_and_none_kept_where_others_may_write(
    homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _add(homes["KOR"], "seo", "--role", "analyst")
    home = homes["KOR"]
    monkeypatch.setenv("GSOMIA_PASSPHRASE", PASSPHRASE)
    (home / CONSOLE_TOKENS).mkdir(exist_ok=True)
    (home / CONSOLE_TOKENS / "seo").write_text("a token kept before ADR 0153")
    shared = tmp_path / "shared"
    (shared / "gsomia").mkdir(parents=True)
    (shared / "gsomia").chmod(0o777)  # a runtime directory another account may write
    monkeypatch.setenv("GSOMIA_RUNTIME_DIR", str(shared))
    assert console_folder(home) is None
    first = connect(home, "seo", None, None)._http.headers["authorization"]
    second = connect(home, "seo", None, None)._http.headers["authorization"]
    assert first != second  # nothing kept: each call issues its own
    assert not (home / CONSOLE_TOKENS).exists()
    assert [p for p in shared.rglob("*") if p.is_file()] == []


def test_user_disable_revokes_the_tokens_and_is_logged(homes: dict[str, Path]) -> None:
    _add(homes["KOR"], "oh", "--role", "analyst")
    home = str(homes["KOR"])
    token = runner.invoke(app, ["user", "token", "--home", home, "oh"]).output.strip()
    result = runner.invoke(app, ["user", "disable", "--home", home, "oh"])
    assert result.exit_code == 0, result.output
    assert "disabled" in result.output
    assert (EventKind.USER_ADMIN, "oh", "user:disable") in _log(homes["KOR"])
    with open_database(homes["KOR"], passphrase=lambda: PASSPHRASE) as db:
        with db.engine.connect() as conn:
            assert user_for_token(conn, token, db.vault) is None
        with pytest.raises(Unauthenticated):
            authenticate(db, token)


def test_peer_add_pins_the_card_and_logs_its_fingerprint(
    homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GSOMIA_PASSPHRASE", PASSPHRASE)
    card = homes["JPN"] / CARD
    args = ["peer", "add", "--home", str(homes["KOR"]), str(card)]
    refused = runner.invoke(app, args)  # JPN's card names no endpoint (issue 16)
    assert isinstance(refused.exception, UsageError)
    assert "names no endpoint" in refused.exception.message
    result = runner.invoke(app, [*args, "--endpoint", "https://jpn.example:8401"])
    assert result.exit_code == 0, result.output
    assert "added JPN" in result.output
    assert "https://jpn.example:8401" in result.output
    assert (EventKind.KEY_ADMIN, "JPN", "peer:add") in _log(homes["KOR"])
    listed = runner.invoke(app, ["peer", "list", "--home", str(homes["KOR"])])
    assert "JPN" in listed.output
    as_json = runner.invoke(app, ["peer", "list", "--home", str(homes["KOR"]), "--json"])
    [peer] = json.loads(as_json.output)
    assert (peer["nation"], peer["endpoint"]) == ("JPN", "https://jpn.example:8401")


def test_init_refuses_a_nation_without_a_scheme(tmp_path: Path) -> None:
    args = ["init", str(tmp_path / "xyz"), "--nation", "XYZ", "--name", "nowhere"]
    result = runner.invoke(app, args, env={"GSOMIA_PASSPHRASE": PASSPHRASE})
    assert isinstance(result.exception, UsageError)
    assert "--nation 'XYZ' has no classification scheme" in result.exception.message
    assert "KOR" in str(result.exception.hint)
    assert not (tmp_path / "xyz").exists()  # nothing left behind


def test_user_update_renews_a_clearance_and_logs_old_and_new(homes: dict[str, Path]) -> None:
    _add(homes["KOR"], "han", "--role", "analyst")
    home = str(homes["KOR"])
    args = ["user", "update", "--home", home, "han", "--clearance-expires", "2031-06-30"]
    result = runner.invoke(app, [*args, "--language", "ko", "--role", "officer"])
    assert result.exit_code == 0, result.output
    assert "until 2031-06-30, officer, ko" in result.output
    with (
        open_database(homes["KOR"], passphrase=lambda: PASSPHRASE) as db,
        db.engine.connect() as conn,
    ):
        [han] = [u for u in list_users(conn, db.vault) if u.name == "han"]
        log = SqlLog(conn)
        [event] = [
            e
            for e in (log.entry(i) for i in range(log.size()))
            if e.body.get("action") == "user:update"
        ]
    assert (han.clearance_expires.isoformat(), han.roles, han.language) == (
        "2031-06-30",
        ("officer",),
        "ko",
    )
    assert event.body["clearance_expires"] == "2099-12-31 -> 2031-06-30"
    assert event.body["roles"] == "analyst -> officer"


def test_user_update_sets_the_spif_categories_a_person_holds(homes: dict[str, Path]) -> None:
    """ADR 0104: the categories the access decision asks of a reader, "TAGSET=VALUE"."""
    _add(homes["KOR"], "seo", "--role", "analyst", "--category", "Mission=ALPHA")
    home = str(homes["KOR"])
    args = ["user", "update", "--home", home, "seo"]
    result = runner.invoke(
        app, [*args, "--category", " Compartment = TRACK", "--category", "Mission=BRAVO"]
    )
    assert result.exit_code == 0, result.output
    with (
        open_database(homes["KOR"], passphrase=lambda: PASSPHRASE) as db,
        db.engine.connect() as conn,
    ):
        [seo] = [u for u in list_users(conn, db.vault) if u.name == "seo"]
    assert seo.categories == ("Compartment=TRACK", "Mission=BRAVO")


@pytest.mark.parametrize(
    ("extra", "error", "words"),
    [
        (("--clearance-expires", "2020-01-01"), InputError, "has passed"),
        (("--language", "fr"), InputError, "use en, ko, ja"),
        (("--clearance", "SECRET"), AmbiguousMarking, "군사II급비밀 (MILITARY SECRET)"),
        (("--category", "Compartment"), InputError, "is not TAGSET=VALUE"),
        ((), InputError, "nothing to change"),
    ],
)
def test_user_update_refuses_what_add_refuses(
    homes: dict[str, Path], extra: tuple[str, ...], error: type, words: str
) -> None:
    _add(homes["KOR"], "kwon", "--role", "analyst")
    result = runner.invoke(app, ["user", "update", "--home", str(homes["KOR"]), "kwon", *extra])
    assert isinstance(result.exception, error)
    assert words in str(result.exception)


def test_user_remove_only_someone_with_nothing_on_record(homes: dict[str, Path]) -> None:
    home = str(homes["KOR"])
    _add(homes["KOR"], "jung", "--role", "analyst")
    runner.invoke(app, ["user", "token", "--home", home, "jung"])  # a credential goes with them
    result = runner.invoke(app, ["user", "remove", "--home", home, "jung"])
    assert result.exit_code == 0, result.output
    assert (EventKind.USER_ADMIN, "jung", "user:remove") in _log(homes["KOR"])
    listed = runner.invoke(app, ["user", "list", "--home", home, "--json"])
    names = [person["name"] for person in json.loads(listed.stdout)]
    assert "jung" not in names
    missing = runner.invoke(app, ["user", "remove", "--home", home, "jung"])
    assert isinstance(missing.exception, NotFound)
