"""FLASH alerts kept on the node until acknowledged (issue 16): a reader who was not
watching when the item came finds it at sign-in (API, CLI, pages); acknowledging is logged
with who and when, and only the reader's own alerts can be acknowledged."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.api.api_fixtures import Site
from tests.node.custody_fixtures import provide
from typer.testing import CliRunner

from gsomia.cli import alerts as cli_alerts
from gsomia.cli import app
from gsomia.client import NodeClient
from gsomia.store.tables import access_log


def kept(site: Site, name: str) -> list[str]:
    answer = site.clients["JPN"].get("/api/v1/alerts/kept", headers=site.auth(name))
    assert answer.status_code == 200, answer.text
    return [alert["holding"] for alert in answer.json()]


def test_an_alert_waits_for_its_reader_and_the_acknowledgement_is_logged(site: Site) -> None:
    held = provide(site.cast)  # a FLASH item, received while no page was open
    assert held in kept(site, "sato")  # cleared 極秘: it is sato's alert
    assert held not in kept(site, "suzuki")  # cleared 秘 only: never shown
    refused = site.clients["JPN"].post(
        f"/api/v1/alerts/kept/{held}/ack", headers=site.auth("suzuki")
    )
    assert refused.status_code == 404
    done = site.clients["JPN"].post(f"/api/v1/alerts/kept/{held}/ack", headers=site.auth("sato"))
    assert done.status_code == 200, done.text
    assert held not in kept(site, "sato")
    with site.cast["JPN"].engine.connect() as conn:
        rows = conn.execute(
            select(access_log.c.actor, access_log.c.at, access_log.c.log_index).where(
                access_log.c.action == "alert_ack", access_log.c.subject == held
            )
        ).all()
    [(actor, at, index)] = rows
    assert actor == "sato"
    assert at is not None
    assert index is not None  # in the Merkle log


def test_gsomia_alerts_lists_and_acknowledges(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    held = provide(site.cast)

    def connect(*_: object) -> NodeClient:
        client = NodeClient("http://testserver", "unused", nation="JPN")
        client._http = TestClient(  # type: ignore[assignment]
            site.clients["JPN"].app, headers=site.auth("sato")
        )
        return client

    monkeypatch.setattr(cli_alerts, "connect", connect)
    runner = CliRunner()
    listed = runner.invoke(app, ["alerts", "--json"])
    assert held in [a["holding"] for a in json.loads(listed.output)]
    acked = runner.invoke(app, ["alerts", "--ack", held[:8], "--json"])
    assert acked.exit_code == 0, acked.output
    assert held not in acked.output.split("\n", 1)[1]
