"""Security categories checked as NATO's SPIF defines them, and SPIF 2.0 read like 2.1."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.treaty.categories import category_problems, may_hold_categories
from gsomia.treaty.schemes import SchemeFileError, load_schemes, parse_spif

NATO = load_schemes().scheme("NATO")


@pytest.mark.parametrize(
    ("classification", "categories", "problems"),
    [
        ("SECRET", [("Releasable To", "PERMISSIVE", ["KOR", "JPN", "NATO"])], []),
        ("SECRET", [("Additional Sensitivity", "RESTRICTIVE", ["ATOMAL"])], []),
        ("TOP SECRET", [("Releasable To", "PERMISSIVE", ["NATO"])], []),
        # NATO's SPIF excludes KOR and JPN from COSMIC TOP SECRET releasability.
        (
            "TOP SECRET",
            [("Releasable To", "PERMISSIVE", ["KOR"])],
            ["'Releasable To' KOR is excluded at TOP SECRET (excludedClass)"],
        ),
        (
            "RESTRICTED",
            [("Additional Sensitivity", "RESTRICTIVE", ["CRYPTO"])],
            ["'Additional Sensitivity' CRYPTO is excluded at RESTRICTED (excludedClass)"],
        ),
        (
            "SECRET",
            [("Releasable To", "RESTRICTIVE", ["KOR"])],
            ["'Releasable To' is PERMISSIVE, not RESTRICTIVE"],
        ),
        # Missions NATO's SPIF lists are releasability values, within its exclusions; an
        # organisation it does not list (the EU) is refused.
        ("SECRET", [("Releasable To", "PERMISSIVE", ["KFOR", "RESOLUTE SUPPORT"])], []),
        ("UNCLASSIFIED", [("Releasable To", "PERMISSIVE", ["ISAF", "EAPC"])], []),
        (
            "SECRET",
            [("Releasable To", "PERMISSIVE", ["ISAF"])],
            ["'Releasable To' ISAF is excluded at SECRET (excludedClass)"],
        ),
        (
            "SECRET",
            [("Releasable To", "PERMISSIVE", ["EU"])],
            ["'Releasable To' has no value 'EU'"],
        ),
        (
            "SECRET",
            [("Caveats", "RESTRICTIVE", ["X"])],
            ["the policy defines no category 'Caveats'"],
        ),
    ],
)
def test_nato_categories_are_checked_as_natos_spif_says(
    classification: str, categories: list[tuple[str, str, list[str]]], problems: list[str]
) -> None:
    assert category_problems(NATO.tag_sets, classification, categories) == problems


def _nato_spif() -> bytes:
    return (resources.files("gsomia.treaty") / "data" / "schemes" / "nato.xml").read_bytes()


def test_a_spif_2_0_is_read_as_2_1_is_and_another_version_is_refused() -> None:
    older = parse_spif(_nato_spif().replace(b'schemaVersion="2.1"', b'schemaVersion="2.0"'))
    assert [level.native for level in older.levels] == [level.native for level in NATO.levels]
    assert [t.name for t in older.tag_sets] == ["Additional Sensitivity", "Releasable To"]
    with pytest.raises(SchemeFileError, match=r"2\.0 or 2\.1"):
        parse_spif(_nato_spif().replace(b'schemaVersion="2.1"', b'schemaVersion="3.0"'))


ACME = parse_spif(
    (Path(__file__).resolve().parent.parent / "vectors" / "spif" / "rules-2-1.xml").read_bytes()
)
REL, SENSITIVE, MISSION = "Releasable To", "Sensitive", "Mission"


@pytest.mark.parametrize(
    ("classification", "categories", "problems"),
    [
        ("CONFIDENTIAL", [(REL, "PERMISSIVE", ["MOCK"])], []),
        ("INTERNAL", [(REL, "PERMISSIVE", ["EU"])], []),
        (
            "CONFIDENTIAL",
            [(REL, "PERMISSIVE", ["EU"])],
            [
                "CONFIDENTIAL requires one or more of 'Releasable To' MOCK, "
                "'Releasable To' PHONY (requiredCategory)"
            ],
        ),
        (
            "INTERNAL",
            [(REL, "PERMISSIVE", ["PHONY"]), (SENSITIVE, "RESTRICTIVE", ["RED"])],
            ["'Sensitive' RED excludes 'Releasable To' PHONY (excludedCategory)"],
        ),
        ("INTERNAL", [(REL, "PERMISSIVE", ["MOCK"]), (SENSITIVE, "RESTRICTIVE", ["RED"])], []),
        (
            "INTERNAL",
            [(REL, "PERMISSIVE", ["MOCK"]), (SENSITIVE, "RESTRICTIVE", ["BLUE"])],
            [
                "'Sensitive' BLUE requires all of 'Releasable To' MOCK, any 'Mission' "
                "(requiredCategory)"
            ],
        ),
        (
            "INTERNAL",
            [
                (REL, "PERMISSIVE", ["MOCK"]),
                (SENSITIVE, "RESTRICTIVE", ["BLUE"]),
                (MISSION, "PERMISSIVE", ["BRAVO"]),
            ],
            [],
        ),
        (
            "INTERNAL",
            [(MISSION, "PERMISSIVE", ["ALPHA", "BRAVO"])],
            ["'Mission' allows one value only (singleSelection)"],
        ),
        (
            "PUBLIC",
            [(REL, "PERMISSIVE", ["MOCK"])],
            ["'Releasable To' MOCK is excluded at PUBLIC (excludedClass)"],
        ),
        ("PUBLIC", [("Administrative", "INFORMATIVE", ["STAFF"])], []),
    ],
)
def test_each_spif_rule_refuses_the_label_that_breaks_it_by_name(
    classification: str, categories: list[tuple[str, str, list[str]]], problems: list[str]
) -> None:
    assert ACME.category_problems(classification, categories) == problems


VALUES = st.sampled_from(["A", "B", "C", "D"])
LABELS = st.lists(
    st.tuples(
        st.sampled_from(["Sensitive", "Mission", "Only", "Admin"]),
        st.sampled_from(["RESTRICTIVE", "PERMISSIVE", "INFORMATIVE"]),
        st.lists(VALUES, min_size=1, max_size=3, unique=True),
    ),
    max_size=4,
    unique_by=lambda c: c[0],
)
HELD = st.frozensets(
    st.tuples(st.sampled_from(["Sensitive", "Mission", "Only", "Admin"]), VALUES), max_size=10
)


@given(categories=LABELS, held=HELD)
def test_a_reader_holds_every_restrictive_and_one_permissive_value_of_each_set(
    categories: list[tuple[str, str, list[str]]], held: frozenset[tuple[str, str]]
) -> None:
    decision = may_hold_categories(categories, held)
    expected = all(
        all((name, v) in held for v in values)
        if kind == "RESTRICTIVE"
        else any((name, v) in held for v in values)
        if kind == "PERMISSIVE"
        else True
        for name, kind, values in categories
    )
    assert decision.allowed is expected
    # Holding more never takes access away; holding everything always grants it.
    everything = {(name, v) for name, _, values in categories for v in values}
    assert may_hold_categories(categories, held | everything).allowed
    if not decision.allowed:
        assert (decision.article, decision.requirement) == ("Art. 7.1", "R19")


def test_a_refusal_names_the_category_and_values_missing() -> None:
    decision = may_hold_categories(
        [("Only", "PERMISSIVE", ["IRL", "SWE"]), ("Sensitive", "RESTRICTIVE", ["RED"])],
        {("Only", "SWE")},
    )
    assert not decision.allowed
    assert "'Sensitive' needs RED" in decision.reason
    decision = may_hold_categories([("Only", "PERMISSIVE", ["IRL", "SWE"])], set())
    assert "none of the label's permissive category 'Only' (IRL, SWE)" in decision.reason
