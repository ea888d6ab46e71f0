"""`make screenshots`: the web pages with the demo's real data, saved to docs/screenshots/.

Starts the demo's KOR, JPN and USA nodes (DevNet), opens a JPN reader's dashboard, runs the
demo story (a FLASH launch track from KOR to JPN), then photographs the main pages in Debian's
Chromium: Korean pages for the KOR people, Japanese for the JPN people.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import update

from gsomia.cli.app import console, err_console
from gsomia.demo.audit import audit
from gsomia.demo.control import originator_in_control
from gsomia.demo.delivery import delivery
from gsomia.demo.story import Story
from gsomia.devnet import DevNet
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.store.tables import users
from gsomia.store.users import set_password

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "screenshots only, never a real one"  # noqa: S105 - throwaway demo nodes
LANGUAGE = {"KOR": "ko", "JPN": "ja", "USA": "en"}


def prepare(net: DevNet) -> None:
    for proc in net.nodes.values():
        node = assemble(load_home(proc.home, net.passphrase))  # as `serve` builds it
        with node.engine.begin() as conn:
            for name, *_ in net.cast.get(proc.nation, ()):
                set_password(conn, name, PASSWORD)
                conn.execute(
                    update(users).where(users.c.name == name).values(language=LANGUAGE[proc.nation])
                )
        node.engine.dispose()


def sign_in(browser: Browser, url: str, name: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(f"{url}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


def shot(page: Page, name: str, *, full: bool = False) -> None:
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    console.print(f"  saved {path.relative_to(OUT.parent.parent)}")


def control(net: DevNet, story: Story, held: tuple[str, str], park: Page, tanaka: Page) -> bool:
    """Steps 6-10 (consent to USA, a downgrade, a compromise report, termination notice, the
    logs), then the pages where the originator stays in control."""
    item_id, holding_id = held
    originator_in_control(net, story, item_id, holding_id)
    if not audit(net, story).passed:
        err_console.print("the demo story failed; see above")
        return False
    kor, jpn = net.nodes["KOR"].url, net.nodes["JPN"].url
    park.goto(f"{kor}/items/{item_id}")
    shot(park, "10-kor-item-chain-of-custody-ko", full=True)
    park.goto(f"{kor}/control")
    shot(park, "11-kor-control-ko", full=True)
    tanaka.goto(f"{jpn}/holdings/{holding_id}")
    shot(tanaka, "12-jpn-holding-custody-ja", full=True)
    return True


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with DevNet(Path(tempfile.mkdtemp(prefix="gsomia-shots-"))) as net:
        net.setup()
        prepare(net)
        net.start_all()
        kor, jpn = net.nodes["KOR"].url, net.nodes["JPN"].url
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            login = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
            login.goto(f"{jpn}/login")
            shot(login, "01-login-ja")
            sato = sign_in(browser, jpn, "sato")
            sato.wait_for_selector("body[data-live=ready]")

            story = Story()  # the demo's steps 1-5: publish, release, deliver, read, refuse
            item_id, holding_id = delivery(net, story)
            if not story.passed:
                err_console.print("the demo story failed; see above")
                return 1
            # A second item waits for release, so the officer's queue is not empty.
            net.client("KOR", "kim").publish(
                title="SLBM test-site imagery, Sinpo",
                level="군사III급비밀",
                releasable_to=["JPN"],
                purpose="missile-warning",
                precedence="PRIORITY",
                text="Imagery summary: barge and support vessels at the Sinpo yard.",
            )

            sato.wait_for_selector(".alert")  # pushed to the page opened before the release
            sato.reload()  # the alert stays until acknowledged; the inbox now lists the item
            sato.wait_for_selector(".alert")
            shot(sato, "02-jpn-dashboard-flash-alert-ja", full=True)
            sato.locator(".alert a").first.click()
            sato.wait_for_url("**/holdings/**")
            sato.click("#read")
            sato.wait_for_selector("#content")
            shot(sato, "03-jpn-holding-read-ja", full=True)

            # A reader cleared below sees no page of it at all: "not found", not its title.
            suzuki = sign_in(browser, jpn, "suzuki")
            suzuki.goto(sato.url.rsplit("/read", 1)[0])
            suzuki.wait_for_selector("#error-message")
            shot(suzuki, "04-jpn-holding-refused-ja")

            park = sign_in(browser, kor, "park")
            shot(park, "05-kor-officer-dashboard-ko", full=True)
            park.locator("a[href^='/items/KOR-']").last.click()
            park.wait_for_url("**/items/**")
            shot(park, "06-kor-item-released-ko", full=True)

            kim = sign_in(browser, kor, "kim")
            kim.goto(f"{kor}/items/new")
            shot(kim, "07-kor-publish-form-ko", full=True)

            tanaka = sign_in(browser, jpn, "tanaka")
            tanaka.goto(f"{jpn}/agreements/KOR-JPN-2016")
            shot(tanaka, "08-jpn-agreement-ja", full=True)
            tanaka.goto(f"{jpn}/audit")
            shot(tanaka, "09-jpn-audit-ja")

            if not control(net, story, (item_id, holding_id), park, tanaka):
                return 1
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
