"""A hand-over to the other party's representative needs its written assurance first (R22).

KOR's officer hands a KOR item to a JPN representative only once JPN's assurance for that
representative is on record: clearance at or above the item's equivalent level, the item's
purpose, substantially equivalent protection (Art. 7.5). Without one, or with one that does
not cover the hand-over, it is refused and logged.
"""

from __future__ import annotations

import pytest
from tests.node.node_fixtures import Cast

from gsomia.errors import PolicyDenied
from gsomia.node.control.assurances import AssuranceNote, hand_over, record_assurance

PURPOSE = "missile-warning"


def assurance(**changes: object) -> AssuranceNote:
    fields: dict[str, object] = {
        "party": "JPN",
        "representative": "Col. Ito",
        "clearance": "極秘",
        "purpose": PURPOSE,
        "equivalent_protection": True,
        "note": "note verbale 2026-12-02",
        **changes,
    }
    return AssuranceNote(**fields)  # type: ignore[arg-type]


def _hand(cast: Cast, item_id: str, representative: str = "Col. Ito") -> None:
    hand_over(
        cast["KOR"], cast.user("KOR", "park"), item_id, party="JPN", representative=representative
    )


def test_a_hand_over_under_the_representatives_assurance_is_recorded(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    record_assurance(cast["KOR"], cast.user("KOR", "park"), item_id, assurance())
    decision = hand_over(
        cast["KOR"], cast.user("KOR", "park"), item_id, party="JPN", representative="Col. Ito"
    )
    assert (decision.allowed, decision.article, decision.requirement) == (True, "Art. 7.5", "R22")
    logged = [e for e in cast.log("KOR", item_id) if e["action"] == "hand_over"]
    assert logged[-1]["allowed"]
    assert logged[-1]["article"] == "Art. 7.5 R22"


@pytest.mark.parametrize(
    ("given", "why"),
    [
        (None, "no assurance from JPN for Col. Ito"),
        (assurance(clearance="秘"), "the assured clearance 秘 is below 極秘"),
        (assurance(purpose="training"), "it is for 'training'"),
        (assurance(equivalent_protection=False), "does not promise equivalent protection"),
        (assurance(representative="Maj. Mori"), "no assurance from JPN for Col. Ito"),
    ],
)
def test_a_hand_over_without_an_assurance_that_covers_it_is_blocked(
    cast: Cast, given: AssuranceNote | None, why: str
) -> None:
    item_id = cast.publish("KOR", "kim")
    if given is not None:
        record_assurance(cast["KOR"], cast.user("KOR", "park"), item_id, given)
    with pytest.raises(PolicyDenied, match=why) as refused:
        _hand(cast, item_id)
    assert refused.value.article == "Art. 7.5"
    [logged] = [
        e for e in cast.log("KOR", item_id) if e["action"] == "hand_over" and not e["allowed"]
    ]
    assert logged["article"] == "Art. 7.5 R22"


def test_only_a_release_authority_hands_over(cast: Cast) -> None:
    item_id = cast.publish("KOR", "kim")
    with pytest.raises(PolicyDenied):
        record_assurance(cast["KOR"], cast.user("KOR", "kim"), item_id, assurance())
