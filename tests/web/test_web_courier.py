"""The officers' dashboard raises a courier dispatch whose receipt is overdue (R27), in the
officer's own language; an analyst's dashboard does not show it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from tests.web.conftest import Site, sign_in

from gsomia.node import courier
from gsomia.node import publish as publishing
from gsomia.node import release as releasing
from gsomia.store.tables import dispatches
from gsomia.store.users import get_user


def test_r27_an_overdue_dispatch_is_shown_on_the_officers_dashboard(
    sites: dict[str, Site], tmp_path: Path
) -> None:
    kor = sites["KOR"].node
    with kor.engine.connect() as conn:
        kim, park = get_user(conn, "kim", kor.vault), get_user(conn, "park", kor.vault)
    draft = publishing.Draft(
        title="Survey by courier",
        level="군사III급비밀",
        releasable_to=("JPN",),
        purpose="missile-warning",
        precedence="ROUTINE",
        content=b"grid 38N 129E",
    )
    item = publishing.publish(kor, kim, draft)
    releasing.release(kor, park, item)
    sent = courier.export_bundle(
        kor, park, to="JPN", path=tmp_path / "b", channel="diplomatic-courier",
        courier="Lee", item_ids=[item],
    )  # fmt: skip

    def dashboard(name: str) -> str:
        client = sites["KOR"].client()
        sign_in(client, name)
        return client.get("/").text

    assert sent["dispatch"] not in dashboard("park")  # not yet due
    with kor.engine.begin() as conn:  # the agreement's period has passed without a receipt
        conn.execute(
            update(dispatches)
            .where(dispatches.c.id == sent["dispatch"])
            .values(receipt_due=kor.clock() - timedelta(hours=1))
        )
    page = dashboard("park")  # park reads Korean
    assert "수령증이 없는 파우치 발송" in page
    assert sent["dispatch"] in page
    assert sent["dispatch"] not in dashboard("kim")  # an analyst handles no dispatches
