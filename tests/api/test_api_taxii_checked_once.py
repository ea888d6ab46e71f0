"""A TAXII post's credential is checked once a request, and still on every request (ADR 0137).

The gate checks a token or Basic credential before it reads a body (ADR 0072), and the route
then checked the same request again: a POST looked its token up twice (and a Basic poster's
password was hashed twice, each an Argon2id check holding 64 MiB and a core). The route now
takes whom the gate admitted for that very request; the next request is checked again, so a
revoked token or a changed password stops the next post. The post's write transaction reads
its token again (ADR 0154), without a second password hash: that is one more lookup, not two
checks before the body."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.routing import APIRoute
from tests.api.api_fixtures import Site
from tests.node.node_fixtures import LAUNCH

from gsomia.api import taxii as taxii_api
from gsomia.app.http_parsing import MAX_HEAD
from gsomia.node import taxii, tokens
from gsomia.node import taxii as node_taxii
from gsomia.node.users import set_password
from gsomia.store import users as store_users
from gsomia.store.users import token_id

AGREEMENT = "KOR-JPN-2016"
TAXII = "application/taxii+json;version=2.1"


def _objects_url(site: Site) -> str:
    found = taxii.collection(site.cast["JPN"], site.cast.user("JPN", "suzuki"), AGREEMENT, LAUNCH)
    return f"/taxii2/{AGREEMENT}/collections/{found.id}/objects/"


def _envelope(n: int) -> str:
    uid = f"3a7c9e1b-5d2f-4a8b-9c0d-{n:012x}"
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uid}",
        "created": "2026-11-30T08:00:00.000Z",
        "modified": "2026-11-30T08:00:00.000Z",
        "name": "beacon",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2026-11-30T08:00:00Z",
    }
    return json.dumps({"objects": [indicator]})


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    calls: list[str] = []
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_bearer_post_looks_its_token_up_before_its_body_and_again_in_its_write(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, url = site.clients["JPN"], _objects_url(site)
    token = tokens.issue_token(site.cast["JPN"], "suzuki")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": TAXII}
    looked_up = _counting(monkeypatch, store_users, "token_holder")
    answer = api.post(url, content=_envelope(1), headers=headers)
    assert answer.status_code == 202, answer.text
    # The gate's (taken by the route), then the write transaction's (ADR 0154): a token revoked
    # between the two commits nothing.
    assert looked_up == ["token_holder", "token_holder"]
    tokens.revoke_token(site.cast["JPN"], token_id(token))
    answer = api.post(url, content=_envelope(2), headers=headers)
    assert answer.status_code == 401
    assert answer.json()["http_status"] == "401"


def test_a_basic_post_checks_its_password_once_and_a_changed_one_is_refused_next(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, api, url = site.cast["JPN"], site.clients["JPN"], _objects_url(site)
    set_password(node, "suzuki", "correct horse battery")
    basic = base64.b64encode(b"suzuki:correct horse battery").decode()
    headers = {"Authorization": f"Basic {basic}", "Content-Type": TAXII}
    checked = _counting(monkeypatch, node_taxii, "check_credentials")
    answer = api.post(url, content=_envelope(3), headers=headers)
    assert answer.status_code == 202, answer.text
    assert checked == ["check_credentials"]
    set_password(node, "suzuki", "another horse entirely")
    answer = api.post(url, content=_envelope(4), headers=headers)
    assert answer.status_code == 401


def test_a_get_checks_its_token_on_every_request(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, url = site.clients["JPN"], _objects_url(site)
    looked_up = _counting(monkeypatch, store_users, "token_holder")
    for _ in range(3):
        assert api.get(url, headers={**site.auth("suzuki"), "Accept": TAXII}).status_code == 200
    assert looked_up == ["token_holder"] * 3


def _paths(site: Site) -> list[tuple[str, str]]:
    """Every TAXII route (method, path), its parameters filled with real values, so that a
    route that forgot its credentials would answer."""
    collection = _objects_url(site).split("/")[4]
    values = {
        "root": AGREEMENT,
        "collection_id": collection,
        "object_id": "indicator--3a7c9e1b-5d2f-4a8b-9c0d-1e2f3a4b5c6e",
        "status_id": "00000000-0000-4000-8000-000000000000",
    }
    found = []
    for route in taxii_api.router.routes:
        assert isinstance(route, APIRoute)
        for method in sorted(route.methods or ()):
            found.append((method, route.path.format(**values)))
    return found


@pytest.mark.parametrize("authorization", [None, "Bearer gsm_wrong", "Basic c3V6dWtpOndyb25n"])
def test_every_taxii_route_refuses_a_request_without_valid_credentials(
    site: Site, authorization: str | None
) -> None:
    # Each route checks the credentials itself, first (`api.taxii.Caller`): walked here so a
    # route added without the check is caught.
    api = site.clients["JPN"]
    headers = {"Accept": TAXII, "Content-Type": TAXII}
    if authorization is not None:
        headers["Authorization"] = authorization
    paths = _paths(site)
    assert len(paths) == len(taxii_api.router.routes) >= 10
    for method, path in paths:
        # A GET with no body: the gate checks credentials only before reading a body.
        body = _envelope(9) if method == "POST" else None
        answer = api.request(method, path, headers=headers, content=body)
        # 403 for a wrong password once the sign-in back-off holds (ADR 0116), never an answer.
        assert answer.status_code in {401, 403}, (method, path, answer.text)
        assert answer.json()["http_status"] == str(answer.status_code)


@pytest.mark.parametrize("authorization", [None, "Bearer gsm_wrong", "Basic c3V6dWtpOndyb25n"])
@pytest.mark.parametrize("content", [b"", b"{}", b"not json"])
def test_a_post_without_a_body_is_refused_for_its_credentials_not_its_body(
    site: Site, authorization: str | None, content: bytes
) -> None:
    # Found by the attack (ADR 0143): a post declaring no body (`Content-Length: 0`) passed
    # the gate unchecked (it checks credentials before reading a body, and there was none),
    # and the route read the envelope before asking who sent it, so anyone was told 400
    # "the envelope is not JSON" in place of 401: the body judged before the credentials.
    api = site.clients["JPN"]
    headers = {"Accept": TAXII, "Content-Type": TAXII}
    if authorization is not None:
        headers["Authorization"] = authorization
    if not content:
        headers["Content-Length"] = "0"
    answer = api.post(_objects_url(site), headers=headers, content=content)
    assert answer.status_code in {401, 403}, answer.text


def _hops(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Thread hops counted by who took them: the gate's credential check, the route's work."""
    from gsomia.app import admission  # noqa: PLC0415 - patched here alone

    hops = {"gate": 0, "route": 0}
    for module, who in ((admission, "gate"), (taxii_api, "route")):
        real = module.run_in_threadpool

        async def counted(*args: Any, _real: Any = real, _who: str = who, **kwargs: Any) -> Any:
            hops[_who] += 1
            return await _real(*args, **kwargs)

        monkeypatch.setattr(module, "run_in_threadpool", counted)
    return hops


@pytest.mark.parametrize(
    ("padding", "gate_hops"),
    [(0, 0), (MAX_HEAD, 1)],  # a body no longer than a head; one longer
)
def test_a_small_post_is_one_thread_hop_and_a_larger_one_is_asked_before_it_is_read(
    site: Site, monkeypatch: pytest.MonkeyPatch, padding: int, gate_hops: int
) -> None:
    # ADR 0149: a body no longer than a request head is read unasked and its credentials asked
    # in the route's thread; a larger one is still asked for at the gate, before it is read.
    api, url = site.clients["JPN"], _objects_url(site)
    body = _envelope(20 + gate_hops) + " " * padding
    assert (len(body) <= MAX_HEAD) is (gate_hops == 0)
    hops = _hops(monkeypatch)
    headers = {**site.auth("suzuki"), "Content-Type": TAXII}
    answer = api.post(url, content=body, headers=headers)
    assert answer.status_code == 202, answer.text
    assert hops == {"gate": gate_hops, "route": 1}
    # Wrong credentials: the larger body is refused at the gate, the route never runs.
    hops.update(gate=0, route=0)
    wrong = {"Authorization": "Bearer gsm_wrong", "Content-Type": TAXII}
    answer = api.post(url, content=body, headers=wrong)
    assert answer.status_code == 401, answer.text
    assert hops == {"gate": gate_hops, "route": 1 - gate_hops}


def test_no_request_asks_for_an_opentelemetry_provider(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ADR 0149: FastAPI's OpenTelemetry bridge asked on every request whether a provider had
    # been configured (the node configures none); it is off in both applications.
    from opentelemetry import metrics, trace  # noqa: PLC0415 - patched here alone

    asked = _counting(monkeypatch, trace, "get_tracer_provider")
    asked += _counting(monkeypatch, metrics, "get_meter_provider")
    api, url = site.clients["JPN"], _objects_url(site)
    assert api.get(url, headers={**site.auth("suzuki"), "Accept": TAXII}).status_code == 200
    assert api.get("/healthz").status_code == 200
    assert asked == []
