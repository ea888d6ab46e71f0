"""Agreements and their equivalence tables (Art. 4; R1, R3), and translation between schemes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError, NotFound, PolicyDenied
from gsomia.treaty.agreements import load_agreements, parse_agreement
from gsomia.treaty.equivalence import translate
from gsomia.treaty.schemes import UnknownMarking, load_schemes

AGREEMENTS = load_agreements()
SCHEMES = load_schemes()
DATA = Path(__file__).resolve().parents[2] / "src" / "gsomia" / "treaty" / "data" / "agreements"
KJ = AGREEMENTS.get("KOR-JPN-2016")


def level(nation: str, text: str):  # type: ignore[no-untyped-def]
    return SCHEMES.parse(nation, text)


def test_R1_korea_japan_table_is_art_4_exactly() -> None:
    table = KJ.version(1)
    assert KJ.parties == ("KOR", "JPN")
    assert [
        (r.english, [str(x) for x in r.levels["KOR"]], [str(x) for x in r.levels["JPN"]])
        for r in table.rows
    ] == [
        ("SECRET", ["군사II급비밀"], ["極秘", "特定秘密"]),
        ("CONFIDENTIAL", ["군사III급비밀"], ["秘"]),
    ]
    assert table.basis == "Art. 4"
    assert [str(x) for x in table.covered("KOR")] == ["군사II급비밀", "군사III급비밀"]
    assert KJ.terms.notice_days == 90
    assert KJ.terms.term_years == 1
    assert KJ.terms.automatic_renewal
    assert not KJ.classic_crypto_allowed
    assert KJ.visit_lead_time_days == 0
    assert "gsomia-node" in KJ.channels


@pytest.mark.parametrize(
    ("source", "text", "target", "primary", "alternatives"),
    [
        ("KOR", "군사II급비밀", "JPN", "極秘", ["特定秘密"]),
        ("KOR", "군사Ⅱ급비밀", "JPN", "極秘", ["特定秘密"]),
        ("KOR", "군사III급비밀", "JPN", "秘", []),
        ("JPN", "極秘", "KOR", "군사II급비밀", []),
        ("JPN", "特定秘密", "KOR", "군사II급비밀", []),
        ("JPN", "秘", "KOR", "군사III급비밀", []),
        ("KOR", "군사II급비밀", "KOR", "군사II급비밀", []),
    ],
)
def test_R1_translate_korea_japan(
    source: str, text: str, target: str, primary: str, alternatives: list[str]
) -> None:
    translation = translate(KJ, level(source, text), target)
    assert translation.primary.native == primary
    assert [str(x) for x in translation.alternatives] == alternatives
    assert translation.agreement_id == "KOR-JPN-2016"
    assert translation.version == 1


@pytest.mark.parametrize(
    ("nation", "text"), [("KOR", "군사I급비밀"), ("JPN", "機密"), ("KOR", "대외비")]
)
def test_R1_top_secret_not_covered_by_korea_japan(nation: str, text: str) -> None:
    with pytest.raises(PolicyDenied, match="not covered by KOR-JPN-2016") as caught:
        translate(KJ, level(nation, text), "JPN" if nation == "KOR" else "KOR")
    assert caught.value.article == "Art. 4"


def test_R3_same_level_maps_differently_under_two_agreements() -> None:
    kor_ts = level("KOR", "군사I급비밀")
    assert translate(AGREEMENTS.get("KOR-USA-1987"), kor_ts, "USA").primary.native == "TOP SECRET"
    with pytest.raises(PolicyDenied):
        translate(KJ, kor_ts, "JPN")
    jpn_ts = level("JPN", "機密")
    assert translate(AGREEMENTS.get("JPN-USA-2007"), jpn_ts, "USA").primary.native == "TOP SECRET"


def test_R3_non_party_is_denied() -> None:
    with pytest.raises(PolicyDenied, match="USA is not a party"):
        translate(KJ, level("KOR", "군사II급비밀"), "USA")
    with pytest.raises(PolicyDenied, match="USA is not a party"):
        translate(KJ, level("USA", "SECRET"), "KOR")


def test_translation_by_version_and_date() -> None:
    ii = level("KOR", "군사II급비밀")
    assert translate(KJ, ii, "JPN", version=1).version == 1
    assert translate(KJ, ii, "JPN", at=date(2020, 1, 1)).version == 1
    with pytest.raises(NotFound):
        translate(KJ, ii, "JPN", at=date(2015, 1, 1))


@given(st.sampled_from(AGREEMENTS.all()), st.data())
def test_translation_is_consistent_both_directions(agreement, data) -> None:  # type: ignore[no-untyped-def]
    first, second = agreement.parties
    source, target = data.draw(st.permutations([first, second]))
    covered = agreement.latest.covered(source)
    lv = data.draw(st.sampled_from(covered))
    there = translate(agreement, lv, target)
    for candidate in (there.primary, *there.alternatives):
        back = translate(agreement, candidate, source)
        assert lv in (back.primary, *back.alternatives)
        assert back.english == there.english


def test_registry() -> None:
    assert [a.id for a in AGREEMENTS.all()] == ["JPN-USA-2007", "KOR-JPN-2016", "KOR-USA-1987"]
    assert [a.id for a in AGREEMENTS.between("USA", "KOR")] == ["KOR-USA-1987"]
    with pytest.raises(NotFound, match="known agreements"):
        AGREEMENTS.get("KOR-CHN-2030")


BASE = 'id = "T"\nparties = ["KOR", "JPN"]\nchannels = []\n[procedures]\n'


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("id = ", InputError, "not valid TOML"),
        ('id = "T"\nparties = ["KOR"]\n', InputError, "exactly two distinct parties"),
        ("parties = []\n", InputError, "'id' must be a str"),
        (
            BASE + "[[versions]]\nnumber = 1\neffective = 2016-11-23\n"
            'rows = [{english = "S", USA = ["SECRET"]}]\n',
            InputError,
            "non-parties",
        ),
        (
            BASE + "[[versions]]\nnumber = 1\neffective = 2016-11-23\n"
            'rows = [{english = "S", KOR = ["군사IV급비밀"]}]\n',
            UnknownMarking,
            "not a marking of the KOR",
        ),
        (
            BASE + "[[versions]]\nnumber = 1\neffective = 2013-01-01\n"
            'rows = [{english = "S", JPN = ["特定秘密"]}]\n',
            UnknownMarking,
            "特定秘密",  # not yet a marking in 2013 (R5)
        ),
        (
            BASE + "[[versions]]\nnumber = 1\neffective = 2016-11-23\n"
            'rows = [{english = "S", KOR = ["군사II급비밀"]},\n'
            '        {english = "T", KOR = ["군사2급비밀"]}]\n',
            InputError,
            "appears in two rows",
        ),
    ],
)
def test_malformed_agreement_files_are_refused(
    text: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        parse_agreement(text, SCHEMES)


def test_row_without_target_level_is_denied() -> None:
    text = BASE + (
        '[[versions]]\nnumber = 1\neffective = 2016-11-23\nbasis = "Art. 4"\n'
        'rows = [{english = "SECRET", KOR = ["군사II급비밀"]}]\n'
    )
    one_sided = parse_agreement(text, SCHEMES)
    with pytest.raises(PolicyDenied, match="maps 군사II급비밀 to no JPN level"):
        translate(one_sided, level("KOR", "군사II급비밀"), "JPN")


def test_what_the_data_files_leave_unconfirmed_is_data_not_a_comment() -> None:
    """Every agreement file says in `[unconfirmed]` (and per step in `unconfirmed`) what is not
    confirmed, so the faces can show it; no note hides an UNCONFIRMED in its text."""
    shipped = load_agreements()
    assert set(shipped.get("KOR-USA-1987").unconfirmed) >= {"table", "term", "notice"}
    assert set(shipped.get("JPN-USA-2007").unconfirmed) >= {"table", "term", "notice"}
    assert "table" not in shipped.get("KOR-JPN-2016").unconfirmed  # Art. 4, read
    for agreement in shipped.all():
        for event in agreement.history:
            assert "UNCONFIRMED" not in event.note, (agreement.id, event)
    doubted = [e for e in shipped.get("KOR-JPN-2016").history if e.unconfirmed]
    assert [(e.party, e.step) for e in doubted] == [("JPN", "閣議決定")]


def test_an_unknown_unconfirmed_part_is_refused_naming_the_parts() -> None:
    text = (DATA / "kor-jpn-2016.toml").read_text(encoding="utf-8")
    bad = text.replace("[unconfirmed]", '[unconfirmed]\nweather = "cloudy"', 1)
    with pytest.raises(InputError, match="unknown parts \\['weather'\\]"):
        parse_agreement(bad, SCHEMES)
