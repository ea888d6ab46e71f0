"""The originator stays in control, in a real Chromium over three real node processes.

A KOR item reaches JPN (set up through the API). Then, in the browser only: JPN's officer asks
KOR's consent to give it to the USA; KOR's officer grants it on the control page; JPN's officer
passes it on; KOR sees the chain KOR → JPN → USA drawn on the item page; KOR's officer
downgrades the item and sees JPN and the USA acknowledge; a JPN analyst reports a possible
compromise and KOR's control page lists it; a KOR analyst who posts a grant anyway is refused
with the article, on screen, as an alert.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from tests.web.conftest import prepare_people
from tests.web.test_web_browser import CHROMIUM, CHROMIUM_ARGS, sign_in

from gsomia.devnet import DevNet

pytestmark = pytest.mark.browser

NOTE = "printout of the track left in meeting room 3"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM}: `apt-get install chromium fonts-noto-cjk`"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run the browser tests)")
        pytest.skip(message)
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield found
        found.close()


@pytest.fixture(scope="module")
def net3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    devnet = DevNet(tmp_path_factory.mktemp("browser-control"), ("KOR", "JPN", "USA"))
    devnet.setup()
    prepare_people(devnet)
    with devnet:
        devnet.start_all()
        yield devnet


def _until(condition: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.3)
    return value


def reload_until(page: Page, locator: Locator, what: str, timeout: float = 30) -> None:
    """Reload `page` until `locator` shows (the nodes deliver in the background)."""

    def shown() -> bool:
        if locator.count():
            return True
        page.reload()
        return bool(locator.count())

    _until(shown, what, timeout)


def test_consent_onward_downgrade_and_compromise_in_the_browser(
    net3: DevNet, chromium: Browser
) -> None:
    kor, jpn = net3.nodes["KOR"].url, net3.nodes["JPN"].url
    kim_api, park_api = net3.client("KOR", "kim"), net3.client("KOR", "park")
    tanaka_api, jones_api = net3.client("JPN", "tanaka"), net3.client("USA", "jones")
    item_id = kim_api.publish(
        title="DPRK launch track",
        level="군사II급비밀",
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence="ROUTINE",
        text="track 27-11",
    )
    park_api.release(item_id)
    held = _until(
        lambda: [h for h in tanaka_api.holdings() if h["item_id"] == item_id], "JPN's holding"
    )[0]

    # 1. JPN's officer asks KOR's consent for the USA, on the holding page (in Japanese).
    tanaka = sign_in(chromium, jpn, "tanaka")
    tanaka.goto(f"{jpn}/holdings/{held['id']}")
    form = tanaka.locator("#form-consent")
    form.get_by_label("第三国").select_option("USA")
    form.get_by_label("目的").fill("allied missile defence")
    form.get_by_label("期限").fill("2099-01-01")
    tanaka.locator("#ask-consent").click()
    expect(tanaka.locator("#done")).to_have_attribute("data-done", "consent_requested")
    row = tanaka.locator("#holding-consents tr[data-consent]")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "requested")
    case_id = row.get_attribute("data-consent")
    assert case_id

    # 2. KOR's officer sees it on the control page (in Korean) and grants it.
    park = sign_in(chromium, kor, "park")
    park.goto(f"{kor}/control")
    request = park.locator(f'#consents tr[data-consent="{case_id}"]')
    reload_until(park, request, "KOR to receive the consent request")
    request.get_by_role("button", name="동의", exact=False).first.click()
    expect(park.locator("#done")).to_have_attribute("data-done", "consent_granted")
    expect(request.locator("[data-status]")).to_have_attribute("data-status", "granted")

    # 3. JPN's officer passes it on to the USA with that consent.
    choice = tanaka.locator(f'#onward-consent option[value="{case_id}"]')
    reload_until(tanaka, choice, "JPN to hold the signed consent")
    tanaka.locator("#onward-consent").select_option(case_id)
    tanaka.locator("#onward-to").select_option("USA")
    tanaka.locator("#pass-on").click()
    expect(tanaka.locator("#done")).to_have_attribute("data-done", "onward_sent")
    at_usa = _until(
        lambda: [h for h in jones_api.holdings() if h["item_id"] == item_id], "USA's holding"
    )[0]
    assert (at_usa["marking"], at_usa["sender"]) == ("SECRET", "JPN")

    # 4. KOR sees the chain as a picture: KOR → JPN → USA, the last arrow with the consent.
    park.goto(f"{kor}/items/{item_id}")
    onward = park.locator('svg.chain g[data-from="JPN"][data-to="USA"]')
    reload_until(park, onward, "KOR to learn of the onward transfer")
    expect(onward).to_have_attribute("data-consent", case_id)
    expect(onward.locator(".chain-marking")).to_have_text("SECRET")
    expect(park.locator('svg.chain g[data-from="KOR"][data-to="JPN"]')).to_have_count(1)
    expect(park.locator("svg.chain")).to_have_attribute("role", "img")

    # 5. KOR's officer downgrades the item; JPN and the USA acknowledge.
    park.locator("#change").select_option("downgrade")
    park.locator("#new-level").select_option("군사III급비밀")
    park.locator("#reclassify").click()
    expect(park.locator("#done")).to_have_attribute("data-done", "reclassified")
    for holder in ("JPN", "USA"):
        ack = park.locator(f'#item-notices .ack[data-holder="{holder}"]')
        reload_until(park, ack, f"{holder} to acknowledge the downgrade")
    expect(park.locator("#item-level")).to_have_text("군사III급비밀")

    # 6. A JPN analyst reports a possible compromise; KOR's control page lists it.
    sato = sign_in(chromium, jpn, "sato")
    sato.goto(f"{jpn}/holdings/{held['id']}")
    expect(sato.locator("#form-consent")).to_have_count(0)  # not an analyst's act
    sato.get_by_label("経緯").fill(NOTE)
    sato.locator("#report-compromise").click()
    sato.wait_for_url(re.compile(r".*/control\?done=compromise_reported.*"))
    expect(sato.locator("#compromises")).to_contain_text(NOTE)
    park.goto(f"{kor}/control")
    reported = park.locator("#compromises tr", has_text=NOTE)
    reload_until(park, reported, "KOR to be notified of the compromise")
    expect(reported.locator("[data-within-sla]")).to_have_attribute("data-within-sla", "true")

    # 7. A KOR analyst has no grant button; a grant posted anyway is refused, with the article.
    kim = sign_in(chromium, kor, "kim")
    kim.goto(f"{kor}/control")
    expect(kim.locator("#consents button.grant")).to_have_count(0)
    kim.evaluate(
        """(action) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            const token = document.querySelector('input[name="csrf"]').cloneNode();
            form.append(token);
            document.body.append(form);
            form.submit();
        }""",
        f"{kor}/consents/{case_id}/grant",
    )
    alert = kim.get_by_role("alert")
    expect(alert).to_contain_text("kim")
    cited = kim.locator("#action-refusal-article")
    expect(cited).to_have_attribute("data-article", "Art. 5 or 6(a)-(c), UNCONFIRMED")
    expect(cited).to_have_text("제5조 또는 제6조(a)-(c), 미확인")  # as kim's language cites it

    # 8. JPN's officer asks KOR to approve a new purpose; KOR's officer approves it on the
    #    control page; a JPN analyst then reads the holding for that purpose (R13).
    tanaka.goto(f"{jpn}/holdings/{held['id']}")
    tanaka.locator("#form-purpose").get_by_label("新たな目的").fill("exercise planning")
    tanaka.locator("#ask-purpose").click()
    expect(tanaka.locator("#done")).to_have_attribute("data-done", "purpose_requested")
    park.goto(f"{kor}/control")
    asked = park.locator("#purposes tr[data-purpose]", has_text="exercise planning")
    reload_until(park, asked, "KOR to receive the purpose request")
    asked.get_by_role("button", name="승인").click()
    expect(park.locator("#done")).to_have_attribute("data-done", "purpose_approved")
    approved = tanaka.locator('#holding-purposes [data-status="approved"]')
    reload_until(tanaka, approved, "JPN to hold the signed approval")
    sato.goto(f"{jpn}/holdings/{held['id']}")
    sato.get_by_label("閲覧の目的（任意）").fill("exercise planning")
    sato.locator("#read").click()
    expect(sato.locator("#content")).to_contain_text("track 27-11")
