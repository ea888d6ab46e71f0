"""A holding destroyed, then put back whole from before by whoever may write the database
(ADR 0139): the pages refuse it, saying why in the reader's language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from tests.node.node_fixtures import held_by
from tests.web.conftest import Site, sign_in

from gsomia.node.control import disposal
from gsomia.node.publish import Draft
from gsomia.store.tables import holdings
from gsomia.store.users import get_user


def _held(sites: dict[str, Site]) -> str:
    draft = Draft(
        title="track W",
        level="군사III급비밀",
        releasable_to=("JPN",),
        purpose="missile-warning",
        content=b"report W",
    )
    return held_by(sites["KOR"].node, sites["JPN"].node, draft).holding_id


def test_a_destroyed_holding_put_back_is_refused_by_the_pages(sites: dict[str, Site]) -> None:
    jpn = sites["JPN"].node
    held = _held(sites)
    with jpn.engine.connect() as conn:
        before: dict[str, Any] = dict(
            conn.execute(select(holdings).where(holdings.c.id == held)).one()._mapping
        )
        tanaka = get_user(conn, "tanaka", jpn.vault)
    disposal.destroy(jpn, tanaka, held, method="burning", officials=["tanaka"])
    with jpn.engine.begin() as conn:
        conn.execute(update(holdings).where(holdings.c.id == held).values(**before))
    client = sites["JPN"].client()
    token = sign_in(client, "sato")
    page = client.get(f"/holdings/{held}")
    assert page.status_code == 500, page.text
    assert f"holding {held} reads as held but was destroyed" in page.text
    answer = client.post(f"/holdings/{held}/read", data={"csrf": token})
    assert answer.status_code == 500
    assert b"report W" not in answer.content
    client.cookies.set("gsomia_lang", "ja")
    said = client.get(f"/holdings/{held}", headers={"Accept-Language": "ja"})
    assert f"保有物{held}が" in said.text, said.text[:2000]
    dashboard = client.get("/")  # lists the latest holdings: the put-back one fails it too
    assert dashboard.status_code == 500
    assert f"保有物{held}が" in dashboard.text
