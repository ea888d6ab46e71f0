"""`--home DIR --as USER` reaches the node that home belongs to, and no other (issue 16): the
running node records where it listens in its home, and an answer from another nation's node
is refused before it is read."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from tests.node.node_fixtures import Cast, build_cast

from gsomia.app import create_app
from gsomia.cli.common import connect
from gsomia.client import NodeClient
from gsomia.errors import UsageError
from gsomia.node.home import SERVING, Serving, clear_serving, record_serving, serving_of


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return build_cast(tmp_path_factory.mktemp("serving"), ("KOR", "JPN"))


def a_finished_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def test_the_cli_goes_where_the_homes_running_node_listens(
    pair: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = pair["JPN"].home.path
    monkeypatch.setenv("GSOMIA_PASSPHRASE", "pw-JPN-0123456789")  # the console token is sealed
    before = connect(home, "sato", None, None)
    assert before.url == "http://127.0.0.1:8400"  # the config's default: no node recorded
    record_serving(home, Serving("JPN", os.getpid(), "http://127.0.0.1:8470", "https://x:8471"))
    try:
        client = connect(home, "sato", None, None)
        assert (client.url, client.nation) == ("http://127.0.0.1:8470", "JPN")
    finally:
        clear_serving(home, os.getpid())
    assert not (home / SERVING).exists()


def test_a_record_left_by_a_node_that_stopped_says_nothing(pair: Cast) -> None:
    home = pair["KOR"].home.path
    gone = a_finished_pid()
    record_serving(home, Serving("KOR", gone, "http://127.0.0.1:8470", "https://x:8471"))
    assert serving_of(home) is None
    clear_serving(home, os.getpid())  # not ours: left alone
    assert (home / SERVING).exists()
    (home / SERVING).unlink()


def test_an_answer_from_another_nations_node_is_refused(pair: Cast) -> None:
    kor_app = create_app(pair["KOR"], run_worker=False)
    meant_for_jpn = NodeClient("http://testserver", "a JPN token", nation="JPN")
    meant_for_jpn._http = TestClient(kor_app)  # type: ignore[assignment]
    with pytest.raises(UsageError, match="is KOR's node, not JPN's") as refused:
        meant_for_jpn.me()
    assert "gsomia serve --home" in str(refused.value)
    meant_for_kor = NodeClient("http://testserver", "a KOR token", nation="KOR")
    meant_for_kor._http = TestClient(kor_app)  # type: ignore[assignment]
    with pytest.raises(Exception, match="token") as unknown:  # KOR's own answer, read
        meant_for_kor.me()
    assert not isinstance(unknown.value, UsageError)


@pytest.mark.parametrize(
    "url", ["http://192.0.2.7:8470", "https://attacker.invalid:443", "http://198.51.100.1"]
)
def test_a_home_naming_a_node_off_this_machine_gets_no_token(
    pair: Cast, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """Found by the attack (ADR 0153): a writer of the home (no key) wrote `serving.json` (or
    `[server] listen`) naming a server of theirs, and every `--home --as` call sent that
    person's live console token there first (the nation check reads the answer after)."""
    home = pair["JPN"].home.path
    monkeypatch.setenv("GSOMIA_PASSPHRASE", "pw-JPN-0123456789")
    record_serving(home, Serving("JPN", os.getpid(), url, "https://x:8471"))
    try:
        with pytest.raises(UsageError, match="not on this machine"):
            connect(home, "sato", None, None)
    finally:
        clear_serving(home, os.getpid())
