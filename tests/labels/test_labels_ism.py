"""CAPCO banners, portion marks and ISM attributes, from the table in banners.json."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.labels import (
    CAVEATS,
    Banner,
    InvalidBanner,
    ism_attributes,
    make_label,
    parse_banner,
    parse_portion,
    portion_mark,
    render_banner,
)
from gsomia.labels.ism import US_CLASSIFICATIONS, release_order

TABLE: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "labels" / "banners.json").read_text()
)


def label_for(row: dict[str, Any], originator: str = "USA") -> Any:
    return make_label(
        policy="urn:gsomia:policy:USA:2010-06-25",
        classification=row["classification"],
        originator=originator,
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
        releasable_to=row["releasable_to"],
        caveats=row["caveats"],
    )


@pytest.mark.parametrize("row", TABLE["valid"], ids=lambda r: r["banner"])
def test_valid_banner(row: dict[str, Any]) -> None:
    banner = parse_banner(row["banner"])
    assert banner.classification == row["classification"]
    assert banner.caveats == set(row["caveats"])
    assert banner.releasable_to == set(row["releasable_to"])
    assert banner.render() == row["render"]
    assert banner.portion() == row["portion"]
    assert parse_banner(banner.render()) == banner
    assert parse_portion(banner.portion()) == banner


@pytest.mark.parametrize("row", TABLE["valid"], ids=lambda r: r["banner"])
def test_label_renders_like_the_table(row: dict[str, Any]) -> None:
    label = label_for(row)
    assert render_banner(label, row["classification"]) == row["render"]
    assert portion_mark(label, row["classification"]) == row["portion"]
    assert ism_attributes(label, row["classification"]) == {"ownerProducer": "USA", **row["ism"]}


@pytest.mark.parametrize("row", TABLE["invalid"], ids=lambda r: r["banner"] or "empty")
def test_invalid_banner(row: dict[str, Any]) -> None:
    with pytest.raises(InvalidBanner) as caught:
        parse_banner(row["banner"])
    assert row["error"] in str(caught.value)
    assert isinstance(caught.value, InputError)


@pytest.mark.parametrize("row", TABLE["valid_portions"], ids=lambda r: r["portion"])
def test_valid_portion(row: dict[str, Any]) -> None:
    banner = parse_portion(row["portion"])
    assert banner.portion() == row["render"]
    assert banner.render() == row["banner"]


@pytest.mark.parametrize("row", TABLE["invalid_portions"], ids=lambda r: r["portion"])
def test_invalid_portion(row: dict[str, Any]) -> None:
    with pytest.raises(InvalidBanner) as caught:
        parse_portion(row["portion"])
    assert row["error"] in str(caught.value)


def test_korean_label_in_us_terms() -> None:
    """R11: a KOR-originated label exported for US interoperability; the caller maps
    군사II급비밀 to SECRET under the agreement and passes the word in."""
    label = make_label(
        policy="urn:gsomia:policy:KOR:2016-11-23",
        classification="군사II급비밀",
        originator="KOR",
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
        releasable_to=["KOR", "JPN", "USA"],
        purposes=["missile warning"],
    )
    assert render_banner(label, "SECRET") == "SECRET//REL TO USA, JPN, KOR"
    assert ism_attributes(label, "SECRET") == {
        "classification": "S",
        "ownerProducer": "KOR",
        "releasableTo": "USA JPN KOR",
        "disseminationControls": "REL",
    }
    with pytest.raises(InvalidBanner, match="'군사II급비밀' is not a US classification"):
        render_banner(label, "군사II급비밀")


def test_banner_to_label_categories() -> None:
    banner = parse_banner("SECRET//ORCON/REL TO USA, KOR")
    label = make_label(
        policy="urn:gsomia:policy:USA:2010-06-25",
        classification=banner.classification,
        originator="USA",
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
        releasable_to=banner.releasable_to,
        caveats=banner.caveats,
    )
    assert label.categories == tuple(
        sorted(banner.categories(), key=lambda c: (c.type.value, c.tag_name))
    )
    assert render_banner(label, "SECRET") == "SECRET//ORCON/REL TO USA, KOR"


def test_noforn_with_rel_to_is_refused_by_the_banner_value_too() -> None:
    with pytest.raises(InvalidBanner, match="both NOFORN and REL TO"):
        Banner("SECRET", frozenset({"NOFORN"}), frozenset({"USA"}))


def test_banner_and_model_know_the_same_caveats() -> None:
    for caveat in CAVEATS:
        assert Banner("SECRET", frozenset({caveat})).caveats == {caveat}


@given(st.sets(st.sampled_from(["USA", "KOR", "JPN", "GBR", "AUS", "NATO", "FVEY"]), min_size=1))
def test_release_order_puts_usa_first_then_trigraphs_then_tetragraphs(nations: set[str]) -> None:
    ordered = release_order(nations)
    assert set(ordered) == nations
    if "USA" in nations:
        assert ordered[0] == "USA"
    rest = [n for n in ordered if n != "USA"]
    assert rest == sorted(rest, key=lambda n: (len(n), n))


nation = st.sampled_from(["USA", "KOR", "JPN", "GBR", "AUS", "NATO", "CAN", "DEU"])


@given(
    st.sampled_from(list(US_CLASSIFICATIONS)),
    st.sets(st.sampled_from(CAVEATS)),
    st.sets(nation),
)
def test_any_marking_renders_and_parses_back(
    classification: str, caveats: set[str], nations: set[str]
) -> None:
    if "NOFORN" in caveats:
        nations = set()
    banner = Banner(classification, frozenset(caveats), frozenset(nations))
    assert parse_banner(banner.render()) == banner
    assert parse_portion(banner.portion()) == banner
