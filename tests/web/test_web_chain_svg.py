"""The chain-of-custody picture: layout by hops from the originator, escaped labels."""

from __future__ import annotations

from typing import Any

from gsomia.web.chain import layout, render_svg


def _chain(*hops: tuple[str, str, str, str | None]) -> dict[str, Any]:
    paths: dict[str, list[str]] = {"KOR": ["KOR"]}
    for source, target, _, _ in hops:
        paths.setdefault(target, [*paths[source], target])
    return {
        "originator": "KOR",
        "transfers": [
            {"from": s, "to": t, "level": level, "consent_id": consent, "hub": None}
            for s, t, level, consent in hops
        ],
        "paths": paths,
    }


def test_each_hop_is_one_column_further_right() -> None:
    boxes, arrows, width, _ = layout(
        _chain(("KOR", "JPN", "極秘", None), ("JPN", "USA", "SECRET", "c1"))
    )
    x = {b.nation: b.x for b in boxes}
    assert x["KOR"] < x["JPN"] < x["USA"]
    assert [(a.source.nation, a.target.nation) for a in arrows] == [("KOR", "JPN"), ("JPN", "USA")]
    assert width > x["USA"]


def test_holders_at_the_same_distance_stack_in_one_column() -> None:
    boxes, _, _, height = layout(
        _chain(("KOR", "JPN", "極秘", None), ("KOR", "USA", "SECRET", None))
    )
    by = {b.nation: b for b in boxes}
    assert by["JPN"].x == by["USA"].x
    assert by["JPN"].y != by["USA"].y
    assert height > max(by["JPN"].y, by["USA"].y)


def test_a_transfer_to_an_unknown_box_is_not_drawn() -> None:
    chain = _chain(("KOR", "JPN", "極秘", None))
    chain["transfers"].append(
        {"from": "JPN", "to": "XXX", "level": "?", "consent_id": None, "hub": None}
    )
    _, arrows, _, _ = layout(chain)
    assert len(arrows) == 1


def test_the_originator_alone_is_still_drawn() -> None:
    svg = render_svg(
        {"originator": "KOR", "transfers": [], "paths": {}}, title="t", consent_word="c"
    )
    assert 'data-nation="KOR"' in svg
    assert "<line" not in svg


def test_labels_are_escaped_and_say_the_consent() -> None:
    svg = render_svg(
        _chain(("KOR", "JPN", "<script>x</script>", None), ("JPN", "USA", "SECRET", "abc")),
        title="Chain <of> custody",
        consent_word="consent",
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "Chain &lt;of&gt; custody" in svg
    assert 'data-consent="abc"' in svg
    assert "consent abc" in svg
    assert 'lang="ja"' in svg  # JPN's marking in Japanese glyphs
    assert 'role="img" aria-labelledby="chain-title chain-desc"' in svg
