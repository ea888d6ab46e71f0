"""`gsomia serve` and `gsomia init` fail in one clear line and the exit code of the error's
kind (`gsomia.errors`), before anything is said to be running (issue 16): no home, a port in
use, a database that does not answer, `init --database` to a database that does not answer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gsomia.errors import Unavailable, UsageError, exit_code
from gsomia.node.home import CONFIG, init_home

PASSPHRASE = "passphrase-for-tests"
NOWHERE = "postgresql://postgres@127.0.0.1:1/nowhere"  # port 1: nothing listens


def gsomia(*args: str, passphrase: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GSOMIA_PASSPHRASE"} | {"COLUMNS": "300"}
    if passphrase:
        env["GSOMIA_PASSPHRASE"] = PASSPHRASE
    return subprocess.run(
        [sys.executable, "-m", "gsomia", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_error(done: subprocess.CompletedProcess[str]) -> str:
    """The error line, checking there is one and no traceback."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_serve_without_a_home_says_so_before_asking_for_the_passphrase(tmp_path: Path) -> None:
    done = gsomia("serve", "--home", str(tmp_path / "none"), passphrase=False)
    assert done.returncode == exit_code(UsageError("")), done.stderr
    assert "is not a node home" in one_error(done)
    assert "passphrase" not in done.stderr.lower()


def test_an_error_is_said_in_the_language_asked_with_the_english_after_it(tmp_path: Path) -> None:
    # ADR 0135: the console says an error as the pages do, by its code; the log's English follows.
    done = gsomia("--language", "ja", "serve", "--home", str(tmp_path / "none"), passphrase=False)
    assert done.returncode == exit_code(UsageError("")), done.stderr
    assert "はノードのホームディレクトリでない (config.tomlがない)" in one_error(done)
    assert "en: " in done.stderr
    assert "is not a node home (no config.toml)" in done.stderr
    refused = gsomia("--language", "fr", "serve", "--home", str(tmp_path / "none"))
    assert refused.returncode == 2, refused.stderr  # a usage error, naming what is known
    assert "en, ko, ja" in refused.stderr


def test_a_port_in_use_is_refused_before_the_node_says_it_is_up(tmp_path: Path) -> None:
    home = init_home(tmp_path / "kor", "KOR", "ROK MND", PASSPHRASE).path
    with socket.create_server(("127.0.0.1", 0)) as held:
        port = held.getsockname()[1]
        done = gsomia("serve", "--home", str(home), "--listen", f"127.0.0.1:{port}",
                      "--peer-listen", "127.0.0.1:0")  # fmt: skip
    assert done.returncode == exit_code(UsageError("")), done.stderr
    assert f"cannot listen for the user API on http://127.0.0.1:{port}" in one_error(done)
    assert "node:" not in done.stdout
    assert "node KOR ready" not in done.stderr
    assert "or [server] in config.toml" in done.stderr  # brackets shown, not taken as markup
    assert not (home / "serving.json").exists()


def test_a_database_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    home = init_home(tmp_path / "kor", "KOR", "ROK MND", PASSPHRASE).path
    config = (home / CONFIG).read_text(encoding="utf-8")
    (home / CONFIG).write_text(
        "\n".join(
            f'url = "{NOWHERE}"' if line.startswith("url =") else line
            for line in config.splitlines()
        ),
        encoding="utf-8",
    )
    done = gsomia("serve", "--home", str(home))
    assert done.returncode == exit_code(Unavailable("")), done.stderr
    line = one_error(done)
    assert "cannot reach the database postgresql+psycopg://postgres@127.0.0.1:1/nowhere" in line
    assert "Connection refused" in line


@pytest.mark.parametrize("url", [NOWHERE], ids=["unreachable"])
def test_init_tests_the_database_before_making_the_home(tmp_path: Path, url: str) -> None:
    home = tmp_path / "kor"
    done = gsomia("init", str(home), "--nation", "KOR", "--name", "ROK MND", "--database", url)
    assert done.returncode == exit_code(Unavailable("")), done.stderr
    assert "cannot reach the database" in one_error(done)
    assert not home.exists()


@pytest.mark.parametrize(
    "options",
    [("--workers", "2"), ("--delivery", "1"), ("--delivery-only",)],
    ids=["workers", "delivery", "delivery-only"],
)
def test_several_processes_on_sqlite_are_refused_saying_why(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    home = init_home(tmp_path / "kor", "KOR", "ROK MND", PASSPHRASE).path
    done = gsomia("serve", "--home", str(home), "--listen", "127.0.0.1:0",
                  "--peer-listen", "127.0.0.1:0", *options)  # fmt: skip
    assert done.returncode == exit_code(UsageError("")), done.stderr
    line = one_error(done)
    assert "needs PostgreSQL" in line
    assert "SQLite" in line


def test_the_consoles_own_refusal_is_said_in_the_language_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # ADR 0141: the console's own refusals (`cli/`) are coded too, not only the node's.
    monkeypatch.delenv("GSOMIA_URL", raising=False)
    monkeypatch.delenv("GSOMIA_TOKEN", raising=False)
    done = gsomia("--language", "ko", "item", "list")
    assert done.returncode == exit_code(UsageError("")), done.stderr
    assert one_error(done) == "error: 어느 노드에 누구로 접속하는지 지정해야 함"
    assert "en: say which node and who you are" in done.stderr
