"""A token's row put back from before its revocation, or a password verifier from before a
change (ADR 0150): a writer of the database, holding no key, who kept the row (and its seal)
of a token in force writes it back whole after the node revoked it, retired it or disabled its
holder, or a person's old verifier and seal after the node set a new password. The seal
vouches for the row of before as for the row of now; the cosignable log records each
revocation, retirement, disabling and password set, and `gsomia audit verify` names each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.node.node_fixtures import Cast, audit_verify, own_cast

from gsomia.errors import StoreDamaged
from gsomia.ledger.events import EventKind
from gsomia.node import tokens_logged
from gsomia.node.audit import admin_event
from gsomia.node.tokens import authenticate, issue, revoke_token
from gsomia.node.users import check_password, disable, set_password
from gsomia.store.tables import api_tokens, users
from gsomia.store.users import _digest, token_id
from gsomia.treaty.credentials import MAX_LIVE_TOKENS


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    with own_cast(tmp_path, ("KOR", "JPN")) as built:
        yield built


def _row(cast: Cast, token: str) -> dict[str, Any]:
    with cast["JPN"].engine.connect() as conn:
        query = select(api_tokens).where(api_tokens.c.token_hash == _digest(token))
        return dict(conn.execute(query).one()._mapping)


def _put_back(cast: Cast, token: str, row: dict[str, Any]) -> None:
    with cast["JPN"].engine.begin() as conn:
        query = update(api_tokens).where(api_tokens.c.token_hash == _digest(token))
        conn.execute(query.values(**row))


def test_a_token_put_back_from_before_its_revocation_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    jpn = cast["JPN"]
    revoked = issue(jpn, "sato").token
    retired = issue(jpn, "suzuki").token
    kept = {t: _row(cast, t) for t in (revoked, retired)}
    revoke_token(jpn, token_id(revoked))
    for _ in range(MAX_LIVE_TOKENS):  # suzuki's oldest retired to make room, logged
        issue(jpn, "suzuki")
    verified = audit_verify(tmp_path / "jpn")  # as the node left it
    assert verified.exit_code == 0, verified.output
    for token in (revoked, retired):
        _put_back(cast, token, kept[token])
    assert authenticate(jpn, revoked).name == "sato"  # the read cannot tell a row of before
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    said = result.exception.message
    assert "the verified log records the revocation of tokens" in said
    assert f"{token_id(revoked)} of sato (in force, logged revoked)" in said
    assert f"{token_id(retired)} of suzuki (in force, logged revoked)" in said


def test_a_token_put_back_from_before_its_holder_was_disabled_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    jpn = cast["JPN"]
    token = issue(jpn, "suzuki").token
    kept = _row(cast, token)
    disable(jpn, "suzuki")
    _put_back(cast, token, kept)
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    assert f"{token_id(token)} of suzuki (in force, logged revoked)" in result.exception.message


def test_revocations_are_read_from_the_log() -> None:
    at = datetime(2026, 12, 4, tzinfo=UTC)

    def said(action: str, subject: str, **body: str) -> Any:
        return admin_event(
            EventKind.KEY_ADMIN if action.startswith("user:token") else EventKind.USER_ADMIN,
            actor="operator",
            action=action,
            subject=subject,
            now=at,
            **body,
        )

    logged = tokens_logged.revocations_logged(
        [
            said("user:token", "sato", token="a" * 16, scope="api", expires="x"),
            said("user:token-revoke", "sato", token="a" * 16),
            said("user:token-retire", "ito", tokens=f"{'b' * 16},{'c' * 16}", reason="cap"),
            said("user:disable", "mori", sessions_ended="0"),
        ]
    )
    assert logged.tokens == {"a" * 16: at, "b" * 16: at, "c" * 16: at}
    assert logged.people == {"mori": at}
    rows = [
        tokens_logged.KeptToken("a" * 16, "sato", at, None),  # revoked, in force again
        tokens_logged.KeptToken("b" * 16, "ito", at, at),  # retired, kept so
        tokens_logged.KeptToken("d" * 16, "mori", at, None),  # issued before the disabling
        tokens_logged.KeptToken("e" * 16, "mori", datetime(2027, 1, 1, tzinfo=UTC), None),
    ]
    assert tokens_logged.against_log(logged, rows) == [
        f"{'a' * 16} of sato (in force, logged revoked)",
        f"{'d' * 16} of mori (in force, logged revoked)",
    ]


def test_a_password_verifier_put_back_from_before_a_change_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    jpn = cast["JPN"]
    set_password(jpn, "sato", "the old passphrase, leaked")
    with jpn.engine.connect() as conn:
        query = select(users.c.password_hash, users.c.password_seal).where(users.c.name == "sato")
        old = dict(conn.execute(query).one()._mapping)
    set_password(jpn, "sato", "the new passphrase, after")
    verified = audit_verify(tmp_path / "jpn")  # as the node left it
    assert verified.exit_code == 0, verified.output
    with jpn.engine.begin() as conn:
        conn.execute(update(users).where(users.c.name == "sato").values(**old))
    assert check_password(jpn, "sato", "the old passphrase, leaked") is not None  # reads cannot
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    said = result.exception.message
    assert "the verified log records passwords the database keeps otherwise: sato" in said


def test_passwords_are_read_from_the_log() -> None:
    at = datetime(2026, 12, 4, tzinfo=UTC)

    def said(action: str, subject: str, **body: str) -> Any:
        return admin_event(
            EventKind.USER_ADMIN, actor="operator", action=action, subject=subject, now=at, **body
        )

    logged = tokens_logged.passwords_logged(
        [
            said("user:passwd", "sato", verifier="a" * 16),
            said("user:passwd", "sato", verifier="b" * 16),  # the last word
            said("user:passwd", "ito", verifier="c" * 16),
            said("user:remove", "ito"),  # removed: nothing of theirs to compare
            said("user:passwd", "mori", verifier="d" * 16),
        ]
    )
    assert logged == {"sato": "b" * 16, "mori": "d" * 16}
    kept = {"sato": "a" * 64, "mori": "d" * 64}  # sato's of before
    assert tokens_logged.passwords_against_log(logged, kept) == ["sato"]
    assert tokens_logged.passwords_against_log(logged, {"mori": "d" * 64}) == ["sato"]
