"""A classification notice re-marks copies, translations and derivatives made with the custody
workflow (node/control/copies.py, derivatives.py) on the holder's node and on the originator's
(R8, R14, R29, R30)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.node.consent_fixtures import deliver, provided
from tests.node.node_fixtures import Cast

from gsomia.node.control import derivatives
from gsomia.node.control.copies import make_copies, translate
from gsomia.node.control.notices import reclassify
from gsomia.store.tables import copies


def _copy(cast: Cast, nation: str, copy_id: str) -> dict[str, Any]:
    with cast[nation].engine.connect() as conn:
        return dict(conn.execute(select(copies).where(copies.c.id == copy_id)).mappings().one())


def _change(cast: Cast, item_id: str, kind: str, level: str) -> None:
    reclassify(cast["KOR"], cast.user("KOR", "park"), item_id, change=kind, level=level)
    assert [a["status"] for a in deliver(cast, "KOR", "JPN")] == ["received"]
    assert [a["status"] for a in deliver(cast, "JPN", "KOR")] == ["received"]


def test_copies_translations_and_derivatives_are_remarked(cast: Cast) -> None:
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    first, held = provided(cast)  # 군사II급비밀 → 極秘
    second, other = provided(cast, level="군사III급비밀")  # → 秘
    [copy] = make_copies(jpn, sato, held)
    translation = translate(
        jpn, sato, held, translator="sato", language="ja", source_language="ko", content="訳"
    )
    summary = derivatives.derive(jpn, sato, [held], kind="summary", title="s", content="s")
    both = derivatives.derive(jpn, sato, [held, other], kind="compilation", title="c", content="c")
    kor, kim = cast["KOR"], cast.user("KOR", "kim")
    own = derivatives.derive(kor, kim, [first], kind="summary", title="own", content="o")
    assert _copy(cast, "JPN", both.id)["level"] == "極秘"
    assert _copy(cast, "KOR", own.id)["level"] == "군사II급비밀"

    _change(cast, first, "downgrade", "군사III급비밀")
    for made in (copy, translation, summary, both):
        row = _copy(cast, "JPN", made.id)
        assert row["level"] == "秘", made.id
        assert row["label"]["marking"] == "秘", made.id
    assert _copy(cast, "JPN", copy.id)["label"]["original_marking"] == "군사III급비밀"
    assert _copy(cast, "KOR", own.id)["level"] == "군사III급비밀"

    # The compilation follows its highest source: upgrading the other source raises it.
    _change(cast, second, "upgrade", "군사II급비밀")
    assert _copy(cast, "JPN", both.id)["level"] == "極秘"
    assert _copy(cast, "JPN", summary.id)["level"] == "秘"  # made from the first only
    remarked = [e for e in cast.log("JPN", both.id) if e["action"] == "remark"]
    assert len(remarked) == 2
