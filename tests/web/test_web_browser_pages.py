"""The pages of issue 16 in a real Chromium over two real node processes (KOR, JPN).

A KOR item reaches JPN (set up through the API). In the browser: a JPN reader refused the
content for another purpose reads the refusal in Japanese and is offered no copy, translate
or derive form; a holding that is not there is "not found"; the reader exports the inbox,
filtered, as CSV, and a reader cleared below finds no row of it in theirs; KOR's officer gives
notice of termination, and both nodes' dashboards and agreement pages say so.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.web.conftest import prepare_people
from tests.web.test_web_browser import sign_in
from tests.web.test_web_browser_control import _until, chromium, reload_until

from gsomia.devnet import DevNet
from gsomia.errors import Error

pytestmark = pytest.mark.browser
__all__ = ["chromium"]  # the shared Chromium fixture, used by name

TITLE = "Sunan launch site imagery"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    devnet = DevNet(tmp_path_factory.mktemp("browser-pages"), ("KOR", "JPN"))
    devnet.setup()
    prepare_people(devnet)
    with devnet:
        devnet.start_all()
        yield devnet


def _held_in_jpn(
    pair: DevNet, title: str, level: str, precedence: str, text: str
) -> tuple[str, dict[str, Any]]:
    """An item kim publishes for JPN and park releases: its id, and JPN's holding of it once
    sato's node holds it."""
    item_id = pair.client("KOR", "kim").publish(
        title=title,
        level=level,
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence=precedence,
        text=text,
    )
    pair.client("KOR", "park").release(item_id)
    sato_api = pair.client("JPN", "sato")
    held = _until(
        lambda: [h for h in sato_api.holdings() if h["item_id"] == item_id], "JPN's holding"
    )[0]
    return item_id, held


def test_refusal_not_found_export_and_agreement_state_in_the_browser(
    pair: DevNet, chromium: Browser
) -> None:
    kor, jpn = pair.nodes["KOR"].url, pair.nodes["JPN"].url
    park_api = pair.client("KOR", "park")
    _, held = _held_in_jpn(pair, TITLE, "군사II급비밀", "ROUTINE", "imagery 02-12")

    # 1. sato (極秘, an analyst) sees the copy, translate and derive forms; asks the content
    #    for a purpose it was not provided for, and is refused, in Japanese, without them.
    sato = sign_in(chromium, jpn, "sato")
    sato.goto(f"{jpn}/holdings/{held['id']}")
    for form in ("#form-copies", "#form-translate", "#form-derive"):
        expect(sato.locator(form)).to_have_count(1)
    sato.get_by_label("閲覧の目的（任意）").fill("press-briefing")
    sato.locator("#read").click()
    refusal = sato.locator("#refusal-reason .reason")
    expect(refusal).to_have_attribute("data-reason", "other_purpose")
    expect(refusal).to_have_text("資料が提供された目的と異なり、提供国が承認していない (R13)")
    english = (
        "purpose differs from the one the item was provided for and the originator has not "
        "approved it (R13)"
    )
    expect(refusal).to_have_attribute("title", english)  # the log's sentence
    for form in ("#form-copies", "#form-translate", "#form-derive"):
        expect(sato.locator(form)).to_have_count(0)

    # 2. A holding that is not there is "not found", not "refused".
    answer = sato.goto(f"{jpn}/holdings/{held['id'][:-4]}0000")
    assert answer is not None
    assert answer.status == 404
    expect(sato.locator("h1")).to_have_text("見つかりません")

    # 3. The inbox, filtered on the title, exported as CSV from the dashboard's link.
    sato.goto(f"{jpn}/")
    sato.get_by_label("件名の語").fill("Sunan")
    sato.get_by_role("button", name="絞り込む").click()
    with sato.expect_download() as downloading:
        sato.locator('[data-export="holdings.csv"]').click()
    exported = downloading.value
    assert exported.suggested_filename.startswith("JPN-holdings-")
    path = exported.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    assert [(r["id"], r["title"], r["marking"]) for r in rows] == [(held["id"], TITLE, "極秘")]
    # suzuki (秘) is refused it: the same export has no row of it.
    suzuki = sign_in(chromium, jpn, "suzuki")
    with suzuki.expect_download() as downloading:
        suzuki.locator('[data-export="holdings.csv"]').click()
    theirs = downloading.value.path().read_text("utf-8")
    assert held["id"] not in theirs
    assert TITLE not in theirs

    # 4. KOR's officer gives notice of termination: both dashboards say so, not "in force".
    today = datetime.now(UTC).date().isoformat()
    park_api.record_agreement_event(
        "KOR-JPN-2016", kind="termination_notice", on=today, note="note verbale", party="KOR"
    )
    park = sign_in(chromium, kor, "park")
    state = '[data-agreement="KOR-JPN-2016"] [data-agreement-state="termination_notified"]'
    line = park.locator(state)
    reload_until(park, line, "KOR's dashboard to show the notice")
    expect(line).to_have_text("종료 예정: 통보됨")
    park.goto(f"{kor}/agreements/KOR-JPN-2016")
    expect(park.locator("#agreement-state")).to_have_attribute("data-state", "termination_notified")
    jpn_line = sato.locator(state)
    sato.goto(f"{jpn}/")
    reload_until(sato, jpn_line, "JPN's node to hold KOR's notice")
    expect(jpn_line).to_have_text("終了予定: 通告済み")
    sato.goto(f"{jpn}/agreements/KOR-JPN-2016")
    expect(sato.locator("#agreement-state")).to_have_attribute("data-state", "termination_notified")


#: What a page says in a language not the reader's, as the browser sees it: a reason no code
#: fits (marked `lang`), a date as the log stores it, a citation, an act or a role as the code
#: names them.
_LEFT_IN_ENGLISH = """() => {
  const main = document.querySelector('main');
  const cells = [...main.querySelectorAll('td, .hint, p, li, dd')]
    .filter(e => !e.closest('[data-agreement-events]'))
    .map(e => e.innerText);
  return {
    lang: document.documentElement.lang,
    reasons: [...main.querySelectorAll('.reason[lang]')].map(e => e.innerText),
    // An identifier may hold a date (a policy's URN): it is a name, not a date to read.
    dates: cells.filter(text => /\\b\\d{4}-\\d{2}-\\d{2}\\b/.test(text.replace(/urn:\\S+/g, ''))),
    articles: [...main.querySelectorAll('[data-article^="Art."]')]
      .filter(e => e.innerText.includes('Art.')).map(e => e.innerText),
    acts: [...main.querySelectorAll('[data-action]')]
      .filter(e => ['publish', 'release', 'read'].includes(e.dataset.action)
                   && e.innerText === e.dataset.action).map(e => e.innerText),
    who: (document.querySelector('.who') || {innerText: ''}).innerText,
  };
}"""


def _in_language(page: Page, language: str) -> None:
    said = page.evaluate(_LEFT_IN_ENGLISH)
    where = page.url
    assert said["lang"] == language, where
    assert said["reasons"] == [], (where, said["reasons"])
    assert said["dates"] == [], (where, said["dates"])
    assert said["articles"] == [], (where, said["articles"])
    assert said["acts"] == [], (where, said["acts"])
    for role in ("analyst", "officer", "auditor", "admin"):
        assert role not in said["who"], (where, said["who"])


def test_every_page_speaks_the_readers_language_in_the_browser(
    pair: DevNet, chromium: Browser
) -> None:
    kor, jpn = pair.nodes["KOR"].url, pair.nodes["JPN"].url
    item_id, held = _held_in_jpn(
        pair, "Sohae engine test imagery", "군사III급비밀", "PRIORITY", "imagery 03-12"
    )
    sato_api = pair.client("JPN", "sato")
    with contextlib.suppress(Error):  # refused: another purpose (R13), logged in English
        sato_api.read(held["id"], purpose="press-briefing")

    walks = {
        (kor, "park", "ko"): [
            "/",
            f"/items/{item_id}",
            "/audit",
            "/control",
            "/agreements/KOR-JPN-2016",
        ],
        (kor, "kim", "ko"): ["/", "/items/new", "/audit", "/control"],
        (jpn, "sato", "ja"): [
            "/",
            f"/holdings/{held['id']}",
            "/control",
            "/agreements/KOR-JPN-2016",
        ],
        (jpn, "tanaka", "ja"): ["/", f"/holdings/{held['id']}", "/audit", "/control"],
    }
    for (url, name, language), paths in walks.items():
        page = sign_in(chromium, url, name)  # a browser that asks for English
        for path in paths:
            page.goto(url + path)
            _in_language(page, language)
        # Not found, then signed out: still the reader's language, not the browser's.
        page.goto(f"{url}/holdings/{held['id'][:-4]}0000")
        _in_language(page, language)
        page.locator("#logout button").click()
        page.wait_for_url(f"{url}/login")
        assert page.evaluate("document.documentElement.lang") == language
        page.goto(f"{url}/audit")
        assert page.evaluate("document.documentElement.lang") == language


def _refused_in_language(page: Page, where: str, code: str, words: str, language: str) -> None:
    """The form's error, said by its code in the reader's words (no `lang` of its own: it is
    not English on this page), with the log's English in its title."""
    said = page.locator(f"{where} .reason")
    expect(said).to_have_attribute("data-reason", code)
    expect(said).to_contain_text(words)
    assert said.get_attribute("lang") is None, (code, said.inner_text())
    _in_language(page, language)


def test_form_errors_are_said_in_the_readers_language_in_the_browser(
    pair: DevNet, chromium: Browser
) -> None:
    """ADR 0135: what a form is refused for (an `InputError` of the node or the core, not a
    treaty decision) is said in Korean and Japanese like the refusals, on the page the form
    came back to."""
    kor, jpn = pair.nodes["KOR"].url, pair.nodes["JPN"].url
    item_id, held = _held_in_jpn(
        pair, "Tonghae launch pad imagery", "군사III급비밀", "ROUTINE", "imagery 04-12"
    )
    sato_api = pair.client("JPN", "sato")

    # 1. kim publishes for a purpose no one on KOR's node has a need-to-know for: the publish
    #    form comes back with the node's refusal in Korean.
    kim = sign_in(chromium, kor, "kim")
    kim.goto(f"{kor}/items/new")
    kim.locator("#title").fill("Sinpo pier imagery")
    kim.locator("#rel-JPN").check()
    kim.locator("#purpose").fill("press-briefing")
    kim.locator("#submit").click()
    _refused_in_language(
        kim, "#error-message", "no_need_to_know_here", "알 필요가 있는 사람이 없음", "ko"
    )

    # 2. park asks for a visit that ends before it starts: the control page says why in Korean.
    park = sign_in(chromium, kor, "park")
    park.goto(f"{kor}/control")
    today = datetime.now(UTC).date()
    park.locator("#visit-host").select_option("JPN")
    park.locator("#visit-visitors").fill("kim")
    park.locator("#visit-facility").fill("Yokosuka")
    park.locator("#visit-subject").fill("radar data handling")
    park.locator("#visit-start").fill((today + timedelta(days=60)).isoformat())
    park.locator("#visit-end").fill((today + timedelta(days=50)).isoformat())
    park.locator("#request-visit").click()
    _refused_in_language(park, "#action-refusal-reason", "visit_span", "1년 이내에 끝나야 함", "ko")

    # 3. tanaka, JPN's officer, names a witness longer than a name may be: the holding's page
    #    says so in Japanese, and nothing is destroyed.
    tanaka = sign_in(chromium, jpn, "tanaka")
    tanaka.goto(f"{jpn}/holdings/{held['id']}")
    tanaka.locator("#destroy-witnesses").fill("w" * 101)
    tanaka.locator("#destroy").click()
    _refused_in_language(
        tanaka, "#action-refusal-reason", "destruction_names_length", "100文字以内", "ja"
    )
    assert [h["id"] for h in sato_api.holdings() if h["item_id"] == item_id] == [held["id"]]
