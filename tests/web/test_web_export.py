"""Lists exported whole from the pages, CSV and JSON (issue 16): the rows the list would show
in full, with the page's filters, nothing the access decision refused; every export logged."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from tests.node.node_fixtures import held_by
from tests.web.conftest import PASSWORD, Site, sign_in

from gsomia.node import publish as publishing
from gsomia.node.users import PersonDraft, register
from gsomia.store.tables import access_log
from gsomia.store.users import get_user, set_password

TAG = "export probe"


@pytest.fixture(scope="module")
def made(sites: dict[str, Site]) -> dict[str, str]:
    """Two KOR items by kim: one whose title a spreadsheet would run, one FLASH; and an officer
    of KOR, `lee`, with no need-to-know for their purpose (R20), who sees them redacted."""
    kor = sites["KOR"].node
    with kor.engine.connect() as conn:
        kim = get_user(conn, "kim", kor.vault)
    ids = {}
    for key, title, precedence in (
        ("formula", f"=HYPERLINK(1) {TAG}", "ROUTINE"),
        ("flash", f"{TAG} flash", "FLASH"),
    ):
        draft = publishing.Draft(
            title=title,
            level="군사II급비밀",
            releasable_to=("JPN",),
            purpose="missile-warning",
            precedence=precedence,
            content=b"x",
        )
        ids[key] = publishing.publish(kor, kim, draft)
    register(
        kor,
        PersonDraft(
            "lee",
            "KOR",
            "군사I급비밀",
            date.today() + timedelta(days=365),
            ("logistics",),
            "officer",
        ),
    )
    with kor.engine.begin() as conn:
        set_password(conn, "lee", PASSWORD, kor.vault)
    return ids


def _exports(node: Site, actor: str) -> list[str]:
    with node.node.engine.connect() as conn:
        rows = conn.execute(
            select(access_log.c.reason).where(
                access_log.c.actor == actor, access_log.c.action == "export"
            )
        ).all()
    return [r.reason for r in rows]


def test_the_outbox_exported_as_csv_keeps_the_filter_and_defuses_formulas(
    sites: dict[str, Site], made: dict[str, str]
) -> None:
    client = sites["KOR"].client()
    sign_in(client, "kim")
    dashboard = client.get("/", params={"text": TAG, "own": "ignored-cursor-is-not-kept"})
    assert dashboard.status_code == 400  # a forged cursor: the page refuses it
    dashboard = client.get("/", params={"text": TAG})
    assert 'href="/export/items.csv?text=export+probe"' in dashboard.text
    answer = client.get("/export/items.csv", params={"text": TAG})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="KOR-items-')
    assert answer.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["id"] for r in rows} == set(made.values())
    titles = {r["id"]: r["title"] for r in rows}
    assert titles[made["formula"]] == f"'=HYPERLINK(1) {TAG}"  # not run by a spreadsheet
    flash = client.get("/export/items.csv", params={"text": TAG, "precedence": "FLASH"})
    assert [r["id"] for r in csv.DictReader(io.StringIO(flash.text))] == [made["flash"]]
    assert _exports(sites["KOR"], "kim")[-2:] == [
        "2 rows of the items list exported as csv, 0 withheld",
        "1 rows of the items list exported as csv, 0 withheld",
    ]


def test_a_row_the_list_shows_redacted_is_not_exported_and_is_counted(
    sites: dict[str, Site], made: dict[str, str]
) -> None:
    client = sites["KOR"].client()
    sign_in(client, "lee")
    page = client.get("/", params={"state": "draft"}).text
    assert made["flash"] not in page  # redacted in the outbox, not in lee's release queue
    assert f"{TAG} flash" not in page
    park = sites["KOR"].client()
    sign_in(park, "park")
    assert f"{TAG} flash" in park.get("/").text  # the officer with the need-to-know has it
    answer = client.get("/export/items.json", params={"state": "draft"})
    assert answer.status_code == 200
    document = json.loads(answer.text)
    assert document["exported_by"] == "lee"
    assert not [r for r in document["rows"] if r["id"] in made.values()]
    assert TAG not in answer.text
    assert document["withheld"] >= 2
    assert answer.headers["x-withheld-rows"] == str(document["withheld"])
    [logged] = _exports(sites["KOR"], "lee")
    assert logged.endswith(f"{document['withheld']} withheld")


def test_a_reader_refused_a_holding_exports_no_row_of_it(sites: dict[str, Site]) -> None:
    """suzuki (秘) is refused what sato (極秘) reads: the inbox export follows the list."""
    draft = publishing.Draft(
        title=f"{TAG} held",
        level="군사II급비밀",
        releasable_to=("JPN",),
        purpose="missile-warning",
        precedence="ROUTINE",
        content=b"x",
    )
    accepted = held_by(sites["KOR"].node, sites["JPN"].node, draft)
    sato, suzuki = sites["JPN"].client(), sites["JPN"].client()
    sign_in(sato, "sato")
    sign_in(suzuki, "suzuki")
    held = json.loads(sato.get("/export/holdings.json").text)["rows"]
    assert [(r["title"], r["marking"]) for r in held if r["id"] == accepted.holding_id] == [
        (f"{TAG} held", "極秘")
    ]
    seen = suzuki.get("/export/holdings.csv")
    assert accepted.holding_id not in seen.text
    assert TAG not in seen.text
    assert seen.headers["x-withheld-rows"] == "0"  # hidden, not redacted: not even counted


def test_the_audit_trail_exports_for_its_readers_only(
    sites: dict[str, Site], made: dict[str, str]
) -> None:
    del made
    park = sites["KOR"].client()
    sign_in(park, "park")
    page = park.get("/audit", params={"actor": "kim", "decision": "allowed"}).text
    assert 'href="/export/decisions.json?actor=kim&amp;decision=allowed"' in page
    answer = park.get("/export/decisions.json", params={"actor": "kim", "decision": "allowed"})
    rows = json.loads(answer.text)["rows"]
    assert rows
    assert {(r["actor"], r["allowed"]) for r in rows} == {("kim", "true")}
    kim = sites["KOR"].client()
    sign_in(kim, "kim")
    refused = kim.get("/export/decisions.csv")
    assert refused.status_code == 403  # an analyst does not read the audit trail
    assert "exported" not in refused.text


@pytest.mark.parametrize("path", ["/export/users.csv", "/export/items.xlsx"])
def test_an_unknown_list_or_form_is_refused(sites: dict[str, Site], path: str) -> None:
    client = sites["KOR"].client()
    sign_in(client, "kim")
    assert client.get(path).status_code in (400, 404)
