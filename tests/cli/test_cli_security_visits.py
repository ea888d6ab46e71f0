"""`gsomia visit security …` against JPN's real user API (in process), Art. 18 (R38): plan,
both parties' consultation, the host's report of protection; findings before the visit has
begun are refused with the article."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.node.node_fixtures import Cast, build_cast
from typer.testing import CliRunner

from gsomia.app import create_app
from gsomia.cli import app
from gsomia.cli.common import Reach
from gsomia.client import NodeClient
from gsomia.errors import InputError, PolicyDenied
from gsomia.node import security_visits
from gsomia.store.users import issue_token

runner = CliRunner()


class _InProcess(NodeClient):
    """The CLI's client over the in-process application, which outlives each command."""

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("security-visits"), ("KOR", "JPN"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


@pytest.fixture
def officer(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    jpn = cast["JPN"]
    with jpn.engine.begin() as conn:
        token = issue_token(conn, "tanaka", jpn.clock(), jpn.vault)
    with TestClient(create_app(jpn, run_worker=False)) as http:
        http.headers["Authorization"] = f"Bearer {token}"

        def connect(*_: Any) -> NodeClient:
            client = _InProcess("http://testserver", token)
            client._http = http  # type: ignore[assignment] # the real API, in process
            return client

        monkeypatch.setattr(Reach, "connect", connect)  # the seam every command reaches through
        yield


def _run(*args: str) -> str:
    result = runner.invoke(app, ["visit", "security", *args], env={"COLUMNS": "220"})
    if result.exception is not None:
        raise result.exception
    return result.output


@pytest.mark.usefixtures("officer")
def test_r38_the_security_visit_commands_plan_consult_and_report(cast: Cast) -> None:
    item = cast.publish("KOR", "kim", title="Observed", precedence="ROUTINE")
    cast.release("KOR", "park", item)
    cast.deliver("KOR", "JPN")
    now = cast["JPN"].clock()
    out = _run(
        "plan", "--visiting", "KOR", "--host", "JPN", "--representative", "Col. Choi",
        "--place", "MOD Ichigaya", "--scope", "storage and destruction",
        "--start", (now + timedelta(days=1)).isoformat(),
        "--end", (now + timedelta(days=2)).isoformat(),
    )  # fmt: skip
    assert "planned" in out
    [visit] = cast_visits(cast)
    _run("consult", visit, "--party", "JPN")
    with pytest.raises(InputError, match="reference of its note"):
        _run("consult", visit, "--party", "KOR")
    assert "agreed" in _run("consult", visit, "--party", "KOR", "--reference", "KOR n. 3")
    report = json.loads(_run("report", visit, "--json"))
    assert report["provided_by"] == "KOR"
    assert [h["item"] for h in report["inventory"]] == [item]
    assert "What KOR provided, as JPN protects it" in _run("report", visit)
    with pytest.raises(PolicyDenied, match="has not begun"):
        _run("findings", visit, "--findings", "observed")


def cast_visits(cast: Cast) -> list[str]:
    return [v["id"] for v in security_visits.list_visits(cast["JPN"], cast.user("JPN", "tanaka"))]
