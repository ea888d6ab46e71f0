"""An item's label handed out as partners' tools read it, and checked as they would (R9, R11).

The XML is validated against the ADatP-4774 label schema kept with the vectors
(`tests/vectors/labels/adatp-4774-label.xsd`); a holding's label set is the originator's label
unchanged plus this nation's alternative, each valid on its own. The ISM form carries the US
classification word, the originator as owner-producer and REL TO in CAPCO order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from tests.node.custody_fixtures import provide
from tests.node.node_fixtures import Cast

from gsomia.errors import InputError, NotFound
from gsomia.labels import label_from_json
from gsomia.node.labels import item_label

XSD = Path(__file__).resolve().parents[1] / "vectors" / "labels" / "adatp-4774-label.xsd"
SLAB = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def valid(schema: etree.XMLSchema, element: etree._Element) -> etree._Element:
    """`element` as a document of its own, asserted valid against the 4774 schema."""
    alone = etree.fromstring(etree.tostring(element))
    assert schema.validate(alone), schema.error_log
    return alone


def test_an_own_items_label_is_valid_4774_xml_json_and_ism(
    cast: Cast, schema: etree.XMLSchema
) -> None:
    item_id = cast.publish("KOR", "kim", caveats=("ORCON",))
    kim = cast.user("KOR", "kim")
    xml = etree.fromstring(item_label(cast["KOR"], kim, item_id, "xml").content)
    label = valid(schema, xml)
    assert label.tag == f"{{{SLAB}}}originatorConfidentialityLabel"
    assert label.get("ReviewDateTime")  # set by the node (ADR 0105)
    assert label.findtext(f".//{{{SLAB}}}Classification") == "군사II급비밀"
    as_json = item_label(cast["KOR"], kim, item_id, "json").content
    assert label_from_json(as_json).classification == "군사II급비밀"
    ism = json.loads(item_label(cast["KOR"], kim, item_id, "ism").content)
    assert ism["ism"] == {
        "classification": "S",
        "ownerProducer": "KOR",
        "releasableTo": "JPN KOR",
        "disseminationControls": "OC REL",
    }
    assert ism["banner"] == "SECRET//ORCON/REL TO JPN, KOR"


def test_a_holdings_label_set_keeps_the_originators_label_and_adds_ours(
    cast: Cast, schema: etree.XMLSchema
) -> None:
    held = provide(cast)
    out = item_label(cast["JPN"], cast.user("JPN", "sato"), held, "xml")
    labels = list(etree.fromstring(out.content).iterchildren("{*}*"))
    original, alternative = (valid(schema, c) for c in labels)
    assert original.findtext(f".//{{{SLAB}}}Classification") == "군사II급비밀"
    assert alternative.tag == f"{{{SLAB}}}alternativeConfidentialityLabel"
    assert alternative.findtext(f".//{{{SLAB}}}Classification") == "極秘"
    ism = json.loads(item_label(cast["JPN"], cast.user("JPN", "sato"), held, "ism").content)
    assert ism["ism"]["classification"] == "S"


def test_a_label_is_refused_to_whoever_may_not_see_the_item_and_nf_with_rel_is_refused(
    cast: Cast,
) -> None:
    held = provide(cast)
    with pytest.raises(NotFound):  # 秘 clearance: the 極秘 holding is not there for her
        item_label(cast["JPN"], cast.user("JPN", "suzuki"), held, "xml")
    with pytest.raises(InputError, match="no label format 'pdf'"):
        item_label(cast["JPN"], cast.user("JPN", "sato"), held, "pdf")
    # R11: NOFORN and REL TO exclude each other; the node makes no such label.
    with pytest.raises(InputError, match="both NOFORN and Releasable To"):
        cast.publish("KOR", "kim", caveats=("NOFORN",))
