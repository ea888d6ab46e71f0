"""What a token's seal adds to the token check every API and TAXII request makes (ADR 0150).

Paired A/B in one process, SQLite, `time.process_time`: rounds of `store.users.token_holder`
with the seal checked (`_token_row` as it is) against the same read with the check taken out
(the row made a `TokenRow` unchecked), alternating, so load drifts both alike. The median of
the paired differences is the check's CPU a request; the first check of a row in a process
(the HMAC, not yet remembered) is timed alone. Run: `python -m bench.credential_check`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from bench.figures import machine_load
from gsomia.seal.at_rest import Vault
from gsomia.store import credential_seals
from gsomia.store import users as store
from gsomia.store.db import make_engine, migrate

NOW = datetime(2026, 12, 4, tzinfo=UTC)
ROUNDS = 41
CHECKS = 3000


def _unchecked(row: object, _vault: Vault) -> store.TokenRow:
    m = row._mapping  # type: ignore[attr-defined]
    return store._as_kept({name: m[column] for name, column in store._TOKEN_COLUMNS.items()})


def _round(conn: Connection, token: str, vault: Vault) -> float:
    start = time.process_time()
    for _ in range(CHECKS):
        store.token_holder(conn, token, vault)
    return (time.process_time() - start) / CHECKS * 1e6


def main() -> None:
    vault = Vault(bytes(range(32)))
    path = Path(tempfile.mkdtemp(prefix="bench-credentials-")) / "node.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    person = store.UserRecord("sato", "JPN", "極秘", date(2030, 1, 1), ("c2",), ("analyst",), True)
    with engine.begin() as conn:
        store.add_user(conn, person, NOW, vault)
        token = store.issue_token(conn, "sato", NOW, vault)
    checked: Callable[[object, Vault], store.TokenRow] = store._token_row
    paired: list[float] = []
    with engine.connect() as conn:
        _round(conn, token, vault)  # warm: statements compiled, the person's terms opened
        for _ in range(ROUNDS):
            setattr(store, "_token_row", checked)  # noqa: B010 - swapped for the A/B
            a = _round(conn, token, vault)
            setattr(store, "_token_row", _unchecked)  # noqa: B010
            b = _round(conn, token, vault)
            paired.append(a - b)
        setattr(store, "_token_row", checked)  # noqa: B010
    values: dict[str, Any] = {
        "token_hash": "0" * 64, "user_name": "sato", "created_at": NOW, "scope": "api",
        "expires_at": NOW, "parent": None, "revoked_at": None,
    }  # fmt: skip
    start = time.process_time()
    for _ in range(CHECKS):
        credential_seals.token(vault, values)
    first = (time.process_time() - start) / CHECKS * 1e6
    with engine.connect() as conn:  # the row's check alone, remembered, against none
        row = conn.execute(store._TOKEN, {"digest": store._digest(token)}).one()
    alone = []
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(CHECKS):
            checked(row, vault)
        middle = time.process_time()
        for _ in range(CHECKS):
            _unchecked(row, vault)
        alone.append(((middle - start) - (time.process_time() - middle)) / CHECKS * 1e6)
    engine.dispose()
    print(
        f"token check: +{statistics.median(paired):.2f} µs a request (median of {ROUNDS} paired "
        f"rounds of {CHECKS}; spread {min(paired):.2f}..{max(paired):.2f}); the seal computed "
        f"(a row's first check in a process): {first:.2f} µs; the check alone, remembered: "
        f"+{statistics.median(alone):.2f} µs; {machine_load()}"
    )


if __name__ == "__main__":
    main()
