"""Copies, translations, derivatives and the inventory of JPN's holdings (R8, R15, R17, R29, R30).

KOR's 군사II급비밀 items are held by JPN at 極秘; sato (極秘) and tanaka (機密) may read them,
suzuki (秘) may not. The originator's terms travel in its signed label (`custody_fixtures`).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.node.custody_fixtures import provide
from tests.node.node_fixtures import Cast

from gsomia.errors import InputError, NotFound, PolicyDenied
from gsomia.node import read
from gsomia.node.control import derivatives, disposal, inventory
from gsomia.node.control.copies import CopyView, make_copies, translate
from gsomia.seal import open_envelope
from gsomia.store.tables import copies
from gsomia.treaty.custody import IpUse


def _copy(cast: Cast, held: str, count: int = 1, who: str = "sato") -> list[CopyView]:
    return make_copies(cast["JPN"], cast.user("JPN", who), held, count)


def _refusals(cast: Cast, held: str, action: str) -> list[dict[str, object]]:
    return [e for e in cast.log("JPN", held) if e["action"] == action and not e["allowed"]]


# Copies (R29, R15) ----------------------------------------------------------------------------


def test_copies_are_numbered_counted_and_carry_every_original_marking(cast: Cast) -> None:
    held = provide(cast)
    first, second = _copy(cast, held, 2)
    [third] = _copy(cast, held)
    assert [c.number for c in (first, second, third)] == [1, 2, 3]
    assert third.id == f"{held}/copy-3"
    label = third.label
    assert (label["originator"], label["original_marking"], label["marking"]) == (
        "KOR",
        "군사II급비밀",
        "極秘",
    )
    assert (label["copy"], third.level, third.state, third.made_by) == (3, "極秘", "held", "sato")
    assert label["original_label"] == read.holding_row(cast["JPN"], held).original_label
    copied = [e for e in cast.log("JPN", held) if e["action"] == "copy"]
    assert [(e["actor"], e["allowed"]) for e in copied] == [("sato", True)] * 3


def test_the_originators_copy_limit_is_enforced(cast: Cast) -> None:
    held = provide(cast, terms={"copy_limit": 2})
    with pytest.raises(PolicyDenied, match="allows 2 copies") as caught:
        _copy(cast, held, 3)  # all or nothing
    assert caught.value.article == "Art. 14"
    with cast["JPN"].engine.connect() as conn:
        assert conn.execute(select(copies).where(copies.c.holding_id == held)).all() == []
    assert [c.number for c in _copy(cast, held, 2)] == [1, 2]
    with pytest.raises(PolicyDenied, match="R29"):
        _copy(cast, held)
    [refusal, *_] = _refusals(cast, held, "copy")
    assert refusal["article"] == "Art. 14 R29"


def test_no_reproduction_forbids_any_copy(cast: Cast) -> None:
    held = provide(cast, terms={"handling": ["NO REPRODUCTION"]})
    with pytest.raises(PolicyDenied, match="prohibited reproducing"):
        _copy(cast, held)
    assert len(_refusals(cast, held, "copy")) == 1


def test_a_copy_is_made_only_by_someone_who_may_read_it(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(PolicyDenied, match="clearance below") as caught:
        _copy(cast, held, who="suzuki")
    assert caught.value.article == "Art. 7.2"


def test_intellectual_property_restrictions_survive_copying_and_translation(cast: Cast) -> None:
    held = provide(cast, terms={"handling": ["PATENT"]})
    [copy] = _copy(cast, held)
    translation = translate(
        cast["JPN"],
        cast.user("JPN", "sato"),
        held,
        translator="sato",
        language="ja",
        source_language="ko",
        content="特許",
    )
    assert copy.label["ip_restrictions"] == ["PATENT"]
    assert translation.label["ip_restrictions"] == ["PATENT"]


def test_an_ip_restricted_item_is_read_for_official_use_only(cast: Cast) -> None:
    """R15 through the node: a PATENT item is read for official use; reading it to
    manufacture is refused under Art. 6(d) and logged, while an unrestricted item may be."""
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    patented = provide(cast, terms={"handling": ["PATENT"]})
    _, content, decision = read.read_holding(jpn, sato, patented)
    assert content == b"track 1"
    assert decision.allowed
    with pytest.raises(PolicyDenied, match="restricted by PATENT: no manufacture use") as refused:
        read.read_holding(jpn, sato, patented, use=IpUse.MANUFACTURE)
    assert refused.value.article == "Art. 6(d)"
    [logged] = [e for e in cast.log("JPN", patented) if not e["allowed"]]
    assert (logged["action"], logged["article"]) == ("read", "Art. 6(d) R15")
    plain = provide(cast)
    _, _, decision = read.read_holding(jpn, sato, plain, use=IpUse.MANUFACTURE)
    assert (decision.allowed, decision.requirement) == (True, "R15")


# Translations (R30) ---------------------------------------------------------------------------


def test_a_cleared_translator_translates_and_the_translation_counts_as_a_copy(cast: Cast) -> None:
    held = provide(cast, terms={"copy_limit": 1})
    jpn = cast["JPN"]
    done = translate(
        jpn,
        cast.user("JPN", "tanaka"),
        held,
        translator="sato",
        language="ja",
        source_language="ko",
        content="航跡 1: 北緯39.0度",
    )
    assert (done.kind, done.number, done.made_by) == ("translation", 1, "sato")
    assert (done.label["originator"], done.label["source_language"]) == ("KOR", "ko")
    assert (done.label["marking"], done.label["original_marking"]) == ("極秘", "군사II급비밀")
    with jpn.engine.connect() as conn:
        sealed = conn.execute(select(copies.c.content).where(copies.c.id == done.id)).scalar_one()
    assert "北緯".encode() not in sealed
    opened = open_envelope(sealed, keys=jpn.keys, senders=[jpn.card])
    assert opened.content.decode() == "航跡 1: 北緯39.0度"
    # Copies and translations count together against the originator's limit.
    with pytest.raises(PolicyDenied, match="allows 1 copies"):
        _copy(cast, held)


def test_a_translator_who_may_not_read_it_is_refused(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(PolicyDenied, match="not a cleared translator") as caught:
        translate(
            cast["JPN"],
            cast.user("JPN", "tanaka"),
            held,
            translator="suzuki",
            language="ja",
            source_language="ko",
            content="x",
        )
    assert caught.value.article == "Art. 15"
    assert len(_refusals(cast, held, "translate")) == 1


# Derivatives (R8) -----------------------------------------------------------------------------


def test_a_compilation_is_marked_at_its_highest_source_and_lists_every_originator(
    cast: Cast,
) -> None:
    held = provide(cast)
    own = cast.publish(
        "JPN",
        "sato",
        level="秘",
        releasable_to=("KOR",),
        title="JPN radar note",
        precedence="ROUTINE",
    )
    made = derivatives.derive(
        cast["JPN"],
        cast.user("JPN", "sato"),
        [own, held],
        kind="compilation",
        title="combined track",
        content="both",
    )
    assert (made.kind, made.level) == ("derivative", "極秘")
    assert made.label["originators"] == ["JPN", "KOR"]
    assert made.details["sources"] == [own, held]
    # A level above the sources may be chosen; one below them is refused.
    higher = derivatives.derive(
        cast["JPN"], cast.user("JPN", "tanaka"), [held], kind="extract", title="e", content="x",
        level="機密",
    )  # fmt: skip
    assert higher.level == "機密"
    with pytest.raises(PolicyDenied, match="below") as caught:
        derivatives.derive(
            cast["JPN"], cast.user("JPN", "sato"), [held], kind="summary", title="s", content="x",
            level="秘",
        )  # fmt: skip
    assert caught.value.article == "Art. 4.3"


def test_no_derivative_from_what_one_may_not_read_or_what_was_destroyed(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(PolicyDenied, match="may not use source"):
        derivatives.derive(
            cast["JPN"], cast.user("JPN", "suzuki"), [held], kind="summary", title="s", content="x"
        )
    disposal.destroy(
        cast["JPN"],
        cast.user("JPN", "tanaka"),
        held,
        method="burning",
        officials=["tanaka", "sato"],
    )
    with pytest.raises(PolicyDenied, match="destroyed"):
        derivatives.derive(
            cast["JPN"], cast.user("JPN", "sato"), [held], kind="summary", title="s", content="x"
        )


def test_a_summary_has_one_source(cast: Cast) -> None:
    first, second = provide(cast), provide(cast)
    with pytest.raises(InputError, match="compilation from several"):
        derivatives.derive(
            cast["JPN"], cast.user("JPN", "sato"), [first, second], kind="summary", title="s",
            content="x",
        )  # fmt: skip


# Inventory (R17) ------------------------------------------------------------------------------


def test_the_inventory_gives_the_chain_of_custody_and_the_readers(cast: Cast) -> None:
    held = provide(cast)
    jpn = cast["JPN"]
    read.read_holding(jpn, cast.user("JPN", "sato"), held)
    read.read_holding(jpn, cast.user("JPN", "tanaka"), held)
    read.read_holding(jpn, cast.user("JPN", "sato"), held)
    with pytest.raises(PolicyDenied):
        read.read_holding(jpn, cast.user("JPN", "suzuki"), held)
    [copy] = _copy(cast, held)
    disposal.destroy(
        jpn,
        cast.user("JPN", "tanaka"),
        held,
        method="burning",
        officials=["tanaka", "sato"],
        dispose_dependants=True,
    )
    found = inventory.inventory(jpn, cast.user("JPN", "tanaka"), held)
    assert found.readers == ("sato", "tanaka")  # refused readers are not among them
    assert [(e.kind.value, e.object_id) for e in found.chain] == [
        ("received", held),
        ("copied", copy.id),
        ("destroyed", held),
        ("destroyed", copy.id),
    ]
    assert [c.state for c in found.copies] == ["destroyed"]
    assert {d["subject_id"] for d in found.destructions} == {held, copy.id}
    as_json = found.to_json()
    assert as_json["holding"]["state"] == "destroyed"
    assert inventory.readers(jpn, cast.user("JPN", "tanaka"), held) == ("sato", "tanaka")


def test_the_inventory_is_refused_to_one_who_may_not_see_it_and_names_what_is_unknown(
    cast: Cast,
) -> None:
    """R17 refused: a person whose clearance lapsed gets no inventory, and the refusal is
    logged; an identifier the node does not hold is named, not answered with an empty chain."""
    held = provide(cast)
    jpn = cast["JPN"]
    with pytest.raises(PolicyDenied, match="clearance expired") as refused:
        inventory.inventory(jpn, cast.user("JPN", "lapsed"), held)
    assert refused.value.article == "Art. 7.2"
    [logged] = [e for e in cast.log("JPN", held) if e["actor"] == "lapsed"]
    assert (logged["action"], logged["allowed"]) == ("view_transfers", False)
    with pytest.raises(NotFound, match="no-such-holding"):
        inventory.inventory(jpn, cast.user("JPN", "tanaka"), "no-such-holding")


def test_the_originator_sees_its_item_given_and_returned(cast: Cast) -> None:
    held = provide(cast)
    disposal.return_holding(cast["JPN"], cast.user("JPN", "tanaka"), held)
    cast.deliver("JPN", "KOR")
    item_id = read.holding_row(cast["JPN"], held).item_id
    found = inventory.inventory(cast["KOR"], cast.user("KOR", "park"), item_id)
    kinds = [(e.kind.value, e.location) for e in found.chain]
    assert kinds == [("handed_over", "KOR -> JPN"), ("returned", "JPN -> KOR")]
    mine = inventory.inventory(cast["JPN"], cast.user("JPN", "tanaka"), held)
    assert [e.kind.value for e in mine.chain] == ["received", "returned"]
