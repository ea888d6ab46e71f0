"""An item's partners and purpose are checked when it is published (issue 16): a typo in a
nation code, or a purpose no one here has a need-to-know for, is refused naming what is
known, before anything is stored; a real nation without an agreement is still refused at
release under Art. 1, where the treaty decides it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import InputError
from gsomia.store.tables import items
from gsomia.treaty import sources


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return build_cast(tmp_path_factory.mktemp("typed"), ("KOR", "JPN"))


def stored(cast: Cast) -> int:
    with cast["KOR"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"releasable_to": ("JNP",)}, "did you mean JPN (Japan)"),
        ({"releasable_to": ("JPN", "KOREA")}, "'KOREA' is not an ISO 3166-1 alpha-3"),
        ({"purpose": "missle-warning"}, "use a community of this node's people: missile-warning"),
        ({"level": "SECRET"}, "군사II급비밀 (MILITARY SECRET)"),
    ],
)
def test_a_typed_value_no_one_could_use_is_refused_at_publication(
    pair: Cast, fields: dict[str, object], words: str
) -> None:
    before = stored(pair)
    with pytest.raises(InputError) as refused:
        pair.publish("KOR", "kim", **fields)
    assert words in str(refused.value)
    assert stored(pair) == before


def test_a_real_nation_without_an_agreement_is_left_to_the_release_decision(
    pair: Cast, tmp_path: Path
) -> None:
    item_id = pair.publish("KOR", "kim", releasable_to=("fra",))
    [outcome] = pair.release("KOR", "park", item_id)
    assert not outcome.decision.allowed
    assert outcome.decision.article == sources.NO_AGREEMENT  # policy, not Art. 1 (ADR 0106)
