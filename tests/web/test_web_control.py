"""The control pages in-process (issue 5): consent, onward release, classification changes,
copies, destruction, compromise cases, the chain picture; each refusal shown with its article.

Three nodes (KOR, JPN, USA) in one process; messages are handed from outbox to receiver as the
delivery worker would (`deliver`), so the pages see what real nodes would show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.node.node_fixtures import batch_of
from tests.web.conftest import Site, csrf_of, prepare_people, sign_in

from gsomia.app import create_app
from gsomia.devnet import DevNet
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.node import publish as publishing
from gsomia.node import receive
from gsomia.node import release as releasing
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.store.tables import access_log, holdings
from gsomia.store.users import get_user

TRACK = "DPRK launch track 27-11: launched 05:57 KST from Sunan."


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    workdir: Path = tmp_path_factory.mktemp("web-control")
    net = DevNet(workdir, ("KOR", "JPN", "USA"))
    net.setup()
    prepare_people(net)
    found = {}
    for nation, proc in net.nodes.items():
        node = assemble(load_home(proc.home, net.passphrase))
        node.migrate()
        found[nation] = Site(node, create_app(node, run_worker=False))
    yield found
    for site in found.values():
        site.node.engine.dispose()


def deliver(sites: dict[str, Site], rounds: int = 10) -> None:
    """Hand every due message to its receiver and settle the answers, until none is due."""
    for _ in range(rounds):
        moved = 0
        for sender, site in sites.items():
            node = site.node
            with node.engine.begin() as conn:
                due = outbox.due(conn, node.clock(), 10_000)
            for peer in sorted({p.peer for p in due} & set(sites)):
                rows = [p for p in due if p.peer == peer]
                document, _ = receive.receive_batch(
                    sites[peer].node,
                    sender,
                    batch_of(node, sites[peer].node, rows),
                )
                answers = verify_answers(document, signer=sites[peer].node.card)
                node.worker.settle(peer, rows, answers)
                moved += len(rows)
        if not moved:
            return
    raise AssertionError("messages still flowing")


def provide(sites: dict[str, Site], title: str = "DPRK launch track") -> tuple[str, str]:
    """A KOR item released to JPN and received there: (item id, JPN holding id)."""
    kor = sites["KOR"].node
    with kor.engine.connect() as conn:
        kim, park = get_user(conn, "kim", kor.vault), get_user(conn, "park", kor.vault)
    draft = publishing.Draft(
        title=title,
        level="군사II급비밀",
        releasable_to=("JPN",),
        purpose="missile-warning",
        precedence="FLASH",
        content=TRACK.encode(),
    )
    item_id = publishing.publish(kor, kim, draft)
    releasing.release(kor, park, item_id)
    deliver(sites)
    with sites["JPN"].node.engine.connect() as conn:
        holding_id = conn.execute(
            select(holdings.c.id).where(holdings.c.item_id == item_id)
        ).scalar_one()
    return item_id, holding_id


def client(site: Site, name: str) -> tuple[TestClient, str]:
    found = site.client()
    return found, sign_in(found, name)


def _refusals(site: Site, actor: str, action: str) -> int:
    with site.node.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(access_log)
                .where(
                    access_log.c.actor == actor,
                    access_log.c.action == action,
                    access_log.c.allowed.is_(False),
                )
            ).scalar_one()
        )


# Consent, onward release, the chain picture ---------------------------------------------------


def test_consent_asked_granted_and_used_through_the_pages(three: dict[str, Site]) -> None:
    item_id, holding_id = provide(three)
    tanaka, token = client(three["JPN"], "tanaka")
    page = tanaka.get(f"/holdings/{holding_id}").text
    assert 'id="form-consent"' in page
    assert 'id="form-onward"' in page
    assert '<label for="consent-recipient">' in page

    asked = tanaka.post(
        f"/holdings/{holding_id}/consent",
        data={
            "csrf": token,
            "recipient": "USA",
            "purpose": "allied missile defence",
            "until": "2099-01-01",
        },
    )
    assert asked.status_code == 200
    assert 'id="done"' in asked.text
    assert 'data-status="requested"' in asked.text
    deliver(three)

    park, park_token = client(three["KOR"], "park")
    control = park.get("/control").text
    case_id = re.search(r'data-consent="([0-9a-f]{32})" data-role="originator"', control)
    assert case_id, "KOR's control page lists the request with the officer's buttons"
    assert f'action="/consents/{case_id[1]}/grant"' in control
    granted = park.post(f"/consents/{case_id[1]}/grant", data={"csrf": park_token})
    assert granted.status_code == 200
    assert 'data-done="consent_granted"' in granted.text
    deliver(three)

    page = tanaka.get(f"/holdings/{holding_id}").text
    assert f'<option value="{case_id[1]}" data-recipient="USA">' in page
    sent = tanaka.post(
        f"/holdings/{holding_id}/onward",
        data={"csrf": token, "to": "USA", "consent_id": case_id[1]},
    )
    assert sent.status_code == 200, sent.text
    assert 'data-done="onward_sent"' in sent.text
    deliver(three)

    item_page = park.get(f"/items/{item_id}").text
    assert '<svg class="chain" role="img"' in item_page
    assert 'data-from="KOR" data-to="JPN"' in item_page
    assert f'data-from="JPN" data-to="USA" data-consent="{case_id[1]}"' in item_page
    assert "SECRET" in item_page  # the marking the USA gave it, on the arrow
    assert 'data-path="KOR&gt;JPN&gt;USA"' in item_page


def test_onward_without_consent_is_refused_with_the_article(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "no consent yet")
    tanaka, token = client(three["JPN"], "tanaka")
    answer = tanaka.post(
        f"/holdings/{holding_id}/onward", data={"csrf": token, "to": "USA", "consent_id": ""}
    )
    assert answer.status_code == 403
    assert 'role="alert" id="action-refusal"' in answer.text
    assert (
        'id="action-refusal-article" data-article="Art. 5 or 6(a)-(c), UNCONFIRMED"' in answer.text
    )


def test_an_analyst_cannot_grant_and_is_told_the_article(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "analyst grant")
    tanaka, token = client(three["JPN"], "tanaka")
    tanaka.post(
        f"/holdings/{holding_id}/consent",
        data={"csrf": token, "recipient": "USA", "purpose": "p", "until": "2099-01-01"},
    )
    deliver(three)
    park, _ = client(three["KOR"], "park")
    listed = park.get("/control").text
    case_id = re.findall(r'data-consent="([0-9a-f]{32})" data-role="originator"', listed)[0]
    kim, kim_token = client(three["KOR"], "kim")
    control = kim.get("/control").text
    assert "/grant" not in control  # no button for an analyst, nor the case itself ...
    assert case_id not in control
    before = _refusals(three["KOR"], "kim", "decide_consent")
    answer = kim.post(f"/consents/{case_id}/grant", data={"csrf": kim_token})
    assert answer.status_code == 403  # ... and the node refuses the form posted anyway
    assert (
        'id="action-refusal-article" data-article="Art. 5 or 6(a)-(c), UNCONFIRMED"' in answer.text
    )
    assert _refusals(three["KOR"], "kim", "decide_consent") == before + 1


def test_grant_without_csrf_token_is_refused(three: dict[str, Site]) -> None:
    park, _ = client(three["KOR"], "park")
    answer = park.post("/consents/whatever/grant", data={})
    assert answer.status_code == 403
    assert "CSRF" in answer.text


def test_an_analyst_sees_no_officer_forms_on_the_holding(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "analyst view")
    sato, token = client(three["JPN"], "sato")
    page = sato.get(f"/holdings/{holding_id}").text
    for form in ("form-consent", "form-onward", "form-destroy", "form-return"):
        assert f'id="{form}"' not in page
    assert 'id="form-compromise"' in page
    assert 'id="form-copies"' in page
    answer = sato.post(
        f"/holdings/{holding_id}/consent",
        data={"csrf": token, "recipient": "USA", "purpose": "p", "until": "2099-01-01"},
    )
    assert answer.status_code == 403
    assert (
        'id="action-refusal-article" data-article="Art. 5 or 6(a)-(c), UNCONFIRMED"' in answer.text
    )


def test_bad_date_is_an_input_error_shown_in_place(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "bad date")
    tanaka, token = client(three["JPN"], "tanaka")
    answer = tanaka.post(
        f"/holdings/{holding_id}/consent",
        data={"csrf": token, "recipient": "USA", "purpose": "p", "until": "someday"},
    )
    assert answer.status_code == 400
    assert "is not a date" in answer.text


# Classification changes ------------------------------------------------------------------------


def test_downgrade_on_the_item_page_reaches_the_holder_and_is_acknowledged(
    three: dict[str, Site],
) -> None:
    item_id, _holding_id = provide(three, "to downgrade")
    park, token = client(three["KOR"], "park")
    page = park.get(f"/items/{item_id}").text
    assert 'id="form-reclassify"' in page
    assert '<label for="new-level">' in page
    answer = park.post(
        f"/items/{item_id}/classification",
        data={"csrf": token, "change": "downgrade", "level": "군사III급비밀"},
    )
    assert answer.status_code == 200, answer.text
    assert '<span class="owed" data-holder="JPN">' in answer.text
    deliver(three)
    page = park.get(f"/items/{item_id}").text
    assert '<span class="ack" data-holder="JPN">' in page
    assert 'id="item-level" lang="ko">군사III급비밀<' in page
    jpn = client(three["JPN"], "tanaka")[0].get("/control").text
    assert "군사II급비밀 → 군사III급비밀" in jpn


def test_a_holder_cannot_reclassify_and_the_wrong_change_is_explained(
    three: dict[str, Site],
) -> None:
    item_id, _ = provide(three, "wrong change")
    park, token = client(three["KOR"], "park")
    answer = park.post(
        f"/items/{item_id}/classification",
        data={"csrf": token, "change": "upgrade", "level": "군사III급비밀"},
    )
    assert answer.status_code == 400
    assert "is a downgrade, not a upgrade" in answer.text
    kim, kim_token = client(three["KOR"], "kim")
    assert 'id="form-reclassify"' not in kim.get(f"/items/{item_id}").text
    refused = kim.post(
        f"/items/{item_id}/classification",
        data={"csrf": kim_token, "change": "downgrade", "level": "군사III급비밀"},
    )
    assert refused.status_code == 403
    assert 'id="action-refusal-article" data-article="Art. 6(g)"' in refused.text


# Custody: copies, destruction ------------------------------------------------------------------


def test_copies_then_destruction_leave_nothing_readable(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "to destroy")
    sato, sato_token = client(three["JPN"], "sato")
    made = sato.post(f"/holdings/{holding_id}/copies", data={"csrf": sato_token, "count": "2"})
    assert made.status_code == 200
    assert made.text.count("data-copy=") == 2

    tanaka, token = client(three["JPN"], "tanaka")
    alone = tanaka.post(
        f"/holdings/{holding_id}/destroy",
        data={"csrf": token, "method": "burning", "officials": "tanaka", "witnesses": "suzuki"},
    )
    assert alone.status_code == 403  # 極秘 needs two officials
    assert 'id="action-refusal-article" data-article="Art. 13"' in alone.text
    two = {"csrf": token, "method": "burning", "officials": "tanaka, sato", "witnesses": "suzuki"}
    blocked = tanaka.post(f"/holdings/{holding_id}/destroy", data=two)
    assert blocked.status_code == 403  # the copies must be disposed of too (R32)
    assert 'id="action-refusal"' in blocked.text
    done = tanaka.post(f"/holdings/{holding_id}/destroy", data={**two, "dispose_dependants": "yes"})
    assert done.status_code == 200, done.text
    assert 'data-state="destroyed"' in done.text
    assert 'id="gone"' in done.text
    assert 'id="read"' not in done.text
    assert 'id="form-destroy"' not in done.text
    assert "burning" in done.text
    assert "suzuki" in done.text
    read = sato.post(f"/holdings/{holding_id}/read", data={"csrf": sato_token})
    assert read.status_code == 403
    assert TRACK not in read.text


# Compromise ------------------------------------------------------------------------------------


def test_an_analyst_reports_a_compromise_and_the_originator_lists_it(
    three: dict[str, Site],
) -> None:
    _, holding_id = provide(three, "lost")
    sato, token = client(three["JPN"], "sato")
    answer = sato.post(
        f"/holdings/{holding_id}/compromise",
        data={"csrf": token, "description": "printout left in a meeting room", "actual": "no"},
    )
    assert answer.status_code == 200
    assert 'data-done="compromise_reported"' in answer.text
    assert "printout left in a meeting room" in answer.text
    deliver(three)
    park, _ = client(three["KOR"], "park")
    control = park.get("/control").text
    assert "printout left in a meeting room" in control
    assert re.search(r'data-within-sla="true"', control)
    tanaka, t_token = client(three["JPN"], "tanaka")
    case_id = re.findall(r'data-case="([^"]+)" data-side="holder"', tanaka.get("/control").text)[0]
    early = tanaka.post(f"/compromises/{case_id}/close", data={"csrf": t_token})
    assert early.status_code == 403  # not before the findings reached the originator
    assert 'id="action-refusal-article" data-article="Art. 17"' in early.text
    sent = tanaka.post(
        f"/compromises/{case_id}/findings",
        data={"csrf": t_token, "result": "no copy left the room", "measures": "clean desk"},
    )
    assert sent.status_code == 200
    deliver(three)
    closed = tanaka.post(f"/compromises/{case_id}/close", data={"csrf": t_token})
    assert closed.status_code == 200, closed.text
    assert 'data-done="case_closed"' in closed.text


def test_empty_compromise_report_is_refused_in_place(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "empty report")
    sato, token = client(three["JPN"], "sato")
    answer = sato.post(f"/holdings/{holding_id}/compromise", data={"csrf": token})
    assert answer.status_code == 400
    assert 'id="action-refusal"' in answer.text


# Pages, languages ------------------------------------------------------------------------------


def test_control_page_is_linked_and_speaks_each_language(three: dict[str, Site]) -> None:
    for nation, name, word in (("KOR", "park", "통제"), ("JPN", "tanaka", "管理")):
        found, _ = client(three[nation], name)
        home = found.get("/").text
        assert 'href="/control"' in home
        page = found.get("/control").text
        assert f"<h1>{word}</h1>" in page
        assert 'id="h-visits"' in page
    smith, _ = client(three["USA"], "smith")
    page = smith.get("/control").text
    assert "<h1>Control</h1>" in page
    assert 'id="visits-refusal"' in page  # visits are for security officers (Art. 8)


def test_control_page_needs_a_session(three: dict[str, Site]) -> None:
    answer = three["KOR"].client().get("/control", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"


def test_done_shows_only_known_confirmations(three: dict[str, Site]) -> None:
    park, _ = client(three["KOR"], "park")
    assert 'id="done"' not in park.get("/control?done=<script>").text
    assert 'data-done="case_closed"' in park.get("/control?done=case_closed").text


def test_every_message_key_is_translated() -> None:
    files = resources.files("gsomia.web").joinpath("messages")
    keys = {
        lang: set(json.loads(files.joinpath(f"{lang}.json").read_text("utf-8")))
        for lang in ("en", "ko", "ja")
    }
    assert keys["en"] == keys["ko"] == keys["ja"]


def test_csrf_field_on_every_control_form(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "forms")
    tanaka, _ = client(three["JPN"], "tanaka")
    page = tanaka.get(f"/holdings/{holding_id}").text
    forms = re.findall(r'<form method="post".*?</form>', page, flags=re.S)
    assert len(forms) >= 6
    for form in forms:
        assert csrf_of(form)
