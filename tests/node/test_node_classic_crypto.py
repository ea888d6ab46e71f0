"""An agreement's `classic_crypto_allowed` decides whether classic-profile nodes exchange (R26).

Nodes whose keys use the non-post-quantum `classic` profile provide nothing under an agreement
that refuses it; the same nodes provide once the agreement allows it. The refusal is the
treaty's (`may_provide`), logged like every other provision decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import Cast, build_cast

from gsomia.node.release import classic_crypto
from gsomia.store.tables import outbox
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
            select(func.count()).select_from(outbox).where(outbox.c.item_id == item_id)
        ).scalar_one()


def test_classic_keys_provide_nothing_under_an_agreement_that_refuses_them(classic: Cast) -> None:
    assert not classic["KOR"].agreement("KOR-JPN-2016").classic_crypto_allowed
    item_id = classic.publish("KOR", "kim")
    [outcome] = classic.release("KOR", "park", item_id)
    assert not outcome.decision.allowed
    assert (outcome.decision.article, outcome.decision.requirement) == ("Art. 9", "R26")
    assert "refuses the classic (non-post-quantum) envelope profile" in outcome.decision.reason
    assert outcome.envelope is None
    assert queued(classic, item_id) == 0
    [logged] = [e for e in classic.log("KOR", item_id) if e["action"] == "provide:JPN"]
    assert not logged["allowed"]
    assert logged["article"] == "Art. 9 R26"


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
