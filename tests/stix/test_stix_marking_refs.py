"""A banner is gsomia's to show (ADR 0152): an object a tool posted that names one of gsomia's
marking-definitions (a lower banner beside the true one, or any other) is served with that
ref dropped and its item's own banners added; the tool's own markings (TLP, PAP, anything
not gsomia's) stay as the tool wrote them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from stix2validator import ValidationOptions, validate_instance
from tests.stix.test_stix_objects import INDICATOR, ITEM_ID, _item, _label

from gsomia.stix.intake import Intake, Refused, take_in
from gsomia.stix.objects import (
    EXTENSION_ID,
    PROJECT_IDENTITY,
    STIX_MEDIA_TYPE,
    identity_id,
    is_gsomias_marking,
    marking_named,
    marking_of,
    object_of,
)

STRICT = ValidationOptions(strict=True, version="2.1")
TLP_RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"  # STIX 2.1's own TLP
LOWER = str(marking_named("UNCLASSIFIED", "KOR v3").id)
TOOLS_OWN = "marking-definition--" + "5" * 8 + "-5555-4555-8555-" + "5" * 12


def _served(posted: dict[str, Any]) -> dict[str, Any]:
    taken = take_in(posted, "KOR", "군사II급비밀")
    assert isinstance(taken, Intake), taken
    item = _item(
        item_id=f"KOR-{taken.item_uuid}", media_type=STIX_MEDIA_TYPE, content=taken.content
    )
    return object_of(item)


def _true_banners() -> set[str]:
    return {str(marking_of(_label()).id), str(marking_of(_label("JPN", "極秘")).id)}


def test_a_posted_ref_to_another_of_gsomias_banners_is_dropped_the_tools_own_kept() -> None:
    posted = {
        **INDICATOR,
        "object_marking_refs": [LOWER, TLP_RED, TOOLS_OWN, LOWER.upper()],
        "granular_markings": [
            {"marking_ref": LOWER, "selectors": ["description"]},
            {"marking_ref": TOOLS_OWN, "selectors": ["name"]},
        ],
    }
    served = _served(posted)
    assert set(served["object_marking_refs"]) == {TLP_RED, TOOLS_OWN} | _true_banners()
    assert served["granular_markings"] == [{"marking_ref": TOOLS_OWN, "selectors": ["name"]}]
    result = validate_instance(served, STRICT)
    assert result.is_valid, [str(e) for e in result.errors]


def test_granular_markings_all_of_gsomias_leave_none() -> None:
    granular = [{"marking_ref": LOWER, "selectors": ["description"]}]
    served = _served({**INDICATOR, "granular_markings": granular})
    assert "granular_markings" not in served
    assert set(served["object_marking_refs"]) == _true_banners()


def test_refs_that_are_not_a_list_of_ids_are_not_served_as_markings() -> None:
    served = _served({**INDICATOR, "object_marking_refs": LOWER})  # a string, not a list
    assert set(served["object_marking_refs"]) == _true_banners()


@given(banner=st.text(min_size=1, max_size=40), policy=st.text(min_size=1, max_size=20))
def test_every_marking_gsomia_makes_is_known_as_gsomias_and_a_uuid4(
    banner: str, policy: str
) -> None:
    marking = str(marking_named(banner, policy).id)
    assert is_gsomias_marking(marking)
    assert is_gsomias_marking(marking.upper())
    assert uuid.UUID(marking.partition("--")[2]).version == 4


@given(st.uuids(version=4))
def test_a_tools_random_marking_is_not_gsomias(drawn: uuid.UUID) -> None:
    # Its last six bytes are "gsomia" once in 2**48 draws.
    assert not is_gsomias_marking(f"marking-definition--{drawn}")


def test_ids_of_other_kinds_or_not_ids_are_not_gsomias_markings() -> None:
    tail = LOWER.partition("--")[2]
    others = (f"identity--{tail}", tail, "marking-definition--", "marking-definition--x", None, 7)
    for ref in others:
        assert not is_gsomias_marking(ref)


def test_taken_in_the_object_is_kept_without_gsomias_markings() -> None:
    posted = {
        **INDICATOR,
        "object_marking_refs": [LOWER, TOOLS_OWN],
        "granular_markings": [{"marking_ref": LOWER, "selectors": ["name"]}],
    }
    taken = take_in(posted, "KOR", "군사II급비밀")
    assert isinstance(taken, Intake)
    kept = json.loads(taken.content)
    assert kept["object_marking_refs"] == [TOOLS_OWN]
    assert "granular_markings" not in kept
    assert posted["object_marking_refs"] == [LOWER, TOOLS_OWN]  # the caller's object unchanged


#: TLP markings that let a reader share beyond the item's REL TO list: STIX 2.1's own TLP:WHITE
#: and TLP:GREEN, and TLP 2.0's TLP:CLEAR and TLP:GREEN (the fixed ids of the OASIS extension).
TLP_WIDER = (
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
)
TLP_AMBER = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"


def test_a_tlp_marking_that_shares_beyond_the_rel_to_list_is_not_served_beside_it() -> None:
    # Found by the attack (ADR 0153): TLP:CLEAR ("disclosure is not limited") or TLP:GREEN
    # (the community) beside 군사II급비밀//REL TO JPN, KOR is a lower banner beside the true
    # one, as ADR 0152's UNCLASSIFIED was; a narrower one (AMBER, RED) says nothing wider.
    wider = [*TLP_WIDER, TLP_WIDER[2].upper()]
    posted = {
        **INDICATOR,
        "object_marking_refs": [*wider, TLP_AMBER, TLP_RED, TOOLS_OWN],
        "granular_markings": [{"marking_ref": ref, "selectors": ["description"]} for ref in wider],
    }
    taken = take_in(posted, "KOR", "군사II급비밀")
    assert isinstance(taken, Intake)
    assert json.loads(taken.content)["object_marking_refs"] == [TLP_AMBER, TLP_RED, TOOLS_OWN]
    served = _served(posted)
    assert set(served["object_marking_refs"]) == {TLP_AMBER, TLP_RED, TOOLS_OWN} | _true_banners()
    assert "granular_markings" not in served
    # Served again from content a partner's intake did not clean (the envelope's content).
    item = _item(
        item_id=f"KOR-{taken.item_uuid}",
        media_type=STIX_MEDIA_TYPE,
        content=json.dumps(posted).encode(),
    )
    assert set(object_of(item)["object_marking_refs"]).isdisjoint(wider)


def test_gsomias_marking_in_another_spelling_is_still_gsomias() -> None:
    # uuid.UUID reads braces, urn: and no hyphens; a lenient consumer may trim spaces.
    tail = LOWER.partition("--")[2]
    spellings = (
        f"marking-definition--{{{tail}}}",
        f"marking-definition--urn:uuid:{tail}",
        f"marking-definition--{tail.replace('-', '')}",
        f" {LOWER}",
        f"{LOWER}\n",
        f"MARKING-DEFINITION--{tail.upper()}",
    )
    for ref in spellings:
        assert is_gsomias_marking(ref), ref


def test_gsomias_extension_under_another_spelling_of_its_id_is_not_kept_nor_served() -> None:
    # Found by the attack (ADR 0153): intake dropped gsomia's extension by its exact key, so a
    # copy under the id in upper case (or braces) was stored and served beside the node's own,
    # carrying labels a tool wrote (UNCLASSIFIED) to any consumer that reads ids as UUIDs.
    kind, _, tail = EXTENSION_ID.partition("--")
    lower = _label("KOR", "UNCLASSIFIED")
    forged = {"extension_type": "property-extension", "national_label": json.dumps(lower)}
    own = "extension-definition--" + "6" * 8 + "-6666-4666-8666-" + "6" * 12
    posted = {
        **INDICATOR,
        "extensions": {
            f"{kind}--{tail.upper()}": forged,
            f"{kind.upper()}--{{{tail}}}": forged,
            own: {"extension_type": "property-extension", "x": 1},
        },
    }
    taken = take_in(posted, "KOR", "군사II급비밀")
    assert isinstance(taken, Intake)
    assert set(json.loads(taken.content)["extensions"]) == {own}
    item = _item(
        item_id=f"KOR-{taken.item_uuid}",
        media_type=STIX_MEDIA_TYPE,
        content=json.dumps(posted).encode(),
    )
    assert set(object_of(item)["extensions"]) == {own, EXTENSION_ID}


def test_an_author_ref_to_a_nations_identity_in_another_spelling_is_refused() -> None:
    # Found by the attack (ADR 0153): ADR 0148 judged `created_by_ref` only when it began with
    # `identity--` exactly; the same identity in upper case or with a space about it, resolved
    # by a lenient consumer, still named Korea's government the author of Japan's item.
    tail = identity_id("KOR").partition("--")[2]
    spellings = (f"IDENTITY--{tail}", f" identity--{tail}", f"Identity--{{{tail}}}\n")
    for ref in spellings:
        refused = take_in({**INDICATOR, "created_by_ref": ref}, "JPN", "秘", nations=("KOR", "JPN"))
        assert isinstance(refused, Refused), ref
        assert "created_by_ref" in refused.reason


def test_a_carried_object_a_partner_node_says_another_government_made_is_served_as_its_own() -> (
    None
):
    # Found by the attack (ADR 0153): ADR 0148 refused such a `created_by_ref` at this node's
    # intake, but a hostile partner node writes the envelope's content itself: KOR's item
    # said JPN's government (or gsomia) made it, and JPN's node served it so to its analysts.
    tail = identity_id("JPN").partition("--")[2]
    tools_own = "identity--" + "7" * 8 + "-7777-4777-8777-" + "7" * 12
    said = {
        identity_id("JPN"): identity_id("KOR"),
        f"IDENTITY--{tail.upper()}": identity_id("KOR"),
        str(PROJECT_IDENTITY.id): identity_id("KOR"),
        identity_id("USA"): identity_id("KOR"),
        identity_id("KOR"): identity_id("KOR"),
        tools_own: tools_own,
    }
    for ref, served in said.items():
        content = json.dumps({**INDICATOR, "created_by_ref": ref}).encode()
        item = _item(media_type=STIX_MEDIA_TYPE, content=content)
        assert object_of(item)["created_by_ref"] == served, ref


def test_a_carried_object_is_served_under_its_items_id_and_never_as_a_definition() -> None:
    # Found by the attack (ADR 0153): served, a carried object kept the id its content says,
    # and a partner node writes that content itself: KOR's item served under the id of JPN's
    # own object (a consumer that upserts by id took it as a new version of JPN's), or as a
    # marking-definition under one of gsomia's ids, redefining a banner beside the node's.
    item_uuid = ITEM_ID.partition("-")[2]
    jpn_own = "indicator--11111111-2222-4333-8444-555555555555"
    served = object_of(
        _item(media_type=STIX_MEDIA_TYPE, content=json.dumps({**INDICATOR, "id": jpn_own}).encode())
    )
    assert served["id"] == f"indicator--{item_uuid}"
    banner = marking_named("UNCLASSIFIED", "KOR v3")
    forged = json.loads(banner.serialize())
    for content in (
        forged,
        {**forged, "id": f"marking-definition--{item_uuid}"},
        {"type": "identity", "id": identity_id("JPN"), "name": "Japan", "spec_version": "2.1"},
        {"type": "bundle", "id": f"bundle--{item_uuid}", "objects": []},
        {**INDICATOR, "type": "malware"},  # a type its id does not say
    ):
        served = object_of(_item(media_type=STIX_MEDIA_TYPE, content=json.dumps(content).encode()))
        assert served["type"] not in ("marking-definition", "bundle"), content
        assert served["id"].endswith(item_uuid), content
        assert served["id"].partition("--")[0] == served["type"], content
    # An item whose UUID a partner node chose as JPN's identity's: carried as a report.
    jpn = identity_id("JPN")
    item = _item(
        item_id="KOR-" + jpn.partition("--")[2],
        media_type=STIX_MEDIA_TYPE,
        content=json.dumps({"type": "identity", "id": jpn, "name": "Japan"}).encode(),
    )
    assert object_of(item)["type"] == "report"
