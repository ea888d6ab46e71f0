"""Security categories checked as NATO's SPIF defines them, and SPIF 2.0 read like 2.1."""

from __future__ import annotations

from importlib import resources

import pytest

from gsomia.treaty.categories import category_problems
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
            ["'Releasable To' KOR is excluded at TOP SECRET"],
        ),
        (
            "RESTRICTED",
            [("Additional Sensitivity", "RESTRICTIVE", ["CRYPTO"])],
            ["'Additional Sensitivity' CRYPTO is excluded at RESTRICTED"],
        ),
        (
            "SECRET",
            [("Releasable To", "RESTRICTIVE", ["KOR"])],
            ["'Releasable To' is PERMISSIVE, not RESTRICTIVE"],
        ),
        (
            "SECRET",
            [("Releasable To", "PERMISSIVE", ["ISAF"])],
            ["'Releasable To' has no value 'ISAF'"],
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
