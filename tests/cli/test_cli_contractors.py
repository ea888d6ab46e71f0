"""`gsomia contractor …` against JPN's real user API (in process): an officer records a
facility, its inspection, register, briefing and a contract with KOR's assurance, releases a
holding to it, and lists it all; a contract without its clause is refused with the article."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.node.node_fixtures import LAUNCH, Cast, build_cast
from typer.testing import CliRunner

from gsomia.app import create_app
from gsomia.cli import app
from gsomia.cli.common import Reach
from gsomia.client import NodeClient
from gsomia.errors import PolicyDenied
from gsomia.store.tables import holdings
from gsomia.store.users import issue_token

runner = CliRunner()


class _InProcess(NodeClient):
    """The CLI's client over the in-process application, which outlives each command."""

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("contractors"), ("KOR", "JPN"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


@pytest.fixture
def officer(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI's `Reach.connect` reaches JPN's application as tanaka."""
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:
        token = issue_token(conn, "tanaka", jpn.clock(), jpn.vault)
    with TestClient(create_app(jpn, run_worker=False)) as http:
        http.headers["Authorization"] = f"Bearer {token}"

        def connect(*_: Any) -> NodeClient:
            client = _InProcess("http://testserver", token)
            client._http = http  # type: ignore[assignment] # the seam: the real API, in process
            return client

        monkeypatch.setattr(Reach, "connect", connect)  # the seam every command reaches through
        yield


def _run(*args: str) -> str:
    result = runner.invoke(app, ["contractor", *args], env={"COLUMNS": "200"})
    if result.exception is not None:
        raise result.exception
    return result.output


@pytest.mark.usefixtures("officer")
def test_r33_the_contractor_commands_record_a_facility_and_release_to_it(cast: Cast) -> None:
    item = cast.publish("KOR", "kim", title="For MHI", precedence="ROUTINE")
    cast.release("KOR", "park", item)
    cast.deliver("KOR", "JPN")
    with cast["JPN"].engine.connect() as conn:
        holding = conn.execute(select(holdings.c.id).where(holdings.c.item_id == item)).scalar_one()
    out = _run(
        "add",
        "mhi",
        "--name",
        "MHI Nagoya",
        "--clearance",
        "極秘",
        "--until",
        "2099-12-31",
        "--officer",
        "Ito",
    )
    assert "MHI Nagoya" in out
    assert "never" in out  # not yet inspected
    when = (cast["JPN"].clock() - timedelta(days=2)).isoformat()
    assert "never" not in _run("inspect", "mhi", "--at", when, "--kind", "initial")
    assert "(not briefed)" in _run("staff", "mhi", "sato")
    assert "(not briefed)" not in _run("brief", "sato")
    with pytest.raises(PolicyDenied, match="security requirements clause"):
        _run(
            "contract",
            "C-7",
            "--facility",
            "mhi",
            "--partner",
            "KOR",
            "--purpose",
            LAUNCH,
            "--level",
            "極秘",
            "--clause",
            " ",
        )
    out = _run(
        "contract",
        "C-7",
        "--facility",
        "mhi",
        "--partner",
        "KOR",
        "--purpose",
        LAUNCH,
        "--level",
        "極秘",
        "--clause",
        "Art. 16 clause",
    )
    assert "not requested" in out
    assert "KOR-NSA 3" in _run("assure", "C-7", "--given", "--reference", "KOR-NSA 3")
    assert "Art. 16(b)" in _run("release", "C-7", holding)
    [listed] = json.loads(_run("list", "--json"))
    assert (listed["id"], listed["contracts"], listed["register"][0]["name"]) == (
        "mhi",
        ["C-7"],
        "sato",
    )
