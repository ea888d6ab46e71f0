"""National schemes read from their SPIF files (R4, R5, R48; section 5 of the research notes)."""

from __future__ import annotations

from datetime import date

import pytest

from gsomia.errors import InputError, NotFound
from gsomia.treaty.schemes import (
    Level,
    SchemeFileError,
    UnknownMarking,
    load_schemes,
    marking_key,
    parse_spif,
)

SCHEMES = load_schemes()

# (nation, native markings from highest to lowest rank) as seeded from section 5.
SEED = [
    (
        "KOR",
        [
            "군사I급비밀",
            "I급비밀",
            "군사II급비밀",
            "II급비밀",
            "군사III급비밀",
            "III급비밀",
            "대외비",
        ],
    ),
    ("JPN", ["機密", "特定秘密", "極秘", "秘"]),
    ("USA", ["TOP SECRET", "SECRET", "CONFIDENTIAL"]),
    # NATO's own SPIF: UNCLASSIFIED … TOP SECRET; NATO / COSMIC belong to the marking.
    ("NATO", ["TOP SECRET", "SECRET", "CONFIDENTIAL", "RESTRICTED", "UNCLASSIFIED"]),
    ("GBR", ["TOP SECRET", "SECRET", "OFFICIAL"]),
    ("FRA", ["TRÈS SECRET", "SECRET"]),
    ("CAN", ["TOP SECRET", "SECRET", "CONFIDENTIAL"]),
    ("AUS", ["TOP SECRET", "SECRET", "PROTECTED"]),
]


def test_every_seeded_nation_is_shipped() -> None:
    assert SCHEMES.nations() == ("AUS", "CAN", "FRA", "GBR", "JPN", "KOR", "NATO", "USA")


@pytest.mark.parametrize(("nation", "natives"), SEED, ids=[n for n, _ in SEED])
def test_R48_current_levels_in_rank_order(nation: str, natives: list[str]) -> None:
    scheme = SCHEMES.scheme(nation)
    assert [level.native for level in scheme.levels] == natives
    ranks = [level.rank for level in scheme.levels]
    assert ranks == sorted(ranks, reverse=True)


@pytest.mark.parametrize(
    ("nation", "text", "native"),
    [
        ("KOR", "군사Ⅱ급비밀", "군사II급비밀"),  # U+2161, the MOFA English summary's form
        ("KOR", "군사II급비밀", "군사II급비밀"),  # ASCII, the Wikisource transcription's form
        ("KOR", "군사 Ⅲ급비밀", "군사III급비밀"),
        ("KOR", "군사1급비밀", "군사I급비밀"),  # the stamp form [HANKOOKI-2001]
        ("KOR", "군사１급비밀", "군사I급비밀"),  # full-width digit
        ("KOR", "military secret", "군사II급비밀"),
        ("JPN", "gokuhi", "極秘"),
        ("JPN", "Specially Designated Secret", "特定秘密"),
        ("USA", "ts", "TOP SECRET"),
        ("NATO", "CTS", "TOP SECRET"),
        ("NATO", "COSMIC TOP SECRET", "TOP SECRET"),
        ("NATO", "nato  secret", "SECRET"),
        ("NATO", "NATO UNCLASSIFIED", "UNCLASSIFIED"),
        ("FRA", "tres secret", "TRÈS SECRET"),
        ("GBR", "official-sensitive", "OFFICIAL"),
    ],
)
def test_R4_markings_parse_from_native_english_and_abbreviations(
    nation: str, text: str, native: str
) -> None:
    assert SCHEMES.parse(nation, text).native == native


def test_R4_nfkc_forms_compare_equal() -> None:
    assert marking_key("군사Ⅱ급비밀") == marking_key("군사II급비밀")
    assert SCHEMES.parse("KOR", "군사Ⅱ급비밀") == SCHEMES.parse("KOR", "군사II급비밀")


@pytest.mark.parametrize(
    ("nation", "text", "closest"),
    [
        ("KOR", "군사IV급비밀", "군사I급비밀"),
        ("JPN", "防衛秘密", "特定秘密"),  # abolished on 10 Dec 2014
        ("NATO", "NATO TOP SECRET", "COSMIC TOP SECRET"),  # top secret is COSMIC, not NATO
    ],
    ids=["R4-deny-no-fourth-level", "R5-deny-abolished-marking", "R48-deny-nato-top-secret"],
)
def test_R4_unknown_marking_names_scheme_and_closest(nation: str, text: str, closest: str) -> None:
    with pytest.raises(UnknownMarking) as caught:
        SCHEMES.parse(nation, text)
    assert isinstance(caught.value, InputError)
    assert nation in str(caught.value)
    assert closest in caught.value.closest


def test_unknown_marking_without_close_match_lists_all() -> None:
    with pytest.raises(UnknownMarking) as caught:
        SCHEMES.parse("USA", "zzzzzzzz")
    assert caught.value.closest == ()
    assert "TOP SECRET" in str(caught.value)


@pytest.mark.parametrize(
    ("day", "has_boei", "has_tokutei"),
    [
        (date(2012, 6, 29), True, False),  # the 2012 draft's 極秘・防衛秘密 [MOFAKR-2012]
        (date(2014, 12, 9), True, False),
        (date(2014, 12, 10), False, True),
        (date(2016, 11, 23), False, True),
    ],
)
def test_R5_japan_scheme_is_versioned(day: date, has_boei: bool, has_tokutei: bool) -> None:
    natives = {level.native for level in SCHEMES.scheme("JPN", day).levels}
    assert ("防衛秘密" in natives) is has_boei
    assert ("特定秘密" in natives) is has_tokutei


def test_R5_levels_of_two_versions_are_the_same_level() -> None:
    old = SCHEMES.parse("JPN", "極秘", date(2013, 1, 1))
    new = SCHEMES.parse("JPN", "極秘", date(2017, 1, 1))
    assert old == new


def test_scheme_versions_and_lookups() -> None:
    assert [s.version for s in SCHEMES.versions("GBR")] == [1, 2]
    assert SCHEMES.scheme("GBR", date(2010, 1, 1)).parse("RESTRICTED").rank == 2
    assert "since 2014-04-02" in SCHEMES.scheme("GBR").label
    with pytest.raises(NotFound, match="no classification scheme"):
        SCHEMES.scheme("XYZ")
    with pytest.raises(NotFound, match="in force on 2000-01-01"):
        SCHEMES.scheme("AUS", date(2000, 1, 1))


def test_level_dominance_only_within_one_scheme() -> None:
    kor_ii = SCHEMES.parse("KOR", "군사II급비밀")
    kor_iii = SCHEMES.parse("KOR", "군사III급비밀")
    jpn_kimitsu = SCHEMES.parse("JPN", "機密")
    assert kor_ii.dominates(kor_iii)
    assert not kor_iii.dominates(kor_ii)
    assert not jpn_kimitsu.dominates(kor_iii)
    assert str(kor_ii) == "군사II급비밀"
    assert kor_ii in SCHEMES.scheme("KOR")


SPIF_HEAD = (
    '<spif:SPIF xmlns:spif="http://www.xmlspif.org/spif" schemaVersion="2.1" '
    'creationDate="2026" originatorDN="CN=t" keyIdentifier="x" privilegeId="1.2" rbacId="1.2">'
)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<not-xml", "not well-formed"),
        (b"<SPIF/>", "not an Open XML SPIF 2.0 or 2.1"),
        (SPIF_HEAD.encode() + b"</spif:SPIF>", "securityPolicyId"),
        (
            SPIF_HEAD.encode() + b'<spif:securityPolicyId name="X" id="1.2"/></spif:SPIF>',
            "defines no securityClassification",
        ),
        (
            SPIF_HEAD.encode()
            + b'<spif:securityPolicyId name="X" id="1.2"/><spif:securityClassifications>'
            b'<spif:securityClassification name="A" lacv="1" hierarchy="high"/>'
            b"</spif:securityClassifications></spif:SPIF>",
            "integer rank",
        ),
        (
            SPIF_HEAD.encode()
            + b'<spif:securityPolicyId name="X" id="1.2"/><spif:securityClassifications>'
            b'<spif:securityClassification name="A" lacv="1" hierarchy="1"/>'
            b'<spif:securityClassification name="a" lacv="2" hierarchy="2"/>'
            b"</spif:securityClassifications></spif:SPIF>",
            "names two levels",
        ),
    ],
)
def test_malformed_spif_is_refused(document: bytes, message: str) -> None:
    with pytest.raises(SchemeFileError, match=message):
        parse_spif(document)


def test_spif_parser_refuses_doctype_and_entities() -> None:
    document = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "BOOM">]>'
        + SPIF_HEAD.encode()
        + b'<spif:securityPolicyId name="X" id="1.2"/><spif:securityClassifications>'
        b'<spif:securityClassification name="A&e;" lacv="1" hierarchy="1"/>'
        b"</spif:securityClassifications></spif:SPIF>"
    )
    with pytest.raises(SchemeFileError, match="DOCTYPE"):
        parse_spif(document)


def test_minimal_spif_without_extension() -> None:
    scheme = parse_spif(
        SPIF_HEAD.encode() + b'<spif:securityPolicyId name="X" id="1.2"/>'
        b'<spif:securityClassifications><spif:securityClassification name="A" lacv="1" '
        b'hierarchy="1"/></spif:securityClassifications></spif:SPIF>'
    )
    assert scheme.title == "X"
    assert scheme.levels == (Level("X", "A", 1, "A"),)


def test_R48_nato_markings_are_the_policy_name_or_cosmic_before_the_level() -> None:
    """The display marking NATO's SPIF prescribes: the policy's name before each level, and
    COSMIC in its place for TOP SECRET (code replacePolicy)."""
    shown = [level.english for level in SCHEMES.scheme("NATO").levels]
    assert shown == [
        "COSMIC TOP SECRET",
        "NATO SECRET",
        "NATO CONFIDENTIAL",
        "NATO RESTRICTED",
        "NATO UNCLASSIFIED",
    ]
    assert SCHEMES.scheme("USA").levels[0].english == "TOP SECRET"  # no prefix there
