"""The label value: what construction accepts, what it refuses, and the LabelSet rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from gsomia.errors import Conflict, InputError, NotFound
from gsomia.labels import (
    CAVEATS,
    TAG_ORIGINATING_GOVERNMENT,
    Category,
    CategoryType,
    ConfidentialityLabel,
    InvalidLabel,
    LabelSet,
    Originator,
    make_alternative,
    make_label,
    national_policy,
)

KOR = national_policy("KOR", date(2016, 11, 23))
JPN = national_policy("JPN", date(2014, 12, 10))
T0 = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)


def kor_label(**changes: Any) -> ConfidentialityLabel:
    facts: dict[str, Any] = {
        "policy": KOR,
        "classification": "군사II급비밀",
        "originator": "KOR",
        "created_at": T0,
        "releasable_to": ["JPN", "KOR"],
        "purposes": ["missile warning"],
    }
    facts.update(changes)
    return make_label(**facts)


def test_national_policy_identifier_names_nation_and_scheme_version() -> None:
    assert KOR == "urn:gsomia:policy:KOR:2016-11-23"
    with pytest.raises(InvalidLabel, match="not a nation"):
        national_policy("Korea", date(2016, 11, 23))


def test_accessors() -> None:
    label = kor_label(caveats=["ORCON"])
    assert label.releasable_to == frozenset({"JPN", "KOR"})
    assert label.caveats == frozenset({"ORCON"})
    assert label.purposes == frozenset({"missile warning"})
    assert kor_label(releasable_to=[]).releasable_to == frozenset()


def test_categories_are_a_set_in_a_fixed_order() -> None:
    a = kor_label(releasable_to=["KOR", "JPN", "JPN"], informative={"Note": ["b", "a"]})
    b = kor_label(releasable_to=["JPN", "KOR"], informative={"Note": ["a", "b"]})
    assert a == b
    assert hash(a) == hash(b)
    assert [c.type for c in a.categories] == sorted(c.type for c in a.categories)


def test_times_are_kept_in_utc() -> None:
    seoul = timezone(timedelta(hours=9))
    label = kor_label(created_at=datetime(2026, 11, 27, 9, 30, tzinfo=seoul))
    assert label.created_at == T0
    assert label.created_at.tzinfo is UTC


REFUSED = [
    ({"classification": ""}, "classification is empty"),
    ({"classification": " 군사II급비밀"}, "leading, trailing or repeated spaces"),
    ({"classification": "SECRET\n"}, "control character U+000A"),
    ({"classification": "S" * 257}, "the limit is 256"),
    ({"policy": ""}, "policy identifier is empty"),
    ({"originator": "kor"}, "'kor' is not a nation"),
    ({"originator": "KORE"}, "'KORE' is not a nation"),
    ({"releasable_to": ["jpn"]}, "'jpn' is not a nation"),
    ({"releasable_to": ["JP"]}, "'JP' is not a nation"),
    ({"releasable_to": ["Japan"]}, "'Japan' is not a nation"),
    # An organisation is one a SPIF lists; a nation's name in capitals is still no nation.
    ({"releasable_to": ["KOREA"]}, "'KOREA' is not a nation"),
    ({"releasable_to": ["Resolute Support"]}, "'Resolute Support' is not a nation"),
    ({"caveats": ["NOFORN"]}, "both NOFORN and Releasable To JPN, KOR"),
    ({"caveats": ["SECRET-ISH"]}, "caveat 'SECRET-ISH' is not known"),
    ({"created_at": datetime(2026, 11, 27, 0, 30)}, "has no timezone"),
    ({"review_at": datetime(2056, 11, 27)}, "has no timezone"),
    ({"created_at": "2026-11-27T00:30:00Z"}, "must be a datetime"),
    ({"label_id": "1 two"}, "not an XML NCName"),
    ({"policy_uri": "http://example.org/policy"}, "is not urn:oid"),
    ({"purposes": [""]}, "is empty"),
]


def test_missions_and_organisations_a_spif_lists_are_releasability_values() -> None:
    """ADR 0104: NATO's SPIF releases to missions (ISAF, RESOLUTE SUPPORT) and the EU to
    itself; a label carries them beside nations, in its Releasable To category."""
    label = kor_label(releasable_to=["JPN", "RESOLUTE SUPPORT", "EU", "NATO"])
    assert label.releasable_to == {"JPN", "RESOLUTE SUPPORT", "EU", "NATO"}


@pytest.mark.parametrize(("changes", "message"), REFUSED)
def test_construction_refuses(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidLabel) as caught:
        kor_label(**changes)
    assert message in str(caught.value)
    assert isinstance(caught.value, InputError)


def test_noforn_alone_and_nato_are_accepted() -> None:
    assert kor_label(releasable_to=[], caveats=["NOFORN"]).caveats == {"NOFORN"}
    assert kor_label(releasable_to=["NATO", "USA"]).releasable_to == {"NATO", "USA"}


@pytest.mark.parametrize(
    ("tag", "kind"),
    [
        ("Releasable To", CategoryType.RESTRICTIVE),
        ("Caveats", CategoryType.PERMISSIVE),
        ("Purpose", CategoryType.INFORMATIVE),
    ],
)
def test_gsomia_tags_keep_their_type(tag: str, kind: CategoryType) -> None:
    with pytest.raises(InvalidLabel, match="must be"):
        Category(tag, kind, ("JPN",))


def test_category_rules() -> None:
    with pytest.raises(InvalidLabel, match="no values"):
        Category("Note", CategoryType.INFORMATIVE, ())
    with pytest.raises(InvalidLabel, match="not a string"):
        Category("Note", CategoryType.INFORMATIVE, "abc")  # type: ignore[arg-type]
    with pytest.raises(InvalidLabel, match="has type 'permissive'"):
        Category("Note", "permissive", ("a",))  # type: ignore[arg-type]
    with pytest.raises(InvalidLabel, match="appears twice"):
        ConfidentialityLabel(
            KOR,
            "군사II급비밀",
            Originator("KOR"),
            T0,
            (
                Category("Note", CategoryType.INFORMATIVE, ("a",)),
                Category("Note", CategoryType.INFORMATIVE, ("b",)),
            ),
        )


def test_every_known_caveat_is_accepted() -> None:
    for caveat in CAVEATS:
        assert kor_label(releasable_to=[], caveats=[caveat]).caveats == {caveat}


def test_originator_organisation() -> None:
    assert Originator("KOR", "국방부 정보본부").organisation == "국방부 정보본부"
    with pytest.raises(InvalidLabel, match="organisation is empty"):
        Originator("KOR", "")


def jpn_label(classification: str = "極秘") -> ConfidentialityLabel:
    return make_label(policy=JPN, classification=classification, originator="JPN", created_at=T0)


def test_labelset_picks_the_label_of_the_consumers_policy() -> None:
    original = kor_label()
    labels = LabelSet(original).with_alternative(jpn_label())
    assert labels.for_policy(KOR) is original
    assert labels.for_policy(JPN).classification == "極秘"
    assert labels.policies == (KOR, JPN)
    with pytest.raises(NotFound, match="no label under policy 'NATO'"):
        labels.for_policy("NATO")


def test_labelset_never_replaces_a_label() -> None:
    labels = LabelSet(kor_label()).with_alternative(jpn_label())
    with pytest.raises(Conflict, match="already has a label"):
        labels.with_alternative(jpn_label("秘"))
    with pytest.raises(Conflict):
        labels.with_alternative(kor_label(classification="군사III급비밀"))
    with pytest.raises(InvalidLabel, match="two labels under policy"):
        LabelSet(kor_label(), (jpn_label(), jpn_label("秘")))


def test_labelset_equality_ignores_alternative_order() -> None:
    nato = make_label(policy="NATO", classification="NATO SECRET", originator="KOR", created_at=T0)
    assert LabelSet(kor_label(), (jpn_label(), nato)) == LabelSet(kor_label(), (nato, jpn_label()))


def test_alternative_label_names_the_originating_government() -> None:
    """R7: the receiver adds the originating government and its equivalent classification,
    and keeps the originator's label unchanged."""
    original = kor_label(caveats=["ORCON"], review_at=T0 + timedelta(days=3650))
    alternative = make_alternative(
        original, policy=JPN, classification="極秘", originator="JPN", created_at=T0
    )
    assert alternative.classification == "極秘"
    assert alternative.originator == Originator("JPN")
    assert alternative.releasable_to == original.releasable_to
    assert alternative.caveats == {"ORCON"}
    assert alternative.purposes == original.purposes
    government = alternative.category(TAG_ORIGINATING_GOVERNMENT)
    assert government is not None
    assert government.values == ("KOR",)
    assert alternative.review_at == original.review_at
    labels = LabelSet(original).with_alternative(alternative)
    assert labels.original is original


def test_check_text_refuses_exactly_the_control_surrogate_and_xml_noncharacters() -> None:
    """The one-search check (issue 14) refuses the very code points the per-character
    `unicodedata.category` test did: Cc, Cs, U+FFFE and U+FFFF, over all of Unicode."""
    import sys  # noqa: PLC0415
    import unicodedata  # noqa: PLC0415

    from gsomia.labels.model import check_text  # noqa: PLC0415

    wrong = []
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        refused = unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff"
        try:
            check_text("t", f"a{ch}b")
            said = None
        except InvalidLabel as error:
            said = error.message
        if (said is not None) != refused or (refused and f"U+{code:04X}" not in str(said)):
            wrong.append(f"U+{code:04X}")
    assert wrong == []
