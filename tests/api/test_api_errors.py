"""Every refusal the API gives has the same body: an RFC 9457 problem (`type`, `title`,
`status`, `detail`) with the message's stable `code`, said in the reader's language, beside
the English every client has read (`error`, `message`, `hint`, `article`; ADR 0141)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.api.api_fixtures import Site

from gsomia.api.errors import TITLES, accepted_language, problem
from gsomia.errors import Conflict, Error, NotFound, PolicyDenied, Unavailable
from gsomia.node import users as people
from gsomia.treaty import reasons
from gsomia.web.i18n import Translator, catalogue


@pytest.mark.parametrize(
    ("error", "body"),
    [
        (
            Conflict("twice", hint="look first"),
            {
                "type": "urn:gsomia:error:conflict",
                "title": "Conflict with the current state",
                "status": 409,
                "detail": "twice",
                "code": "conflict",  # no reason's code fits: the error class's
                "error": "conflict",
                "message": "twice",
                "hint": "look first",
            },
        ),
        (
            Unavailable("down"),
            {
                "type": "urn:gsomia:error:unavailable",
                "title": "Unavailable",
                "status": 503,
                "detail": "down",
                "code": "unavailable",
                "error": "unavailable",
                "message": "down",
            },
        ),
        (
            PolicyDenied("personnel security clearance expired (R19)", article="Art. 7.2"),
            {
                "type": "urn:gsomia:error:denied",
                "title": "Refused under the agreement",
                "status": 403,
                "detail": "personnel security clearance expired (R19)",
                "code": "clearance_expired",
                "error": "denied",
                "message": "personnel security clearance expired (R19)",
                "article": "Art. 7.2",
            },
        ),
    ],
)
def test_problem_bodies(error: Error, body: dict[str, Any]) -> None:
    assert problem(error) == body
    assert problem(error, "en", Translator) == body  # English words change nothing


def test_a_problem_in_the_readers_language_keeps_the_english_beside_it() -> None:
    error = NotFound("no item KOR-7", hint="list them with `gsomia item list`")
    body = problem(error, "ja", Translator)
    said = (body["title"], body["detail"], body["code"])
    assert said == ("見つからない", "資料KOR-7はない", "no_item")
    assert (body["message"], body["hint"], body["error"]) == (
        "no item KOR-7",
        "list them with `gsomia item list`",
        "not_found",
    )


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_every_problem_type_has_a_title_in_every_language(language: str) -> None:
    for kind, english in TITLES.items():
        assert catalogue("en")[f"problem.{kind.code}"] == english  # the API's, word for word
        said = catalogue(language).get(f"problem.{kind.code}", "")
        assert said.strip(), (language, kind.code)
        assert said != english, (language, kind.code)


def test_an_error_classs_code_is_no_reasons_code() -> None:
    # `code` is a reason's code where the message has one, else its class's: the two must
    # never name different things with one word.
    classes: set[str] = set()
    pending: list[type[Error]] = [Error]
    while pending:
        kind = pending.pop()
        classes.add(kind.code)
        pending.extend(kind.__subclasses__())
    assert len(classes) > len(TITLES)
    assert classes.isdisjoint(reasons.REASONS)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", None),
        ("ko", "ko"),
        ("ja-JP", "ja"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("en-US,en;q=0.9,ja;q=0.8", "en"),
        ("fr, ja;q=0.5, ko;q=0.4", "ja"),
        ("ko;q=0.2, ja;q=0.8", "ja"),  # by weight, not by order
        ("ko;q=0, en;q=0", None),  # q=0: not wanted
        ("ja;q=abc", None),  # a malformed weight names nothing
        ("ko;q=2", None),  # nor one out of range
        ("*", None),
        ("fr-FR, de", None),
    ],
)
def test_the_language_an_accept_language_header_prefers(header: str, language: str | None) -> None:
    assert accepted_language(header) == language


def _refused(site: Site, headers: dict[str, str], path: str = "/api/v1/items/KOR-0") -> Any:
    answer = site.clients["KOR"].get(path, headers=headers)
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "Accept-Language" in answer.headers["vary"]
    return answer


def test_the_api_says_an_error_in_the_language_the_request_asks(site: Site) -> None:
    plain = _refused(site, site.auth("kim"))
    body = plain.json()
    assert (plain.headers["content-language"], body["detail"], body["code"]) == (
        "en",
        "no item KOR-0",
        "no_item",
    )
    asked = _refused(site, {**site.auth("kim"), "Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"})
    body = asked.json()
    assert asked.headers["content-language"] == "ko"
    assert (body["title"], body["detail"], body["code"]) == (
        "찾을 수 없음",
        Translator("ko").reason("no item KOR-0").text,
        "no_item",
    )
    assert body["detail"] != body["message"] == "no item KOR-0"


def test_the_api_says_an_error_in_the_persons_own_language_unless_the_request_asks(
    site: Site,
) -> None:
    node = site.cast["KOR"]
    people.update(node, "park", people.PersonChange(language="ja"))
    try:
        kept = _refused(site, site.auth("park"))
        assert (kept.headers["content-language"], kept.json()["title"]) == ("ja", "見つからない")
        asked = _refused(site, {**site.auth("park"), "Accept-Language": "en"})
        assert (asked.headers["content-language"], asked.json()["detail"]) == (
            "en",
            "no item KOR-0",
        )
    finally:
        people.update(node, "park", people.PersonChange(language="en"))


def test_a_body_that_does_not_fit_is_refused_in_the_readers_language(site: Site) -> None:
    response = site.clients["KOR"].post(
        "/api/v1/items", json={"title": "x"}, headers={**site.auth("kim"), "Accept-Language": "ja"}
    )
    assert response.status_code == 422
    body = response.json()
    assert (body["status"], body["code"], body["error"]) == (422, "request_not_valid", "bad_input")
    assert body["detail"].startswith("要求が正しくない: ")
    assert "level" in body["message"]


def test_a_schema_violation_names_the_field(site: Site) -> None:
    response = site.clients["KOR"].post(
        "/api/v1/items", json={"title": "x"}, headers=site.auth("kim")
    )
    assert response.status_code in (400, 422)
    body = response.json()
    assert body["error"] == "bad_input"
    assert "level" in body["message"]


def test_a_taxii_error_message_is_said_in_the_readers_language_with_its_code(
    site: Site,
) -> None:
    path = "/taxii2/KOR-JPN-2016/collections/nowhere/objects/"
    headers = {**site.auth("suzuki"), "Accept": "application/taxii+json;version=2.1"}
    plain = site.clients["JPN"].get(path, headers=headers)
    asked = site.clients["JPN"].get(path, headers={**headers, "Accept-Language": "ja"})
    for answer in (plain, asked):
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("application/taxii+json")
    english, said = plain.json(), asked.json()
    assert english["error_code"] == said["error_code"] == "nf_collection"
    assert english["http_status"] == said["http_status"] == "404"
    assert english["title"] == "Not found"
    assert english["description"] == "no collection nowhere for you under KOR-JPN-2016"
    assert said["title"] == "見つからない"
    assert said["description"] == Translator("ja").reason(english["description"]).text
    assert said["description"] != english["description"]


def test_the_gates_refusal_is_said_in_the_language_the_request_asks(site: Site) -> None:
    # Refused before any route runs (no token: `app.gate`), so no person's language is known.
    api = site.clients["KOR"]
    plain = api.get("/api/v1/items")
    asked = api.get("/api/v1/items", headers={"Accept-Language": "ko"})
    for answer in (plain, asked):
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    english, said = plain.json(), asked.json()
    assert (plain.headers["content-language"], asked.headers["content-language"]) == ("en", "ko")
    assert english["code"] == said["code"] == "api_token_required"  # the sentence's own code
    assert said["message"] == english["message"] == english["detail"]
    assert said["detail"] == Translator("ko").reason(english["message"]).text != english["detail"]
    assert said["title"] == "인증되지 않음"
    taxii = api.get("/taxii2/", headers={"Accept-Language": "ja"})
    assert taxii.status_code == 401, taxii.text
    assert taxii.headers["content-type"].startswith("application/taxii+json")
    assert (taxii.json()["title"], taxii.json()["http_status"]) == ("認証されていない", "401")
    assert taxii.json()["error_code"] == "api_token_required"
