"""End to end in a real Chromium over two real node processes (KOR, JPN).

A KOR analyst publishes a FLASH item in the web form, a KOR officer releases it, the alert
appears on a JPN reader's already open page, the reader opens it and sees 極秘 with KOR's
군사II급비밀 beside it and reads it; a JPN reader cleared only 秘 is refused with the reason;
a form posted without the CSRF token is refused.

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright; no browser is downloaded.
In CI (`CI=true`) a missing Chromium fails the test; elsewhere it skips, saying why.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.web.conftest import PASSWORD, prepare_people

from gsomia.devnet import DevNet

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TRACK = "DPRK launch track 27-11: ballistic missile launched 05:57 KST from Sunan."
WAIT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
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
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    devnet = DevNet(tmp_path_factory.mktemp("browser"), ("KOR", "JPN"))
    devnet.setup()
    prepare_people(devnet)
    with devnet:
        devnet.start_all()
        yield devnet


def sign_in(browser: Browser, url: str, name: str) -> Page:
    """A fresh browser context signed in as `name`, by keyboard alone."""
    page = browser.new_context(locale="en-US").new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{url}/login")
    # The name field takes focus on arrival (autofocus); wait for it rather than race it,
    # or a slow machine types the first letters into nothing and the sign-in is refused.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'name'")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/")
    return page


def test_flash_item_from_kor_web_form_to_jpn_screens(net: DevNet, browser: Browser) -> None:
    # `net` first: the browser (and its open event streams) closes before the nodes stop.
    kor, jpn = net.nodes["KOR"].url, net.nodes["JPN"].url

    # A JPN reader cleared 極秘 has the dashboard open before anything is sent.
    sato = sign_in(browser, jpn, "sato")
    expect(sato.locator("body")).to_have_attribute("data-live", "ready")
    expect(sato.locator(".alert")).to_have_count(0)

    # 1. A KOR analyst fills in the publish form (labels name every field).
    kim = sign_in(browser, kor, "kim")
    kim.get_by_role("link", name="등록").click()
    kim.get_by_label("제목", exact=True).fill("DPRK launch track")
    kim.get_by_label("비밀등급", exact=True).select_option("군사II급비밀")
    kim.get_by_label("JPN").check()
    kim.get_by_label("목적", exact=True).fill("missile-warning")
    kim.get_by_label("우선순위", exact=True).select_option("FLASH")
    kim.get_by_label("본문", exact=True).fill(TRACK)
    kim.get_by_role("button", name="초안 제출").click()
    kim.wait_for_url(re.compile(r".*/items/KOR-.*"))
    expect(kim.locator("#item-state")).to_have_attribute("data-state", "draft")
    expect(kim.locator("#release")).to_have_count(0)  # an analyst may not release (R50)
    item_url = kim.url

    # 2. A KOR officer releases it.
    park = sign_in(browser, kor, "park")
    park.goto(item_url)
    park.locator("#release").click()
    expect(park.locator("#item-state")).to_have_attribute("data-state", "released")

    # 3. The alert appears on the JPN reader's open page, in JPN's marking, KOR's beside it.
    alert = sato.locator(".alert")
    expect(alert).to_have_count(1)
    expect(alert.locator(".alert-marking")).to_have_text("極秘")
    expect(alert).to_contain_text("군사II급비밀")
    expect(alert).to_contain_text("DPRK launch track")

    # 4. The reader opens it: 極秘 at top and bottom, 군사II급비밀 beside it; reads it.
    alert.get_by_role("link").click()
    sato.wait_for_url(re.compile(r".*/holdings/.*"))
    holding_url = sato.url
    for position in ("top", "bottom"):
        banner = sato.locator(f".banner-{position}")
        expect(banner.locator(".banner-main")).to_have_text("極秘")
        expect(banner.locator("[data-original-marking]")).to_have_text("군사II급비밀")
    expect(sato.locator(".alert")).to_have_count(1)  # it stays until acknowledged
    sato.locator("#read").click()
    expect(sato.locator("#content")).to_have_text(TRACK)
    sato.locator(".alert .ack").click()
    expect(sato.locator(".alert")).to_have_count(0)

    # 5. A JPN reader cleared only 秘 sees neither the item in the list nor its page.
    suzuki = sign_in(browser, jpn, "suzuki")
    expect(suzuki.locator("#h-inbox")).to_have_count(1)
    expect(suzuki.get_by_text("DPRK launch track")).to_have_count(0)
    suzuki.goto(holding_url)
    # "Not found" in suzuki's Japanese, by the reason's code (ADR 0099).
    expect(suzuki.locator("#error-message .reason")).to_have_attribute("data-reason", "no_holding")
    expect(suzuki.locator("#error-message")).to_contain_text("はない")
    expect(suzuki.locator("#read")).to_have_count(0)
    expect(suzuki.locator("#content")).to_have_count(0)

    # 6. A form posted without the CSRF token is refused.
    sato.evaluate(
        """(action) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            document.body.append(form);
            form.submit();
        }""",
        holding_url + "/read",
    )
    expect(sato.locator("#error-message")).to_contain_text("CSRF")
    expect(sato.locator("#content")).to_have_count(0)
