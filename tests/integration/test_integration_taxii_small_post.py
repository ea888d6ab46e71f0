"""ADR 0149 moved a small TAXII post's credential check from the gate into the route's thread
(its body read unasked); the attack of ADR 0153 holds it on real node processes, SQLite and
PostgreSQL: on one keep-alive connection, a post with no, a wrong, a revoked bearer token or
a wrong Basic password is 401 and stores nothing, before and after an admitted one."""

from __future__ import annotations

import http.client
import json
from datetime import date

import pytest
from sqlalchemy import func, select
from tests.integration.conftest import MakeNet
from tests.stix.test_stix_objects import INDICATOR

from gsomia.devnet import DevNet
from gsomia.node import taxii
from gsomia.node.tokens import list_tokens, revoke_token
from gsomia.node.users import PersonDraft
from gsomia.stix.objects import EXTENSION_ID
from gsomia.store.tables import items

pytestmark = pytest.mark.integration

TAXII = "application/taxii+json;version=2.1"
PURPOSE = "missile-warning"


def _items(net: DevNet) -> int:
    with net.node("JPN").engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def _path() -> str:
    root = "KOR-JPN-2016"
    return f"/taxii2/{root}/collections/{taxii.collection_id(root, PURPOSE)}/objects/"


def test_a_small_post_is_refused_for_its_credential_on_one_connection(make_net: MakeNet) -> None:
    net = make_net(("KOR", "JPN"))
    net.start("JPN")
    expires = date(net.node("JPN").clock().year + 2, 12, 31)
    token = net.add_person("JPN", PersonDraft("ito", "JPN", "秘", expires, (PURPOSE,), "analyst"))
    host, port = net.nodes["JPN"].url.removeprefix("http://").rsplit(":", 1)
    path = _path()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def post(n: int, **headers: str) -> int:
        obj = {
            **INDICATOR,
            "id": f"indicator--{n:08x}-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "extensions": {EXTENSION_ID: {"classification": "秘"}},
        }
        body = json.dumps({"objects": [obj]}).encode()
        conn.request("POST", path, body, {"Content-Type": TAXII, "Accept": TAXII, **headers})
        answer = conn.getresponse()
        answer.read()
        return answer.status

    try:
        before = _items(net)
        assert post(1) == 401
        assert post(2, Authorization="Bearer not-a-token") == 401
        assert post(3, Authorization="Basic aXRvOndyb25nLXBhc3N3b3Jk") == 401  # ito:wrong-password
        assert _items(net) == before
        assert post(4, Authorization=f"Bearer {token}") == 202
        assert _items(net) == before + 1
        [issued] = list_tokens(net.node("JPN"), "ito")
        revoke_token(net.node("JPN"), issued.id)
        assert post(5, Authorization=f"Bearer {token}") == 401  # revoked between two posts
        assert post(6) == 401
        assert _items(net) == before + 1
    finally:
        conn.close()
