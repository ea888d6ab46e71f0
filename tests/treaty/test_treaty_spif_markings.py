"""Display markings as a SPIF prescribes them (ADR 0103): the vectors in tests/vectors/spif,
and what the SPIF's rules must hold for any label."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from gsomia.errors import InputError
from gsomia.treaty.schemes import load_schemes, parse_spif
from gsomia.treaty.spif_markings import SpifMarkings, UnknownLocation, display_marking

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "spif"
CASES: list[dict[str, Any]] = json.loads((VECTORS / "markings.json").read_text("utf-8"))["vectors"]


@cache
def markings_of(source: str) -> SpifMarkings:
    if source.startswith("scheme:"):
        found = load_schemes().scheme(source.removeprefix("scheme:")).markings
    else:
        found = parse_spif((VECTORS / source).read_bytes()).markings
    assert found is not None
    return found


@pytest.mark.parametrize("case", CASES, ids=[f"{c['spif']}:{c['expected']}" for c in CASES])
def test_each_vector_gives_the_marking_its_spif_prescribes(case: dict[str, Any]) -> None:
    shown = display_marking(
        markings_of(case["spif"]),
        case["classification"],
        [(tag, kind, values) for tag, kind, values in case["categories"]],
        lang=case["lang"],
        where=case["where"],
    )
    assert shown == case["expected"], case["source"]


def test_the_vectors_cover_both_spif_versions_every_location_kind_and_three_languages() -> None:
    versions = {
        etree.parse(str(VECTORS / c["spif"])).getroot().get("schemaVersion")
        for c in CASES
        if not c["spif"].startswith("scheme:")
    }
    assert versions == {"2.0", "2.1"}
    assert {c["lang"].split("-")[0] for c in CASES} >= {"en", "fr", "ko", "ja"}
    assert {c["where"] for c in CASES} >= {"pageTop", "pageBottom", "documentStart"}


def test_a_label_the_spif_cannot_show_is_refused_by_name() -> None:
    nato = markings_of("nato-4774-policy-reduced.xml")
    with pytest.raises(InputError, match="no classification 'NATO SECRET'"):
        display_marking(nato, "NATO SECRET")
    with pytest.raises(InputError, match="'Releasable To' has no value ZZZ"):
        display_marking(nato, "SECRET", [("Releasable To", "PERMISSIVE", ["ZZZ"])])
    with pytest.raises(InputError, match="no RESTRICTIVE category 'Releasable To'"):
        display_marking(nato, "SECRET", [("Releasable To", "RESTRICTIVE", ["JPN"])])
    with pytest.raises(UnknownLocation):
        display_marking(nato, "SECRET", where="pageTopBottom")


NATIONS = ["AUS", "CAN", "FRA", "IRL", "JPN", "KOR", "SWE", "CHE", "UKR", "GBR", "USA"]


@given(
    chosen=st.lists(st.sampled_from(NATIONS), min_size=1, unique=True),
    lang=st.sampled_from(["en", "fr", "en-GB", "fr-CA", "de"]),
)
def test_releasability_reads_in_the_spifs_order_whatever_the_labels_order(
    chosen: list[str], lang: str
) -> None:
    nato = markings_of("nato-4774-policy-reduced.xml")
    forward = display_marking(nato, "SECRET", [("Releasable To", "PERMISSIVE", chosen)], lang=lang)
    backward = display_marking(
        nato, "SECRET", [("Releasable To", "PERMISSIVE", chosen[::-1])], lang=lang
    )
    assert forward == backward
    head = "NATO SECRET Communicable a " if lang.startswith("fr") else "NATO SECRET Releasable to "
    assert forward.startswith(head)
    # One phrase per value, in the SPIF's (English-name) order.
    assert forward.count(", ") == len(chosen) - 1 + forward.count("Korea, ") + forward.count(
        "Corée, "
    )
