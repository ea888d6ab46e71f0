"""The dashboard and the audit page a page at a time (issue 14): a GET filter form, next and
previous links that keep the filters, in the person's language; the audit page filters on the
row as the log says it is."""

from __future__ import annotations

import re

from sqlalchemy import select, update
from tests.web.conftest import Site, sign_in

from gsomia.app import doors
from gsomia.node import publish as publishing
from gsomia.node import release as releasing
from gsomia.store.tables import access_log
from gsomia.store.users import get_user

PAGE = 50  # the dashboard's page


def _ids(html: str) -> list[str]:
    return re.findall(r'<a href="/items/(KOR-[^"]+)">paged item', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return None if found is None else found[1].replace("&amp;", "&")


def test_the_dashboard_pages_its_items_and_keeps_the_filter(sites: dict[str, Site]) -> None:
    kor = sites["KOR"].node
    with kor.engine.connect() as conn:
        kim = get_user(conn, "kim", kor.vault)
    drafts = [
        publishing.Draft(
            title=f"paged item {n}",
            level="군사II급비밀",
            releasable_to=("JPN",),
            purpose="missile-warning",
            precedence="ROUTINE",
            content=b"x",
        )
        for n in range(PAGE + 5)
    ]
    made = {p.id for p in publishing.publish_batch(kor, kim, drafts)}
    client = sites["KOR"].client()
    sign_in(client, "kim")
    first = client.get("/", params={"text": "PAGED ITEM"})
    assert first.status_code == 200
    assert "다음 쪽" in first.text  # kim reads Korean
    assert len(_ids(first.text)) == PAGE
    assert 'value="PAGED ITEM"' in first.text  # the form shows what was asked
    following = _link(first.text, "next")
    assert following is not None
    assert "text=PAGED+ITEM" in following
    second = client.get(following).text
    assert set(_ids(first.text)) | set(_ids(second)) == made
    assert len(_ids(second)) == 5
    assert _link(second, "next") is None
    back = _link(second, "prev")
    assert back is not None
    assert _ids(client.get(back).text) == _ids(first.text)
    nothing = client.get("/", params={"text": "paged item", "precedence": "FLASH"}).text
    assert _ids(nothing) == []


def test_a_long_filter_or_a_forged_cursor_is_refused(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    sign_in(client, "kim")
    assert client.get("/", params={"text": "x" * 201}).status_code == 400
    assert client.get("/", params={"own": "forged"}).status_code == 400
    assert client.get("/audit", params={"cursor": "forged"}).status_code in (400, 403)


def test_a_refused_filter_or_cursor_is_said_in_the_readers_language(
    sites: dict[str, Site],
) -> None:
    # ADR 0135: the error page says the node's input error in the reader's words, by its code.
    client = sites["KOR"].client()
    sign_in(client, "kim")  # a Korean reader
    too_long = client.get("/", params={"text": "x" * 201}).text
    assert 'data-reason="filter_too_long"' in too_long
    assert "필터가 200자를 넘음" in too_long
    forged = client.get("/", params={"own": "forged"}).text
    assert 'data-reason="not_a_cursor"' in forged
    assert "이 목록이 준 페이지 위치가 아님" in forged
    unknown = client.get("/export/items.xlsx").text
    assert 'data-reason="no_export_form"' in unknown
    assert "내보내기 형식 &#39;xlsx&#39;이(가) 없음" in unknown  # the quotes escaped
    for page in (too_long, forged, unknown):
        assert '<span class="reason" data-reason' in page
        assert 'class="reason" lang="en"' not in page


def test_the_audit_page_filters_on_what_the_log_says(sites: dict[str, Site]) -> None:
    node = sites["KOR"].node
    client = sites["KOR"].client()
    sign_in(client, "park")
    client.get("/audit")  # reading the audit trail is itself a decision, logged
    with node.engine.connect() as conn:
        row = (
            conn.execute(
                select(access_log)
                .where(access_log.c.log_index.is_not(None), access_log.c.actor == "park")
                .order_by(access_log.c.id.desc())
            )
            .mappings()
            .first()
        )
    assert row is not None
    where = access_log.c.id == row["id"]
    with node.engine.begin() as conn:
        conn.execute(update(access_log).where(where).values(actor="mallory"))
    try:
        hidden = client.get("/audit", params={"actor": "mallory"}).text
        assert 'data-altered="actor"' not in hidden  # the edit does not make it mallory's
        found = client.get("/audit", params={"actor": "park", "decision": "allowed"}).text
        assert 'data-altered="actor"' in found  # found by who the log says acted
        cells = re.findall(r"<tr[^>]*><td>[^<]+</td><td>([^<]+)</td>", found)
        assert cells
        assert set(cells) == {"park"}
        assert 'value="park"' in found
    finally:
        with node.engine.begin() as conn:
            conn.execute(update(access_log).where(where).values(actor=row["actor"]))


def test_the_dashboards_transfers_take_the_partner_and_precedence_filters(
    sites: dict[str, Site],
) -> None:
    """The transfers table is paged with its own cursor and filtered on what a transfer has:
    its partner and its precedence (issue 16)."""
    kor = sites["KOR"].node
    with kor.engine.connect() as conn:
        kim, park = get_user(conn, "kim", kor.vault), get_user(conn, "park", kor.vault)
    sent = []
    for precedence in ("FLASH", "ROUTINE"):
        draft = publishing.Draft(
            title=f"sent {precedence}",
            level="군사II급비밀",
            releasable_to=("JPN",),
            purpose="missile-warning",
            precedence=precedence,
            content=b"x",
        )
        item_id = publishing.publish(kor, kim, draft)
        releasing.release(kor, park, item_id)
        sent.append(item_id)
    client = sites["KOR"].client()
    sign_in(client, "park")

    def transferred(**asked: str) -> set[str]:
        page = client.get("/", params=asked).text
        table = page.split('<table id="transfers">', 1)[1].split("</table>", 1)[0]
        return set(re.findall(r'<a href="/items/(KOR-[^"]+)">', table)) & set(sent)

    assert transferred() == set(sent)
    assert transferred(partner="JPN", precedence="FLASH") == {sent[0]}
    assert transferred(partner="USA") == set()


def test_a_form_over_its_doors_cap_comes_back_as_a_page_in_the_readers_language(
    sites: dict[str, Site],
) -> None:
    # ADR 0135: the gate refuses a page's post over its door's cap before any route runs; it
    # answered with the API's JSON, in English, which the browser showed raw.
    client = sites["KOR"].client()
    csrf = sign_in(client, "kim")  # a Korean reader
    answer = client.post(
        "/holdings/h1/consent", data={"csrf": csrf, "purpose": "x" * (doors.SMALL + 1)}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert '<html lang="ko">' in answer.text
    assert 'data-reason="body_too_large"' in answer.text
    assert f"요청 본문이 이 경로의 한도 {doors.SMALL}바이트를 넘음" in answer.text
    # The API's door still answers JSON, in English.
    api = client.post("/api/v1/consents", content=b"{" * (doors.SMALL + 1))
    assert api.status_code in (401, 413)
    assert api.headers["content-type"] == "application/problem+json"  # RFC 9457, ADR 0141
