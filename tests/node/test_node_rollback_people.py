"""People's rows put back from before a change the node logged (ADR 0148): a writer of the
database, holding no key, who kept a person's row from before their clearance was lowered,
their role changed or they were disabled, or from before they were removed, writes it back
whole. Whatever seals the row to the person (ADR 0146) opens on the row of before as on the
row of now; the cosignable log, which records every registration, change, disabling and
removal, does not agree, and `gsomia audit verify` names each such person."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.node.node_fixtures import Cast, audit_verify, own_cast

from gsomia.errors import StoreDamaged
from gsomia.node import at_rest
from gsomia.node.users import PersonChange, PersonDraft, disable, get_user, register, remove
from gsomia.node.users import update as change
from gsomia.store import marks
from gsomia.store.tables import store_marks, users


@pytest.fixture
def cast(tmp_path: Path) -> Iterator[Cast]:
    with own_cast(tmp_path, ("KOR", "JPN")) as built:
        yield built


def _row(cast: Cast, name: str) -> dict[str, Any]:
    with cast["JPN"].engine.connect() as conn:
        return dict(conn.execute(select(users).where(users.c.name == name)).one()._mapping)


def test_a_person_put_back_from_before_a_logged_change_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    jpn = cast["JPN"]
    expires = date(jpn.clock().year + 2, 12, 31)
    for name in ("ito", "mori", "kato"):  # registered through the node, so logged
        register(jpn, PersonDraft(name, "JPN", "極秘", expires, ("missile-warning",), "analyst"))
    kept = {name: _row(cast, name) for name in ("ito", "mori", "kato")}
    change(jpn, "ito", PersonChange(clearance="秘", role="auditor"))  # lowered
    disable(jpn, "mori")
    remove(jpn, "kato")
    verified = audit_verify(tmp_path / "jpn")  # as the node left it
    assert verified.exit_code == 0, verified.output
    with jpn.engine.begin() as conn:
        for name in ("ito", "mori"):
            conn.execute(update(users).where(users.c.name == name).values(**kept[name]))
        conn.execute(users.insert().values(**kept["kato"]))
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    said = result.exception.message
    assert "ito (clearance 極秘, logged 秘; roles analyst, logged auditor)" in said
    assert "mori (disabled false, logged true)" in said
    assert "kato (kept, logged removed)" in said


def test_a_raised_clearance_passed_off_as_from_before_the_seal_is_named_by_verify(
    cast: Cast, tmp_path: Path
) -> None:
    """A writer of the home (on SQLite the database lies in it) raises a person's clearance,
    clears their seal and takes away both marks of the one pass that seals people from
    before (ADR 0146): at the next start the node seals the raised clearance as its own, and
    every read takes it. The log says what the node registered: verify names the person."""
    jpn = cast["JPN"]
    expires = date(jpn.clock().year + 2, 12, 31)
    register(jpn, PersonDraft("ito", "JPN", "秘", expires, ("missile-warning",), "analyst"))
    with jpn.engine.begin() as conn:
        raised = update(users).where(users.c.name == "ito")
        conn.execute(raised.values(clearance="極秘", terms=None))
        conn.execute(store_marks.delete().where(store_marks.c.name == marks.USERS_BOUND))
    (jpn.home.path / at_rest.USERS_MARK_FILE).unlink()
    jpn.migrate()  # the next start: a node from before, as far as it can tell
    assert get_user(jpn, "ito").clearance == "極秘"  # every read takes it now
    result = audit_verify(tmp_path / "jpn")
    assert isinstance(result.exception, StoreDamaged), result.output
    assert "ito (clearance 極秘, logged 秘)" in result.exception.message
