"""The casework pages in-process: translations, derivatives, new purposes and reading for them,
the hub, visit requests and disputes; each allowed, each refused in place with its article.

Three nodes (KOR, JPN, USA) in one process, messages handed over as the worker would
(`deliver` from test_web_control). The cast: kim (KOR analyst), park (KOR officer), sato and
suzuki (JPN analysts, 極秘 and 秘), tanaka (JPN officer, 機密), smith / jones (USA).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.conftest import Site, csrf_of, prepare_people
from tests.web.test_web_control import TRACK, client, deliver

from gsomia.app import create_app
from gsomia.devnet import DevNet
from gsomia.node import publish as publishing
from gsomia.node import release as releasing
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.store import holdings as stored_holdings
from gsomia.store.tables import access_log, copies, holdings
from gsomia.store.users import get_user


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    workdir: Path = tmp_path_factory.mktemp("web-casework")
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


def provide(
    sites: dict[str, Site], title: str, releasable_to: tuple[str, ...] = ("JPN",)
) -> tuple[str, str]:
    """A KOR item (軍事II級 → 極秘 at JPN) released to JPN: (item id, JPN holding id)."""
    kor = sites["KOR"].node
    with kor.engine.connect() as conn:
        kim, park = get_user(conn, "kim", kor.vault), get_user(conn, "park", kor.vault)
    draft = publishing.Draft(
        title=title,
        level="군사II급비밀",
        releasable_to=releasable_to,
        purpose="missile-warning",
        precedence="ROUTINE",
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


class Answer(Protocol):
    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...


def refused(answer: Answer, article: str) -> None:
    """A 403 shown in place: an alert naming the article."""
    assert answer.status_code == 403, answer.text
    assert 'role="alert" id="action-refusal"' in answer.text
    assert f'id="action-refusal-article" data-article="{article}"' in answer.text


def purpose_case(control: str, purpose: str) -> str:
    """The id of the open request for `purpose` on the originator's control page."""
    rows = re.findall(
        r'data-purpose="([0-9a-f]{32})" data-role="originator">(.*?)</tr>', control, flags=re.S
    )
    found = [str(case) for case, row in rows if f"<td>{purpose}</td>" in row and "requested" in row]
    assert len(found) == 1, rows
    return found[0]


def denials(site: Site, actor: str, action: str, subject: str) -> int:
    """How many refusals of `action` on `subject` to `actor` the node's access log holds."""
    with site.node.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(access_log)
                .where(
                    access_log.c.actor == actor,
                    access_log.c.action == action,
                    access_log.c.subject == subject,
                    access_log.c.allowed.is_(False),
                )
            ).scalar_one()
        )


def _kinds(site: Site, holding_id: str) -> list[str]:
    with site.node.engine.connect() as conn:
        rows = conn.execute(select(copies.c.kind, copies.c.details, copies.c.holding_id)).all()
    return [
        r.kind
        for r in rows
        if r.holding_id == holding_id or holding_id in r.details.get("sources", ())
    ]


# Translations (R30) -----------------------------------------------------------------------------


def test_translation_to_a_cleared_person_is_counted_as_a_copy(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "to translate")
    sato, token = client(three["JPN"], "sato")
    page = sato.get(f"/holdings/{holding_id}").text
    assert 'id="form-translate"' in page
    assert '<label for="translate-translator">' in page
    answer = sato.post(
        f"/holdings/{holding_id}/translations",
        data={
            "csrf": token,
            "translator": "sato",
            "source_language": "ko",
            "language": "ja",
            "text": "北朝鮮の発射の航跡",
        },
    )
    assert answer.status_code == 200, answer.text
    assert 'data-done="translated"' in answer.text
    assert _kinds(three["JPN"], holding_id) == ["translation"]


def test_translation_to_an_uncleared_person_is_refused_and_the_text_kept(
    three: dict[str, Site],
) -> None:
    _, holding_id = provide(three, "uncleared translator")
    sato, token = client(three["JPN"], "sato")
    answer = sato.post(
        f"/holdings/{holding_id}/translations",
        data={
            "csrf": token,
            "translator": "suzuki",  # 秘, below the holding's 極秘
            "source_language": "ko",
            "language": "ja",
            "text": "kept after the refusal",
        },
    )
    refused(answer, "Art. 15")
    assert ">kept after the refusal</textarea>" in answer.text
    assert 'value="suzuki"' in answer.text
    assert _kinds(three["JPN"], holding_id) == []


# Derivatives (R8) -------------------------------------------------------------------------------


def test_a_compilation_of_two_holdings_is_marked_at_their_highest(three: dict[str, Site]) -> None:
    _, first = provide(three, "first source")
    _, second = provide(three, "second source")
    sato, token = client(three["JPN"], "sato")
    page = sato.get(f"/holdings/{first}").text
    assert 'id="form-derive"' in page
    answer = sato.post(
        f"/holdings/{first}/derivatives",
        data={
            "csrf": token,
            "kind": "compilation",
            "sources": second,
            "title": "two tracks",
            "text": "both tracks in one page",
            "level": "",
        },
    )
    assert answer.status_code == 200, answer.text
    assert 'data-done="derived"' in answer.text
    assert "derivative" in _kinds(three["JPN"], first)
    assert "derivative" in _kinds(three["JPN"], second)


def test_a_derivative_marked_below_its_sources_is_refused(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "low derivative")
    sato, token = client(three["JPN"], "sato")
    answer = sato.post(
        f"/holdings/{holding_id}/derivatives",
        data={
            "csrf": token,
            "kind": "extract",
            "title": "too low",
            "text": "an extract",
            "level": "秘",
        },
    )
    refused(answer, "Art. 4.3")
    assert 'value="too low"' in answer.text
    assert _kinds(three["JPN"], holding_id) == []


# New purposes (R13) and reading for them ----------------------------------------------------


def test_a_new_purpose_asked_approved_and_then_read_for(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "new purpose")
    sato, sato_token = client(three["JPN"], "sato")
    early = sato.post(
        f"/holdings/{holding_id}/read", data={"csrf": sato_token, "purpose": "training"}
    )
    assert early.status_code == 403  # not a purpose it was provided for
    assert 'id="refusal-purpose">training<' in early.text
    assert TRACK not in early.text

    tanaka, token = client(three["JPN"], "tanaka")
    assert 'id="form-purpose"' in tanaka.get(f"/holdings/{holding_id}").text
    asked = tanaka.post(
        f"/holdings/{holding_id}/purposes", data={"csrf": token, "purpose": "training"}
    )
    assert asked.status_code == 200, asked.text
    assert 'data-done="purpose_requested"' in asked.text
    assert 'data-status="requested"' in asked.text
    deliver(three)

    park, park_token = client(three["KOR"], "park")
    listed = park.get("/control").text
    case_id = purpose_case(listed, "training")
    assert f'action="/purposes/{case_id}/approve"' in listed

    kim, kim_token = client(three["KOR"], "kim")
    # An analyst sees no case of the originator's control, and has no button ...
    assert case_id not in kim.get("/control").text
    refused(
        kim.post(f"/purposes/{case_id}/approve", data={"csrf": kim_token}),
        "Art. 5 or 6(a)-(c), UNCONFIRMED",
    )
    approved = park.post(f"/purposes/{case_id}/approve", data={"csrf": park_token})
    assert approved.status_code == 200, approved.text
    assert 'data-done="purpose_approved"' in approved.text
    deliver(three)

    read = sato.post(
        f"/holdings/{holding_id}/read", data={"csrf": sato_token, "purpose": "training"}
    )
    assert read.status_code == 200, read.text
    assert TRACK in read.text
    again = park.post(f"/purposes/{case_id}/approve", data={"csrf": park_token})
    assert again.status_code == 409  # decided once
    assert 'id="action-refusal"' in again.text


def test_a_refused_purpose_is_told_to_the_holder_and_an_analyst_cannot_ask(
    three: dict[str, Site],
) -> None:
    _, holding_id = provide(three, "purpose refused")
    sato, sato_token = client(three["JPN"], "sato")
    assert 'id="form-purpose"' not in sato.get(f"/holdings/{holding_id}").text
    refused(
        sato.post(
            f"/holdings/{holding_id}/purposes", data={"csrf": sato_token, "purpose": "press"}
        ),
        "Art. 5 or 6(a)-(c), UNCONFIRMED",
    )
    tanaka, token = client(three["JPN"], "tanaka")
    tanaka.post(f"/holdings/{holding_id}/purposes", data={"csrf": token, "purpose": "press"})
    deliver(three)
    park, park_token = client(three["KOR"], "park")
    control = park.get("/control").text
    case_id = purpose_case(control, "press")
    no_reason = park.post(f"/purposes/{case_id}/refuse", data={"csrf": park_token})
    assert no_reason.status_code == 400
    done = park.post(
        f"/purposes/{case_id}/refuse", data={"csrf": park_token, "reason": "not for the press"}
    )
    assert 'data-done="purpose_refused"' in done.text
    deliver(three)
    page = tanaka.get(f"/holdings/{holding_id}").text
    assert 'data-status="refused"' in page
    assert "not for the press" in page


# The hub (R47) ----------------------------------------------------------------------------------


def test_hub_rule_configured_then_a_holding_forwarded(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "via the hub", releasable_to=("JPN", "USA"))
    tanaka, token = client(three["JPN"], "tanaka")
    assert 'id="form-forward"' not in tanaka.get(f"/holdings/{holding_id}").text
    refused(  # no rule yet
        tanaka.post(f"/holdings/{holding_id}/forward", data={"csrf": token, "to": "USA"}),
        "TISA (2014) and the agreements with the USA",
    )
    control = tanaka.get("/control").text
    assert 'id="form-hub-rule"' in control
    added = tanaka.post(
        "/hub/rules",
        data={
            "csrf": token,
            "arrangement": "TISA",
            "participants": "KOR, USA",
            "topics": "missile-warning",
        },
    )
    assert added.status_code == 200, added.text
    assert 'data-done="hub_rule_added"' in added.text
    assert re.search(r"<td>TISA</td><td>KOR, USA</td><td>missile-warning</td>", added.text)

    page = tanaka.get(f"/holdings/{holding_id}").text
    assert 'id="form-forward"' in page
    assert '<option value="USA">USA</option>' in page
    sent = tanaka.post(f"/holdings/{holding_id}/forward", data={"csrf": token, "to": "USA"})
    assert sent.status_code == 200, sent.text
    assert 'data-done="forwarded"' in sent.text
    deliver(three)
    with three["USA"].node.engine.connect() as conn:
        rows = conn.execute(stored_holdings.whole()).all()
    titles = {stored_holdings.from_row(r, three["USA"].node.vault).title for r in rows}
    assert "via the hub" in titles


def test_hub_refuses_an_item_not_releasable_and_an_analyst_cannot_add_a_rule(
    three: dict[str, Site],
) -> None:
    _, holding_id = provide(three, "hub, not releasable")  # releasable to JPN only
    tanaka, token = client(three["JPN"], "tanaka")
    tanaka.post(
        "/hub/rules",
        data={"csrf": token, "arrangement": "TISA", "participants": "KOR, USA", "topics": "x"},
    )
    refused(
        tanaka.post(f"/holdings/{holding_id}/forward", data={"csrf": token, "to": "USA"}),
        "TISA (2014) and the agreements with the USA",
    )
    sato, sato_token = client(three["JPN"], "sato")
    control = sato.get("/control").text
    assert 'id="form-hub-rule"' not in control
    assert 'id="hub-rules"' in control  # the rules are listed for everyone
    answer = sato.post(
        "/hub/rules",
        data={"csrf": sato_token, "arrangement": "mine", "participants": "KOR", "topics": "y"},
    )
    refused(answer, "TISA (2014) and the agreements with the USA")
    assert 'id="form-hub-rule"' not in answer.text


# Visit requests (R23) ---------------------------------------------------------------------------


def _visit(token: str, site: Site, **changes: str) -> dict[str, str]:
    start = site.node.clock().date() + timedelta(days=10)
    return {
        "csrf": token,
        "host": "KOR",
        "visitors": "tanaka, suzuki",
        "facility": "Osan operations centre",
        "subject": "missile-warning",
        "scope": "track exchange procedures",
        "start": start.isoformat(),
        "end": (start + timedelta(days=2)).isoformat(),
        "max_level": "군사II급비밀",
        "kind": "one-time",
        **changes,
    }


def test_an_officer_requests_a_visit_and_the_host_can_decide(three: dict[str, Site]) -> None:
    tanaka, token = client(three["JPN"], "tanaka")
    page = tanaka.get("/control").text
    assert 'id="form-visit"' in page
    assert '<label for="visit-level">' in page
    assert '<optgroup label="KOR">' in page
    answer = tanaka.post("/visits", data=_visit(token, three["JPN"]))
    assert answer.status_code == 200, answer.text
    assert 'data-done="visit_requested"' in answer.text
    assert "Osan operations centre" in answer.text
    deliver(three)
    park, _ = client(three["KOR"], "park")
    control = park.get("/control").text
    visit_id = re.findall(r'data-visit="([0-9a-f]{32})"', control)[-1]
    assert f'action="/visits/{visit_id}/approve"' in control


def test_a_bad_visit_request_is_refused_in_place_and_analysts_have_no_form(
    three: dict[str, Site],
) -> None:
    tanaka, token = client(three["JPN"], "tanaka")
    backwards = _visit(token, three["JPN"], end=three["JPN"].node.clock().date().isoformat())
    answer = tanaka.post("/visits", data=backwards)
    assert answer.status_code == 400
    assert 'id="action-refusal"' in answer.text
    assert 'value="Osan operations centre"' in answer.text
    sato, sato_token = client(three["JPN"], "sato")
    assert 'id="form-visit"' not in sato.get("/control").text
    refused(sato.post("/visits", data=_visit(sato_token, three["JPN"])), "Art. 8")


# Disputes (R46) ---------------------------------------------------------------------------------


def test_a_dispute_opened_consulted_and_settled_by_the_parties(three: dict[str, Site]) -> None:
    tanaka, token = client(three["JPN"], "tanaka")
    assert 'id="form-dispute"' in tanaka.get("/control").text
    opened = tanaka.post(
        "/disputes",
        data={"csrf": token, "agreement_id": "KOR-JPN-2016", "subject": "late notices"},
    )
    assert opened.status_code == 200, opened.text
    assert 'data-done="dispute_opened"' in opened.text
    case_id = re.findall(r'data-dispute="([0-9a-f]{32})"', opened.text)[-1]
    early = tanaka.post(f"/disputes/{case_id}/settle", data={"csrf": token, "note": "done"})
    assert early.status_code in {400, 403, 409}  # no settlement before a consultation
    assert 'id="action-refusal"' in early.text
    deliver(three)
    park, park_token = client(three["KOR"], "park")
    assert f'data-dispute="{case_id}"' in park.get("/control").text
    talked = park.post(
        f"/disputes/{case_id}/consult", data={"csrf": park_token, "note": "met in Seoul"}
    )
    assert 'data-done="dispute_consulted"' in talked.text
    deliver(three)
    settled = tanaka.post(
        f"/disputes/{case_id}/settle", data={"csrf": token, "note": "notices within a day"}
    )
    assert settled.status_code == 200, settled.text
    assert 'data-done="dispute_settled"' in settled.text
    row = settled.text.split(f'data-dispute="{case_id}"')[1].split("</tr>")[0]
    assert 'data-status="settled"' in row
    assert "met in Seoul" in row
    assert f'action="/disputes/{case_id}/consult"' not in row


def test_an_analyst_neither_sees_nor_opens_disputes(three: dict[str, Site]) -> None:
    sato, token = client(three["JPN"], "sato")
    looked = denials(three["JPN"], "sato", "record_dispute", "dispute")
    page = sato.get("/control").text
    assert 'id="disputes-refusal"' in page
    assert 'id="form-dispute"' not in page
    # Opening the page asks nothing of the node: no refusal is logged for a mere look.
    assert denials(three["JPN"], "sato", "record_dispute", "dispute") == looked
    before = denials(three["JPN"], "sato", "record_dispute", "KOR-JPN-2016")
    answer = sato.post(
        "/disputes", data={"csrf": token, "agreement_id": "KOR-JPN-2016", "subject": "x"}
    )
    refused(answer, "Art. 20")
    assert (
        denials(three["JPN"], "sato", "record_dispute", "KOR-JPN-2016") == before + 1
    )  # logged (R39)


# CSRF, forms, languages -------------------------------------------------------------------------

POSTS = (
    "/holdings/h/translations",
    "/holdings/h/derivatives",
    "/holdings/h/purposes",
    "/holdings/h/forward",
    "/purposes/p/approve",
    "/purposes/p/refuse",
    "/visits",
    "/hub/rules",
    "/disputes",
    "/disputes/d/consult",
    "/disputes/d/settle",
)


@pytest.mark.parametrize("path", POSTS)
def test_every_new_form_needs_the_csrf_token(three: dict[str, Site], path: str) -> None:
    park, _ = client(three["KOR"], "park")
    answer = park.post(path, data={"purpose": "x", "reason": "x", "note": "x"})
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    forged = park.post(path, data={"csrf": "not-this-session", "note": "x"})
    assert forged.status_code == 403


def test_every_form_carries_the_csrf_field(three: dict[str, Site]) -> None:
    _, holding_id = provide(three, "forms", releasable_to=("JPN", "USA"))
    tanaka, _ = client(three["JPN"], "tanaka")
    for path in (f"/holdings/{holding_id}", "/control"):
        page = tanaka.get(path).text
        forms = re.findall(r'<form method="post".*?</form>', page, flags=re.S)
        assert len(forms) >= 4, path
        for form in forms:
            assert csrf_of(form)


def test_the_new_sections_speak_each_language(three: dict[str, Site]) -> None:
    for nation, name, words in (
        ("KOR", "park", ("허브 규칙", "새 목적 요청", "분쟁", "방문 요청")),
        ("JPN", "tanaka", ("ハブ規則", "新たな目的の要請", "紛争", "訪問を要請")),
        ("USA", "jones", ("Hub rules", "New purposes", "Disputes", "Request a visit")),
    ):
        found: TestClient = client(three[nation], name)[0]
        page = found.get("/control").text
        for word in words:
            assert word in page, (nation, word)
        for key in ("hub_rules", "purpose_requests", "request_visit", "open_dispute"):
            assert f">{key}<" not in page  # a missing translation would show its key
