"""The pages in-process: sign-in, sessions, CSRF, pages by role, markings, reading, languages."""

from __future__ import annotations

import html
import json
import re
import stat
from datetime import date

import pytest
from sqlalchemy import func, select, update
from tests.node.node_fixtures import held_by
from tests.web.conftest import PASSWORD, Site, csrf_of, sign_in

from gsomia.exchange import outbox
from gsomia.node import publish as publishing
from gsomia.store.tables import access_log, items
from gsomia.store.users import UserRecord, add_user, list_users
from gsomia.web.session import COOKIE, KEY_FILE

TRACK = "DPRK launch track: launched 05:57 KST from Sunan, impact in the East Sea 05:59 KST."


def _set_cookie_header(answer: object) -> str:
    headers = answer.headers  # type: ignore[attr-defined]
    found = [v for v in headers.get_list("set-cookie") if v.startswith(COOKIE + "=")]
    assert found, "no session cookie was set"
    return str(found[-1]).lower()


def test_login_page_sets_a_strict_httponly_cookie(sites: dict[str, Site]) -> None:
    answer = sites["KOR"].client().get("/login")
    assert answer.status_code == 200
    cookie = _set_cookie_header(answer)
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert "secure" not in cookie.replace("samesite", "")
    assert answer.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_cookie_is_secure_over_https(sites: dict[str, Site]) -> None:
    cookie = _set_cookie_header(sites["KOR"].client(https=True).get("/login"))
    assert "; secure" in cookie


def test_signing_key_lives_in_the_node_home_readable_by_its_owner_only(
    sites: dict[str, Site],
) -> None:
    sites["KOR"].client().get("/login")
    key = sites["KOR"].node.home.path / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32


def test_pages_need_a_session(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    for path in ("/", "/items/new", "/audit", "/agreements/KOR-JPN-2016"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login"


def test_login_without_csrf_token_is_refused(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    client.get("/login")
    answer = client.post("/login", data={"name": "kim", "password": PASSWORD})
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_without_saying_which_part(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    token = csrf_of(client.get("/login").text)
    for name, password in (("kim", "wrong"), ("nobody", PASSWORD)):
        answer = client.post("/login", data={"csrf": token, "name": name, "password": password})
        assert answer.status_code == 401
        assert "The name or the password is wrong." in answer.text


def test_login_issues_a_new_session_and_logout_ends_it(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    before = csrf_of(client.get("/login").text)
    after = sign_in(client, "kim")
    assert after != before  # no session fixation: a new id and token on login
    stolen = client.cookies[COOKIE]
    assert client.post("/logout", data={"csrf": after}, follow_redirects=False).status_code == 303
    replay = sites["KOR"].client()
    replay.cookies.set(COOKIE, stolen)
    assert replay.cookies[COOKIE] == stolen
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_forged_cookie_is_no_session(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    sign_in(client, "kim")
    payload, stamp, signature = client.cookies[COOKIE].split(".")
    client.cookies.clear()
    client.cookies.set(COOKIE, f"{payload}.{stamp}.{signature[::-1]}")
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("name", "sees_publish", "sees_drafts", "audit_status"),
    [
        ("kim", True, False, 403),  # analyst: publishes, may not release or read the audit log
        ("park", True, True, 200),  # officer: releases (R50) and reads the log (R39)
    ],
)
def test_pages_follow_the_role(
    sites: dict[str, Site], name: str, sees_publish: bool, sees_drafts: bool, audit_status: int
) -> None:
    client = sites["KOR"].client()
    sign_in(client, name)
    home = client.get("/").text
    assert ('href="/items/new"' in home) is sees_publish
    assert ('id="h-waiting"' in home) is sees_drafts
    assert client.get("/audit").status_code == audit_status


def test_audit_page_refusal_gives_the_article_and_is_logged(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    sign_in(client, "kim")
    answer = client.get("/audit")
    assert 'data-article="Art. 6(f)"' in answer.text
    with sites["KOR"].node.engine.connect() as conn:
        refused = conn.execute(
            select(func.count())
            .select_from(access_log)
            .where(
                access_log.c.actor == "kim",
                access_log.c.action == "read_audit",
                access_log.c.allowed.is_(False),
            )
        ).scalar_one()
    assert refused >= 1


def _publish_form(client: object, token: str, **extra: object) -> object:
    data = {
        "csrf": token,
        "title": "DPRK launch track",
        "level": "군사Ⅱ급비밀",
        "releasable_to": "JPN",
        "purpose": "missile-warning",
        "precedence": "FLASH",
        "text": TRACK,
        **extra,
    }
    return client.post("/items", data=data, follow_redirects=False)  # type: ignore[attr-defined]


def _item_count(site: Site) -> int:
    with site.node.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def test_publish_without_csrf_token_changes_nothing(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    sign_in(client, "kim")
    before = _item_count(sites["KOR"])
    answer = _publish_form(client, "")
    assert answer.status_code == 403  # type: ignore[attr-defined]
    assert _item_count(sites["KOR"]) == before


def test_publish_form_offers_this_nations_levels_only(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    sign_in(client, "kim")
    form = client.get("/items/new").text
    assert '<option value="군사II급비밀"' in form
    assert "極秘" not in form
    assert re.search(r'<label for="title">', form)


def test_publish_then_release_through_the_pages(sites: dict[str, Site]) -> None:
    kim = sites["KOR"].client()
    answer = _publish_form(kim, sign_in(kim, "kim"))
    assert answer.status_code == 303  # type: ignore[attr-defined]
    page_path = answer.headers["location"]  # type: ignore[attr-defined]
    page = kim.get(page_path).text
    assert page.count('class="banner tier-secret') == 2  # top and bottom
    assert "군사II급비밀" in page
    # The label as the node made it: its categories and the review time it set (ADR 0105).
    # in kim's language (the values as the label holds them).
    assert "공개 대상 (허용형)" in page
    assert '<th scope="row">재분류 검토</th>' in page
    assert 'id="release"' not in page  # an analyst may not release (R50)

    park = sites["KOR"].client()
    token = sign_in(park, "park")
    assert 'id="release"' in park.get(page_path).text
    released = park.post(page_path + "/release", data={"csrf": token})
    assert released.status_code == 200
    assert 'data-state="released"' in released.text
    # The decision, from the access log, in park's language; the log's English beside it.
    assert 'data-reason="provision_allowed"' in released.text
    assert "JPN에 제공 가능" in released.text
    assert "may go to JPN" in released.text


def test_a_conflict_on_a_page_form_answers_409_like_the_api(sites: dict[str, Site]) -> None:
    """Releasing an item twice is a `Conflict`: the page answers 409, as the JSON API does."""
    kim = sites["KOR"].client()
    page_path = _publish_form(kim, sign_in(kim, "kim")).headers["location"]  # type: ignore[attr-defined]
    park = sites["KOR"].client()
    token = sign_in(park, "park")
    assert park.post(page_path + "/release", data={"csrf": token}).status_code == 200
    again = park.post(page_path + "/release", data={"csrf": token})
    assert again.status_code == 409
    assert "already released to JPN" in again.text


@pytest.fixture(scope="module")
def holding_id(sites: dict[str, Site]) -> str:
    """A FLASH item published and released on KOR, received in-process by JPN."""
    draft = publishing.Draft(
        title="DPRK launch track",
        level="군사II급비밀",
        releasable_to=("JPN",),
        purpose="missile-warning",
        precedence="FLASH",
        content=TRACK.encode(),
    )
    return held_by(sites["KOR"].node, sites["JPN"].node, draft).holding_id


def test_an_admins_item_page_shows_the_transfers_refused_in_place(
    sites: dict[str, Site], holding_id: str
) -> None:
    """The node keeps transfers from an administrator (R17); the page says so where they
    would be, and opening the page is no request to log."""
    kor = sites["KOR"].node
    with kor.engine.begin() as conn:
        item_id, purpose = conn.execute(
            select(items.c.id, items.c.purpose).order_by(items.c.created_at)
        ).first()  # type: ignore[misc]
        # Cleared with need-to-know: the item is theirs to see, its transfers are not.
        record = UserRecord(
            "lee", "KOR", "군사I급비밀", date(2099, 12, 31), (purpose,), ("admin",), True
        )
        add_user(conn, record, kor.clock(), kor.vault, password=PASSWORD)
    client = sites["KOR"].client()
    sign_in(client, "lee")
    page = client.get(f"/items/{item_id}")
    assert page.status_code == 200
    assert 'id="journeys-refusal"' in page.text
    assert 'data-article="Art. 6(f)"' in page.text
    assert "h-outbox" in client.get("/").text  # the dashboard opens, without the transfers


def test_the_dashboard_lists_only_what_the_person_may_see(
    sites: dict[str, Site], holding_id: str
) -> None:
    """An officer below the item sees that it is held (a redacted row, no link); a reader
    below it sees nothing of it; a cleared reader sees it in full."""
    jpn = sites["JPN"].node
    officer = UserRecord(
        "ito", "JPN", "秘", date(2099, 12, 31), ("missile-warning",), ("officer",), True
    )
    with jpn.engine.begin() as conn:
        add_user(conn, officer, jpn.clock(), jpn.vault, password=PASSWORD)
    link = f'href="/holdings/{holding_id}"'
    for name, linked, redacted in (
        ("sato", True, False),
        ("ito", False, True),
        ("suzuki", False, False),
    ):
        client = sites["JPN"].client()
        sign_in(client, name)
        page = client.get("/").text
        assert (link in page) is linked, name
        assert ('class="redacted"' in page) is redacted, name


def test_holding_shows_both_markings_top_and_bottom(
    sites: dict[str, Site], holding_id: str
) -> None:
    client = sites["JPN"].client()
    sign_in(client, "sato")
    page = client.get(f"/holdings/{holding_id}").text
    assert page.count('data-marking="極秘"') == 2
    assert page.count('data-original-marking="군사II급비밀"') == 2
    assert 'class="banner tier-secret banner-top"' in page
    assert "SECRET//REL TO JPN, KOR" in page  # the CAPCO line at the shared level
    assert "urn:gsomia:originator:KOR" in page  # the label in full


def test_cleared_reader_reads_and_the_read_is_logged(
    sites: dict[str, Site], holding_id: str
) -> None:
    client = sites["JPN"].client()
    token = sign_in(client, "sato")
    answer = client.post(f"/holdings/{holding_id}/read", data={"csrf": token})
    assert answer.status_code == 200
    assert TRACK in answer.text
    assert "sato" in answer.text  # the decision row


def test_reader_cleared_below_is_refused_with_reason_and_article(
    sites: dict[str, Site], holding_id: str
) -> None:
    client = sites["JPN"].client()
    token = sign_in(client, "suzuki")
    answer = client.post(f"/holdings/{holding_id}/read", data={"csrf": token})
    assert answer.status_code == 403
    assert TRACK not in answer.text
    # Refused with the reason and the article; the holding's page (its title, its markings)
    # is not shown to one who may not read it.
    assert 'id="error-message"' in answer.text
    # In suzuki's language, by the reason's code; the log's English sentence in its title.
    assert 'data-reason="clearance_below_holding"' in answer.text
    assert "資格が受領締約国の区分で保有物の等級より低い" in answer.text
    assert 'title="clearance below' in answer.text
    assert 'data-article="Art. 7.2"' in answer.text
    assert 'id="refusal-reason"' not in answer.text
    assert client.get(f"/holdings/{holding_id}").status_code == 404


def test_read_without_csrf_token_is_refused(sites: dict[str, Site], holding_id: str) -> None:
    client = sites["JPN"].client()
    sign_in(client, "sato")
    answer = client.post(f"/holdings/{holding_id}/read", data={})
    assert answer.status_code == 403
    assert TRACK not in answer.text


@pytest.mark.parametrize(
    ("nation", "name", "words"),
    [
        ("KOR", "kim", ("로그아웃", "대시보드", "협정")),
        ("JPN", "sato", ("ログアウト", "ダッシュボード", "協定")),
    ],
)
def test_each_user_sees_their_language(
    sites: dict[str, Site], nation: str, name: str, words: tuple[str, ...]
) -> None:
    client = sites[nation].client()
    sign_in(client, name)
    page = client.get("/").text
    assert f'<html lang="{"ko" if nation == "KOR" else "ja"}">' in page
    for word in words:
        assert word in page


def test_login_page_follows_accept_language(sites: dict[str, Site]) -> None:
    answer = sites["JPN"].client().get("/login", headers={"Accept-Language": "ja,en;q=0.5"})
    assert "ログイン" in answer.text


def test_agreement_page_shows_lifecycle_and_table(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    sign_in(client, "park")
    page = client.get("/agreements/KOR-JPN-2016").text
    assert "極秘 / 特定秘密" in page
    assert "군사II급비밀" in page
    assert "법제처 심사" in page  # a domestic approval step in the lifecycle
    assert client.get("/agreements/NOPE").status_code == 404


def test_agreement_page_in_japanese_says_effective_from_and_dates_as_japan_writes_them(
    sites: dict[str, Site],
) -> None:
    client = sites["JPN"].client()
    sign_in(client, "sato")
    page = client.get("/agreements/KOR-JPN-2016").text
    assert "送信元" not in page  # "from" a sender is not "from" a date (issue 16)
    assert "適用開始 2016/11/23" in page
    assert "2016-11-23" not in page


def test_agreement_page_marks_what_the_data_leaves_unconfirmed(sites: dict[str, Site]) -> None:
    """The KOR–USA text was not read: its table, term, notice and entry into force are shown
    as unconfirmed beside the facts, with the reason; KOR–JPN's Art. 4 table is not."""
    client = sites["KOR"].client()
    sign_in(client, "park")
    page = client.get("/agreements/KOR-USA-1987").text
    for part in ("table", "term", "notice", "entry_into_force", "channels"):
        assert f'data-unconfirmed="{part}"' in page, part
    assert "the 1987 text was not read" in page
    kj = client.get("/agreements/KOR-JPN-2016").text
    assert 'data-unconfirmed="table"' not in kj
    assert 'data-unconfirmed="channels"' in kj
    assert "the date was not found (section 3.2)" in kj  # JPN's cabinet decision


def test_static_files_are_served_locally(sites: dict[str, Site]) -> None:
    client = sites["KOR"].client()
    css = client.get("/static/gsomia.css")
    assert css.status_code == 200
    assert "Noto Sans CJK KR" in css.text
    assert client.get("/static/gsomia.js").status_code == 200


def test_a_script_in_a_title_is_shown_as_text(sites: dict[str, Site]) -> None:
    """XSS: a title is data, escaped on every page that shows it (item page, home)."""
    kim = sites["KOR"].client()
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    answer = _publish_form(kim, sign_in(kim, "kim"), title=hostile)
    page = kim.get(answer.headers["location"]).text  # type: ignore[attr-defined]
    for text in (page, kim.get("/").text):
        assert "<script>alert(1)" not in text
        assert "<img src=x" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_audit_page_shows_an_edited_row_as_the_log_says_and_marks_it(
    sites: dict[str, Site],
) -> None:
    node = sites["KOR"].node
    with node.engine.connect() as conn:
        row = (
            conn.execute(
                select(access_log)
                .where(access_log.c.log_index.is_not(None))
                .order_by(access_log.c.id)
            )
            .mappings()
            .first()
        )
    assert row is not None
    where = access_log.c.id == row["id"]
    with node.engine.begin() as conn:
        conn.execute(update(access_log).where(where).values(reason="nothing happened here"))
    try:
        client = sites["KOR"].client()
        sign_in(client, "park")
        page = client.get("/audit").text
        assert "nothing happened here" not in page
        assert row["reason"] in page
        assert 'class="altered" data-altered="reason"' in page
    finally:
        with node.engine.begin() as conn:
            conn.execute(update(access_log).where(where).values(reason=row["reason"]))


def test_an_undelivered_flash_is_a_banner_on_officers_pages_only(sites: dict[str, Site]) -> None:
    kor = sites["KOR"]
    stuck = outbox.Sent(
        "m-stuck", "item", "JPN", "item-stuck", 0, "queued", 3, "peer JPN has no endpoint",
        kor.node.clock(), None, None,
    )  # fmt: skip
    kor.node.undelivered = {stuck.message_id: stuck}
    try:
        officer, analyst = kor.client(), kor.client()
        sign_in(officer, "park")
        sign_in(analyst, "kim")
        page = officer.get("/").text
        assert "긴급(FLASH) 미전달" in page  # park reads Korean
        assert "item-stuck" in page
        assert "상대 노드 JPN의 주소가 없음" in page  # why, in park's language
        assert 'data-reason="peer_no_endpoint" title="peer JPN has no endpoint"' in page
        assert "item-stuck" not in analyst.get("/").text
    finally:
        kor.node.undelivered = {}


def test_a_flash_alert_waits_on_the_page_until_acknowledged(
    sites: dict[str, Site], holding_id: str
) -> None:
    sato = sites["JPN"].client()
    token = sign_in(sato, "sato")  # signed in after the item came: no live push reached them
    page = sato.get("/").text
    kept = re.search(r"data-kept='([^']*)'", page)
    assert kept is not None
    assert holding_id in [a["holding"] for a in json.loads(html.unescape(kept[1]))]
    refused = sato.post(f"/alerts/{holding_id}/ack", data={})
    assert refused.status_code == 403  # no CSRF token: nothing logged
    done = sato.post(f"/alerts/{holding_id}/ack", data={"csrf": token})
    assert done.status_code == 204
    again = re.search(r"data-kept='([^']*)'", sato.get("/").text)
    assert again is not None
    assert holding_id not in again[1]


def test_a_missing_holding_is_not_found_not_refused(sites: dict[str, Site]) -> None:
    sato = sites["JPN"].client()
    sign_in(sato, "sato")
    page = sato.get("/holdings/12345678-1234-1234-1234-123456789abc")
    assert page.status_code == 404
    assert "<h1>見つかりません</h1>" in page.text  # sato reads Japanese
    assert "拒否" not in page.text.split("<main", 1)[1]


def test_the_people_page_is_for_admins_and_in_their_language(sites: dict[str, Site]) -> None:
    kor = sites["KOR"].node
    with kor.engine.begin() as conn:
        if "choi" not in {u.name for u in list_users(conn, kor.vault)}:
            admin = UserRecord(
                "choi", "KOR", "군사III급비밀", date(2099, 1, 1), (), ("admin",), True, "ko"
            )
            add_user(conn, admin, kor.clock(), kor.vault, password=PASSWORD)
    choi, kim = sites["KOR"].client(), sites["KOR"].client()
    sign_in(choi, "choi")
    sign_in(kim, "kim")
    page = choi.get("/people")
    assert page.status_code == 200
    assert "<h1>인원</h1>" in page.text
    assert 'data-person="kim"' in page.text
    assert 'data-person="park"' in page.text
    assert 'href="/people"' in choi.get("/").text
    assert kim.get("/people").status_code == 403  # an analyst is refused (R16)
    assert 'href="/people"' not in kim.get("/").text


def test_a_refused_reader_is_offered_no_copy_translate_or_derive_form(
    sites: dict[str, Site], holding_id: str
) -> None:
    """Each of those reads the content; one refused it is offered them no more (issue 16)."""
    client = sites["JPN"].client()
    token = sign_in(client, "sato")
    forms = ('id="form-copies"', 'id="form-translate"', 'id="form-derive"')
    before = client.get(f"/holdings/{holding_id}").text
    assert all(form in before for form in forms)  # an analyst may reproduce (R29)
    answer = client.post(
        f"/holdings/{holding_id}/read", data={"csrf": token, "purpose": "press-briefing"}
    )
    assert answer.status_code == 403
    assert 'data-reason="other_purpose"' in answer.text
    assert TRACK not in answer.text
    assert not [form for form in forms if form in answer.text]


@pytest.mark.parametrize(
    "path",
    ["/items/{}", "/holdings/{}", "/holdings/{}/read", "/holdings/{}/copies", "/items/{}/release"],
)
def test_a_missing_item_or_holding_is_not_found_not_refused(
    sites: dict[str, Site], path: str
) -> None:
    client = sites["KOR"].client()
    token = sign_in(client, "park")
    where = path.format("KOR-0000-nothing")
    answer = client.post(where, data={"csrf": token}) if path.count("/") > 2 else client.get(where)
    assert answer.status_code == 404
    assert "찾을 수 없음" in answer.text  # park's "Not found", not "Refused"
    assert "거부됨" not in answer.text
