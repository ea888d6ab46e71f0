"""Moving workflow messages and items between the cast's nodes, as the delivery worker does."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.node.node_fixtures import Cast, batch_of

from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.node.control import consent, consent_decisions
from gsomia.node.receive import receive_batch
from gsomia.store import holdings as stored_holdings
from gsomia.store.tables import holdings

UNTIL = datetime(2099, 1, 1, tzinfo=UTC)
PURPOSE = "allied missile defence"


def deliver(cast: Cast, sender: str, receiver: str, *, settle: bool = True) -> list[dict[str, Any]]:
    """Everything `sender` has queued for `receiver`, received; the answers. With `settle`,
    the sender records the answers as its worker would (so nothing is sent twice)."""
    node = cast[sender]
    with node.engine.begin() as conn:
        due = [p for p in outbox.due(conn, node.clock(), 10_000) if p.peer == receiver]
    if not due:
        return []
    document, _ = receive_batch(cast[receiver], sender, batch_of(node, cast[receiver], due))
    entries = verify_answers(document, signer=cast[receiver].card)
    if settle:
        node.worker.settle(receiver, due, entries)
    return [entry["answer"] for entry in entries]


def provided(cast: Cast, **fields: Any) -> tuple[str, str]:
    """A KOR item released to JPN and received there: (item id, JPN holding id)."""
    item_id = cast.publish("KOR", "kim", **fields)
    cast.release("KOR", "park", item_id)
    answers = deliver(cast, "KOR", "JPN")
    [answer] = [a for a in answers if a.get("item") == item_id]
    assert answer["status"] == "received", answer
    return item_id, str(answer["holding"])


def asked(cast: Cast, holding_id: str, recipient: str = "USA", **fields: Any) -> str:
    """JPN's officer asks KOR for consent; KOR's node has the case. Its id."""
    case = consent.request_consent(
        cast["JPN"], cast.user("JPN", "tanaka"), holding_id, recipient, PURPOSE, UNTIL, **fields
    )
    assert [a["status"] for a in deliver(cast, "JPN", "KOR")] == ["received"]
    return str(case["id"])


def granted(cast: Cast, holding_id: str, **grant: Any) -> str:
    """A consent asked for and granted, known to JPN. Its id."""
    case_id = asked(cast, holding_id)
    consent_decisions.grant(cast["KOR"], cast.user("KOR", "park"), case_id, **grant)
    assert [a["status"] for a in deliver(cast, "KOR", "JPN")] == ["received"]
    return case_id


def holding_of(cast: Cast, nation: str, item_id: str) -> dict[str, Any] | None:
    with cast[nation].engine.connect() as conn:
        row = conn.execute(stored_holdings.whole().where(holdings.c.item_id == item_id)).first()
    # as the node reads it: title and labels opened at rest (ADR 0075)
    return asdict(stored_holdings.from_row(row, cast[nation].vault)) if row else None


def later(now: datetime, **delta: float) -> datetime:
    return now + timedelta(**delta)
