"""An amendment through the nodes: each party's written consent to one text; a new version
applies on both nodes only once both consented, and what was provided keeps its version (R45).

Version 2 of KOR–JPN (a text made up for the test) adds a TOP SECRET row, 군사I급비밀 ↔ 機密,
from 10 December 2026. KOR's officer consents first, and its consent carries the text to JPN.
Until JPN's officer consents to the same text, TOP SECRET stays uncovered; after it, a KOR
item at 군사I급비밀 reaches JPN marked 機密 under version 2, and a holding provided before
still names version 1. A consent to another text is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.node.node_fixtures import Cast, Clock, build_cast

from gsomia.errors import Conflict, InputError
from gsomia.node import agreements
from gsomia.store import holdings as stored_holdings
from gsomia.store.tables import holdings

KJ = "KOR-JPN-2016"
TEXT: dict[str, Any] = {
    "effective": "2026-12-10",
    "basis": "Art. 21.2 amendment (made up for the test)",
    "rows": [
        {"english": "TOP SECRET", "KOR": ["군사I급비밀"], "JPN": ["機密"]},
        {"english": "SECRET", "KOR": ["군사II급비밀"], "JPN": ["極秘", "特定秘密"]},
        {"english": "CONFIDENTIAL", "KOR": ["군사III급비밀"], "JPN": ["秘"]},
    ],
}


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Cast, Clock]]:
    clock = Clock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    cast = build_cast(tmp_path, ("KOR", "JPN"), clock=clock)
    yield cast, clock
    for node in cast.nodes.values():
        node.engine.dispose()


def _consent(cast: Cast, nation: str, text: dict[str, Any], on: date) -> None:
    officer = cast.user(nation, {"KOR": "park", "JPN": "tanaka"}[nation])
    agreements.consent_to_amendment(
        cast[nation], officer, KJ, text, on=on, note=f"{nation} note of {on}"
    )


def _holding_version(cast: Cast, item_id: str) -> tuple[str, int]:
    with cast["JPN"].engine.connect() as conn:
        row = conn.execute(stored_holdings.whole().where(holdings.c.item_id == item_id)).one()
    record = stored_holdings.from_row(row, cast["JPN"].vault)
    return record.local_level, record.agreement_version


def test_a_version_applies_once_both_parties_consented_to_its_text(
    pair: tuple[Cast, Clock],
) -> None:
    cast, clock = pair
    before = cast.publish("KOR", "kim")
    cast.release("KOR", "park", before)
    cast.deliver("KOR", "JPN")

    _consent(cast, "KOR", TEXT, date(2026, 12, 2))
    cast.deliver("KOR", "JPN")
    assert agreements.pending_amendment(cast["JPN"], KJ) == TEXT
    clock.now = datetime(2026, 12, 11, 9, tzinfo=UTC)
    top = cast.publish("KOR", "park", level="군사I급비밀")
    [refused] = cast.release("KOR", "park", top)
    assert not refused.decision.allowed  # one consent is no amendment
    assert refused.decision.requirement == "R2"

    _consent(cast, "JPN", agreements.pending_amendment(cast["JPN"], KJ) or {}, date(2026, 12, 3))
    cast.deliver("JPN", "KOR")
    for nation in ("KOR", "JPN"):
        agreement = cast[nation].agreement(KJ)
        assert [v.number for v in agreement.versions] == [1, 2]
        assert agreement.version_at(date(2026, 12, 10)).number == 2
    [provided] = cast.release("KOR", "park", top)
    assert provided.decision.allowed, provided.decision.reason
    cast.deliver("KOR", "JPN")
    assert _holding_version(cast, top) == ("機密", 2)
    assert _holding_version(cast, before) == ("極秘", 1)  # provided under version 1, keeps it


def test_a_consent_to_another_text_or_to_a_text_that_does_not_read_is_refused(
    pair: tuple[Cast, Clock],
) -> None:
    cast, _ = pair
    _consent(cast, "KOR", TEXT, date(2026, 12, 2))
    cast.deliver("KOR", "JPN")
    other = {**TEXT, "rows": TEXT["rows"][1:]}
    with pytest.raises(Conflict, match="not to the same text"):
        _consent(cast, "JPN", other, date(2026, 12, 3))
    with pytest.raises(InputError, match="군사0급"):
        _consent(
            cast, "JPN", {**TEXT, "rows": [{"english": "X", "KOR": ["군사0급"]}]}, date(2026, 12, 3)
        )
    assert [v.number for v in cast["JPN"].agreement(KJ).versions] == [1]
