"""A token row inserted, a revoked token put back in force, or a password verifier of their
own written, by whoever may write the database without the node's key (ADR 0150): the API's
token check and TAXII by token or by Basic password refuse, naming the token or the person;
the others are not touched."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import delete, select, update
from tests.api.api_fixtures import Site

from gsomia.node.users import set_password
from gsomia.store.tables import api_tokens, users
from gsomia.store.users import issue_token, token_id

TAXII = "application/taxii+json;version=2.1"
COLLECTIONS = "/taxii2/KOR-JPN-2016/collections/"
MINE = "gsm_a-secret-the-writer-chose"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _refused(site: Site, headers: dict[str, str], words: str) -> None:
    api = site.clients["JPN"]
    me = api.get("/api/v1/me", headers=headers)
    assert me.status_code == 500, me.text
    assert words in me.text
    answer = api.get(COLLECTIONS, headers={**headers, "Accept": TAXII})
    assert answer.status_code == 500, answer.text
    assert words in answer.text
    assert api.get("/api/v1/me", headers=site.auth("sato")).status_code == 200


def test_a_token_row_the_writer_inserted_is_refused(site: Site) -> None:
    node = site.cast["JPN"]
    now = node.clock()
    with node.engine.begin() as conn:
        conn.execute(
            api_tokens.insert().values(
                token_hash=_digest(MINE),
                user_name="suzuki",
                created_at=now,
                scope="api",
                expires_at=now + timedelta(hours=1),
            )
        )
    try:
        words = f"token {_digest(MINE)[:16]} of suzuki keeps no seal"
        _refused(site, {"Authorization": f"Bearer {MINE}"}, words)
    finally:
        with node.engine.begin() as conn:
            conn.execute(delete(api_tokens).where(api_tokens.c.token_hash == _digest(MINE)))


def test_a_revoked_token_put_back_in_force_is_refused(site: Site) -> None:
    node = site.cast["JPN"]
    with node.engine.begin() as conn:
        token = issue_token(conn, "suzuki", node.clock(), node.vault)
    auth = {"Authorization": f"Bearer {token}"}
    api = site.clients["JPN"]
    assert api.delete(f"/api/v1/tokens/{token_id(token)}", headers=auth).status_code == 204
    assert api.get("/api/v1/me", headers=auth).status_code == 401
    with node.engine.begin() as conn:
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.token_hash == _digest(token))
            .values(revoked_at=None)
        )
    _refused(site, auth, f"token {token_id(token)} of suzuki is not what its seal says")


def test_a_password_verifier_the_writer_wrote_is_refused_to_taxii_basic(site: Site) -> None:
    node = site.cast["JPN"]
    set_password(node, "suzuki", "correct horse battery")
    with node.engine.begin() as conn:
        before = conn.execute(select(users.c.password_hash).where(users.c.name == "suzuki"))
        kept = before.scalar_one()
        mine = PasswordHasher().hash("the writer's own passphrase")
        conn.execute(update(users).where(users.c.name == "suzuki").values(password_hash=mine))
    try:
        basic = base64.b64encode(b"suzuki:the writer's own passphrase").decode()
        answer = site.clients["JPN"].get(
            COLLECTIONS, headers={"Authorization": f"Basic {basic}", "Accept": TAXII}
        )
        assert answer.status_code == 500, answer.text
        assert "user suzuki's password verifier is not the one the node set" in answer.text
    finally:
        with node.engine.begin() as conn:
            conn.execute(update(users).where(users.c.name == "suzuki").values(password_hash=kept))
    basic = base64.b64encode(b"suzuki:correct horse battery").decode()
    answer = site.clients["JPN"].get(
        COLLECTIONS, headers={"Authorization": f"Basic {basic}", "Accept": TAXII}
    )
    assert answer.status_code == 200, answer.text
