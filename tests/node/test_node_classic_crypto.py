"""An agreement's `classic_crypto_allowed` decides whether classic-profile nodes exchange (R26).

Nodes whose keys use the non-post-quantum `classic` profile provide nothing under an agreement
that refuses it; the same nodes provide once the agreement allows it. The refusal is the
treaty's (`may_provide`), logged like every other provision decision. The receiver decides
again on its own reading (`may_accept`): a classic envelope is accepted where its agreement
allows one and refused where it does not, and an item a holder passes on is judged by the
agreement between that holder and the receiver.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import Cast, batch_of, build_cast, sealed

from gsomia.errors import PolicyDenied
from gsomia.exchange import outbox
from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import item_header
from gsomia.node import security_visits, transfers
from gsomia.node.receive import receive_batch
from gsomia.node.release import classic_crypto
from gsomia.node.runtime import Node
from gsomia.seal.sealed import Plain
from gsomia.store.tables import holdings
from gsomia.store.tables import outbox as outbox_table
from gsomia.store.tables import security_visits as security_visits_table
from gsomia.treaty.agreements import AgreementRegistry


@pytest.fixture(scope="module")
def classic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    """KOR and JPN with classic-profile keys, pinned to each other."""
    built = build_cast(tmp_path_factory.mktemp("classic"), ("KOR", "JPN"), profile="classic")
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def queued(cast: Cast, item_id: str) -> int:
    with cast["KOR"].engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(outbox_table).where(outbox_table.c.item_id == item_id)
        ).scalar_one()


def test_classic_keys_provide_nothing_under_an_agreement_that_refuses_them(classic: Cast) -> None:
    assert not classic["KOR"].agreement("KOR-JPN-2016").classic_crypto_allowed
    item_id = classic.publish("KOR", "kim")
    [outcome] = classic.release("KOR", "park", item_id)
    assert not outcome.decision.allowed
    assert (outcome.decision.article, outcome.decision.requirement) == (
        "Art. 9, UNCONFIRMED",
        "R26",
    )
    assert "refuses the classic (non-post-quantum) envelope profile" in outcome.decision.reason
    assert outcome.envelope is None
    assert queued(classic, item_id) == 0
    [logged] = [e for e in classic.log("KOR", item_id) if e["action"] == "provide:JPN"]
    assert not logged["allowed"]
    assert logged["article"] == "Art. 9, UNCONFIRMED R26"


def test_classic_keys_provide_where_the_agreement_allows_them(classic: Cast) -> None:
    kor = classic["KOR"]
    shipped = kor.agreements
    allowing = replace(shipped.get("KOR-JPN-2016"), classic_crypto_allowed=True)
    kor.agreements = AgreementRegistry({**shipped.by_id, allowing.id: allowing})
    try:
        item_id = classic.publish("KOR", "kim")
        [outcome] = classic.release("KOR", "park", item_id)
    finally:
        kor.agreements = shipped
    assert outcome.decision.allowed, outcome.decision.reason
    assert outcome.envelope is not None
    assert queued(classic, item_id) == 1


@pytest.mark.parametrize(
    ("profiles", "classic_envelope"),
    [
        (("pq",), False),
        (("cnsa2", "cnsa2"), False),
        (("classic",), True),
        (("pq", "classic"), True),
    ],
)
def test_an_envelope_is_classic_when_any_key_is(
    profiles: tuple[str, ...], classic_envelope: bool
) -> None:
    assert classic_crypto(*profiles) is classic_envelope


@contextmanager
def classic_allowed(node: Node, *agreement_ids: str) -> Iterator[None]:
    """`node` reads `agreement_ids` as allowing the classic profile, for the block's length."""
    shipped = node.agreements
    allowing = {i: replace(shipped.get(i), classic_crypto_allowed=True) for i in agreement_ids}
    node.agreements = AgreementRegistry({**shipped.by_id, **allowing})
    try:
        yield
    finally:
        node.agreements = shipped


def answers(receiver: Node, document: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["answer"] for e in verify_answers(document, signer=receiver.card)]


def held(node: Node, item_id: str) -> int:
    with node.engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(holdings).where(holdings.c.item_id == item_id)
        ).scalar_one()


def test_a_classic_item_is_accepted_where_the_receivers_agreement_allows_it(
    classic: Cast,
) -> None:
    kor, jpn = classic["KOR"], classic["JPN"]
    with classic_allowed(kor, "KOR-JPN-2016"), classic_allowed(jpn, "KOR-JPN-2016"):
        item_id = classic.publish("KOR", "kim")
        outcomes = classic.release("KOR", "park", item_id)
        document, accepted = classic.send("KOR", "JPN", outcomes)
    [answer] = answers(jpn, document)
    assert answer["status"] == "received", answer
    assert [a.item.id for a in accepted] == [item_id]
    assert held(jpn, item_id) == 1


def test_a_classic_item_is_refused_where_the_receivers_agreement_refuses_it(
    classic: Cast,
) -> None:
    """KOR's node reads the agreement as allowing classic envelopes; JPN's does not, and its
    reading decides what JPN accepts."""
    kor, jpn = classic["KOR"], classic["JPN"]
    with classic_allowed(kor, "KOR-JPN-2016"):
        item_id = classic.publish("KOR", "kim")
        outcomes = classic.release("KOR", "park", item_id)
    document, accepted = classic.send("KOR", "JPN", outcomes)
    [answer] = answers(jpn, document)
    assert (answer["status"], answer["article"]) == ("rejected", "Art. 9, UNCONFIRMED R26")
    assert "refuses the classic (non-post-quantum) envelope profile" in answer["reason"]
    assert accepted == []
    assert held(jpn, item_id) == 0


@pytest.fixture(scope="module")
def classic_three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    """KOR, JPN and USA with classic-profile keys, each pinned to the others."""
    built = build_cast(tmp_path_factory.mktemp("classic3"), profile="classic")
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def passed_on(cast: Cast) -> bytes:
    """KOR's item, received by JPN, then sent on by JPN's node to USA's in a classic envelope
    (without the originator's consent: the onward decision refuses it if it gets that far)."""
    kor, jpn, usa = cast["KOR"], cast["JPN"], cast["USA"]
    with classic_allowed(kor, "KOR-JPN-2016"), classic_allowed(jpn, "KOR-JPN-2016"):
        item_id = cast.publish("KOR", "kim", releasable_to=("JPN", "USA"))
        outcomes = cast.release("KOR", "park", item_id)
        cast.send("KOR", "JPN", outcomes)
    [to_jpn] = [o for o in outcomes if o.nation == "JPN"]
    header = item_header(
        label=transfers.get_item(kor, item_id)["label"],
        item_id=item_id,
        title="DPRK launch track",
        agreement_id=to_jpn.agreement_id,
        version=to_jpn.agreement_version,
        precedence="FLASH",
    )
    message_id = f"onward-{item_id}"
    return sealed(jpn, usa, Plain(message_id, "item", header, b"track 1"))


def test_an_item_passed_on_in_a_classic_envelope_is_refused_under_an_agreement_refusing_it(
    classic_three: Cast,
) -> None:
    usa = classic_three["USA"]
    document, accepted = receive_batch(usa, "JPN", passed_on(classic_three))
    [answer] = answers(usa, document)
    assert (answer["status"], answer["article"]) == ("rejected", "Art. 9, UNCONFIRMED R26")
    assert "JPN-USA" in answer["reason"]
    assert accepted == []


def test_an_item_passed_on_in_a_classic_envelope_goes_on_to_the_onward_decision_if_allowed(
    classic_three: Cast,
) -> None:
    usa = classic_three["USA"]
    message = passed_on(classic_three)
    with classic_allowed(usa, *(a.id for a in usa.agreements.between("JPN", "USA"))):
        document, accepted = receive_batch(usa, "JPN", message)
    [answer] = answers(usa, document)
    assert answer["status"] == "rejected"
    assert "R26" not in answer["article"]
    assert "consent" in answer["reason"]  # the onward decision's refusal (R12), not R26's
    assert accepted == []


def _plan_security_visit(cast: Cast) -> dict[str, Any]:
    jpn = cast["JPN"]
    now = jpn.clock()
    return security_visits.plan_visit(
        jpn, cast.user("JPN", "tanaka"), visiting_party="KOR", host_party="JPN",
        representatives=["Col. Choi"], place="MOD Ichigaya", scope="storage",
        starts=now + timedelta(days=1), ends=now + timedelta(days=2),
    )  # fmt: skip


def _visits(node: Node) -> list[str]:
    with node.engine.connect() as conn:
        return [str(i) for i in conn.execute(select(security_visits_table.c.id)).scalars()]


def test_r26_a_workflow_message_goes_classic_only_where_the_agreement_approves_it(
    classic: Cast,
) -> None:
    """The node picks the link's suite per partner from the agreement: under one refusing
    the classic profile, nothing is planned or queued; under one approving it, the plan
    travels classic and the partner, reading the agreement the same way, records it."""
    before = _visits(classic["JPN"])
    with pytest.raises(PolicyDenied, match=r"refuses the classic .* \(R26\)"):
        _plan_security_visit(classic)
    assert _visits(classic["JPN"]) == before  # refused before anything was stored
    with (
        classic_allowed(classic["JPN"], "KOR-JPN-2016"),
        classic_allowed(classic["KOR"], "KOR-JPN-2016"),
    ):
        visit = _plan_security_visit(classic)
        classic.deliver("JPN", "KOR")
    assert visit["id"] in _visits(classic["KOR"])


def test_r26_a_classic_workflow_message_is_refused_where_the_receivers_agreement_refuses_it(
    classic: Cast,
) -> None:
    """JPN's node reads the agreement as approving the classic profile; KOR's does not, and
    its reading decides what it opens: the plan is answered refused and not recorded."""
    with classic_allowed(classic["JPN"], "KOR-JPN-2016"):
        visit = _plan_security_visit(classic)
        jpn = classic["JPN"]
        with jpn.engine.begin() as conn:
            due = outbox.due(conn, jpn.clock(), 10_000)
        rows = [p for p in due if p.peer == "KOR"]
        document, _ = receive_batch(classic["KOR"], "JPN", batch_of(jpn, classic["KOR"], rows))
    [answer] = [a for a in answers(classic["KOR"], document) if a["status"] == "rejected"]
    assert "classic profile is not post-quantum" in answer["reason"]
    assert "(R26)" in answer["reason"]
    assert visit["id"] not in _visits(classic["KOR"])
