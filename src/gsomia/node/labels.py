"""An item's confidentiality label as partners' tools read it (R9, R11).

`gsomia item label ID --format xml|json|ism` and `GET /api/v1/items/{id}/label` hand out the
label of one of this node's own items, or the label set of a holding (the originator's label
unchanged plus this nation's alternative label, Art. 4.2): as ADatP-4774 XML, as its JSON
form, or as US ISM attributes with the CAPCO banner and portion mark. Only a person who may see
the item in full gets its label (`listing`, ADR 0083): to anyone else it is not there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gsomia.errors import Error, InputError, NotFound
from gsomia.labels import label_from_obj
from gsomia.labels.ism import ism_attributes, portion_mark, render_banner
from gsomia.labels.json import label_to_json, labelset_to_json
from gsomia.labels.labelset import LabelSet
from gsomia.labels.model import ConfidentialityLabel
from gsomia.labels.xml import label_to_xml, labelset_to_xml
from gsomia.node import listing
from gsomia.node.runtime import Node
from gsomia.store.users import UserRecord

__all__ = ["FORMATS", "LabelOut", "category_marking", "item_label"]

#: The forms a label is handed out in, and their media types.
FORMATS = {
    "xml": "application/xml",
    "json": "application/json",
    "ism": "application/json",
}
_US_WORDS = ("TOP SECRET", "SECRET", "CONFIDENTIAL", "UNCLASSIFIED")


@dataclass(frozen=True)
class LabelOut:
    content: bytes
    media_type: str


def category_marking(node: Node, label_obj: Mapping[str, Any], lang: str = "en") -> str:
    """The marking the label's policy's SPIF prescribes for its classification and the
    categories it defines (ADR 0103, 0104), e.g. "NATO SECRET Releasable to Japan"; "" for a
    label with none of them (the marking alone says it all) or under a policy this node has
    no SPIF for."""
    if not label_obj:
        return ""
    label = label_from_obj(label_obj)
    if not label.policy_categories:
        return ""
    policy = label.policy.removeprefix("urn:gsomia:policy:").split(":", 1)[0]
    try:
        scheme = node.schemes.scheme(policy, label.created_at.date())
    except NotFound:
        return ""
    return scheme.display(label.classification, label.policy_categories, lang=lang)


def _labels(node: Node, user: UserRecord, item_id: str) -> tuple[LabelSet, str]:
    """The item's labels as `user` may see them, and its level's English name."""
    try:
        fields = listing.item_listing(node, user, item_id)
    except NotFound:
        fields = None
    if fields is not None:
        level = node.schemes.parse(node.nation, fields["level"], fields["created_at"].date())
        return LabelSet(label_from_obj(fields["label"])), level.english
    view = listing.holding_listing(node, user, item_id)  # NotFound for the rest
    original = label_from_obj(view.original_label)
    local = label_from_obj(view.local_label)
    level = node.schemes.parse(node.nation, view.marking, view.received_at.date())
    alternatives = (local,) if local.policy != original.policy else ()
    return LabelSet(original, alternatives), level.english


def _us_word(english: str, item_id: str) -> str:
    """The US classification word a national level's English name carries."""
    upper = english.upper()
    for word in _US_WORDS:
        if word in upper:
            return word
    raise InputError(
        f"{item_id} is marked {english}, which has no US classification word for ISM",
        hint="ask for --format xml or json",
    )


def _ism(label: ConfidentialityLabel, english: str, item_id: str) -> bytes:
    word = _us_word(english, item_id)
    try:
        document = {
            "ism": ism_attributes(label, word),
            "banner": render_banner(label, word),
            "portion": portion_mark(label, word),
        }
    except Error as error:
        raise InputError(f"{item_id}'s label cannot be written as ISM: {error.message}") from None
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode()


def item_label(node: Node, user: UserRecord, item_id: str, fmt: str = "xml") -> LabelOut:
    """The label of `item_id` (own item or holding) in `fmt`: xml, json or ism."""
    if fmt not in FORMATS:
        raise InputError(f"no label format {fmt!r}", hint=f"formats: {', '.join(FORMATS)}")
    labels, english = _labels(node, user, item_id)
    own = not labels.alternatives
    if fmt == "xml":
        content = label_to_xml(labels.original) if own else labelset_to_xml(labels)
    elif fmt == "json":
        content = label_to_json(labels.original) if own else labelset_to_json(labels)
    else:  # ism: what this nation marks it, as a US tool would see it
        content = _ism(
            labels.alternatives[0] if labels.alternatives else labels.original, english, item_id
        )
    return LabelOut(content, FORMATS[fmt])
