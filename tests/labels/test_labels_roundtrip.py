"""Hypothesis: any valid label, Korean and Japanese markings included, survives XML and JSON
exactly, and its canonical encodings are stable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.labels import (
    CAVEATS,
    Category,
    CategoryType,
    ConfidentialityLabel,
    LabelRole,
    LabelSet,
    Originator,
    canonical_json,
    canonical_xml,
    label_from_json,
    label_from_xml,
    label_to_json,
    label_to_obj,
    label_to_xml,
    labelset_from_json,
    labelset_from_xml,
    labelset_to_json,
    labelset_to_xml,
    read_label_xml,
)

MARKINGS = [
    "군사II급비밀",
    "군사Ⅱ급비밀",
    "군사III급비밀",
    "極秘",
    "特定秘密",
    "秘",
    "SECRET",
    "NATO SECRET",
]

# Text the model accepts: no control characters or surrogates, single inner spaces.
_word = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters="\ufffe\uffff ",
    ),
    min_size=1,
    max_size=12,
)
# U+3000 and U+00A0 are not XML whitespace: a marking that holds them must keep them.
_word = st.one_of(_word, st.sampled_from(["군사\u3000II급비밀", "秘\u00a0密", "\u3000"]))
text = st.one_of(
    st.sampled_from(MARKINGS),
    st.lists(_word, min_size=1, max_size=4).map(" ".join),
)
nation = st.one_of(
    st.sampled_from(["KOR", "JPN", "USA", "NATO", "GBR", "AUS"]),
    st.from_regex(r"[A-Z]{3}", fullmatch=True),
)
oid = st.lists(st.integers(0, 10**12), min_size=1, max_size=6).map(
    lambda arcs: "urn:oid:2." + ".".join(map(str, arcs))
)
moment = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))]),
)


@st.composite
def labels(draw: st.DrawFn) -> ConfidentialityLabel:
    categories: list[Category] = []
    caveats = draw(st.sets(st.sampled_from(CAVEATS), max_size=3))
    if caveats:
        categories.append(Category("Caveats", CategoryType.RESTRICTIVE, tuple(caveats)))
    if "NOFORN" not in caveats and draw(st.booleans()):
        rel = draw(st.lists(nation, min_size=1, max_size=6))
        categories.append(Category("Releasable To", CategoryType.PERMISSIVE, tuple(rel)))
    if draw(st.booleans()):
        purposes = draw(st.lists(text, min_size=1, max_size=3))
        categories.append(Category("Purpose", CategoryType.RESTRICTIVE, tuple(purposes)))
    other_tags = draw(
        st.lists(
            text.filter(lambda t: t not in {"Caveats", "Releasable To", "Purpose"}),
            max_size=3,
            unique=True,
        )
    )
    for tag in other_tags:
        kind = draw(st.sampled_from(list(CategoryType)))
        values = draw(st.lists(text, min_size=1, max_size=3))
        categories.append(Category(tag, kind, tuple(values), draw(st.none() | oid)))
    return ConfidentialityLabel(
        policy=draw(text),
        classification=draw(text),
        originator=Originator(draw(nation), draw(st.none() | text)),
        created_at=draw(moment),
        categories=tuple(draw(st.permutations(categories))),
        policy_uri=draw(st.none() | oid),
        privacy_mark=draw(st.none() | text),
        review_at=draw(st.none() | moment),
        label_id=draw(st.none() | st.from_regex(r"[A-Za-z_][A-Za-z0-9._-]{0,20}", fullmatch=True)),
    )


@settings(max_examples=150, deadline=None)
@given(labels(), st.sampled_from(list(LabelRole)))
def test_xml_round_trip(label: ConfidentialityLabel, role: LabelRole) -> None:
    data = label_to_xml(label, role=role)
    assert read_label_xml(data) == (role, label)
    assert label_from_xml(canonical_xml(label, role=role)) == label


@settings(max_examples=150, deadline=None)
@given(labels())
def test_json_round_trip(label: ConfidentialityLabel) -> None:
    data = label_to_json(label)
    assert label_from_json(data) == label
    assert canonical_json(label_to_obj(label_from_json(data))) == data


@settings(max_examples=100, deadline=None)
@given(labels())
def test_xml_and_json_agree(label: ConfidentialityLabel) -> None:
    assert label_from_xml(label_to_xml(label)) == label_from_json(label_to_json(label))


@settings(max_examples=50, deadline=None)
@given(labels(), st.lists(labels(), max_size=3))
def test_labelset_round_trip(
    original: ConfidentialityLabel, others: list[ConfidentialityLabel]
) -> None:
    seen = {original.policy}
    alternatives = []
    for label in others:
        if label.policy not in seen:
            seen.add(label.policy)
            alternatives.append(label)
    labels_ = LabelSet(original, tuple(alternatives))
    assert labelset_from_json(labelset_to_json(labels_)) == labels_
    assert labelset_from_xml(labelset_to_xml(labels_)) == labels_
