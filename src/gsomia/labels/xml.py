"""ADatP-4774 XML: labels to and from `urn:nato:stanag:4774:confidentialitymetadatalabel:1:0`.

Parsing is hardened (ADR 0011): the input is bounded in bytes, elements and depth before any
structure is read; a DOCTYPE is refused outright, so no entity is ever declared, let alone
expanded; lxml runs with entity resolution, DTD loading and network access off. Decoding is
strict: an element or attribute this module does not know is an error, not ignored, because
a control nobody enforces must not pass silently.

`canonical_xml` gives Exclusive XML Canonicalization bytes (the method the ADatP-4778.2
examples use) for signing and binding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from gsomia.labels._common import (
    ORIGINATOR_ID_TYPE,
    LabelRole,
    format_time,
    originator_uri,
    parse_originator,
    parse_time,
    wrapped,
)
from gsomia.labels.labelset import LabelSet
from gsomia.labels.model import (
    NAMESPACE,
    Category,
    CategoryType,
    ConfidentialityLabel,
    LabelFormatError,
)

__all__ = [
    "LABELSET_NAMESPACE",
    "LabelRole",
    "XmlLimits",
    "canonical_xml",
    "label_from_xml",
    "label_to_xml",
    "labelset_from_xml",
    "labelset_to_xml",
    "read_label_xml",
]

#: gsomia's container for one item's labels (ADatP-4774 defines none; ADR 0011).
LABELSET_NAMESPACE = "urn:gsomia:labelset:1"

_N = "{" + NAMESPACE + "}"
_NSMAP = {"slab": NAMESPACE}
_XML_SPACE = re.compile(r"[ \t\r\n]+")  # xs:token whitespace; not U+3000 or U+00A0
_ROOTS = {_N + role.value: role for role in LabelRole}


@dataclass(frozen=True, slots=True)
class XmlLimits:
    """Bounds checked before a label's structure is read."""

    max_bytes: int = 65536
    max_depth: int = 8
    max_elements: int = 2048


DEFAULT_LIMITS = XmlLimits()


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _parse(data: bytes | str, limits: XmlLimits) -> etree._Element:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not isinstance(raw, bytes):
        raise LabelFormatError(f"label XML must be bytes, not {type(data).__name__}")
    if len(raw) > limits.max_bytes:
        raise LabelFormatError(
            f"label XML is {len(raw)} bytes; the limit is {limits.max_bytes}",
            hint="a label is metadata; send the content in the envelope",
        )
    if raw.startswith((b"\xfe\xff", b"\xff\xfe")) or b"\x00" in raw:
        raise LabelFormatError("label XML is not UTF-8", hint="encode labels as UTF-8")
    # Refused before lxml sees it: a DOCTYPE is where entity bombs and external entities live.
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise LabelFormatError("label XML has a DOCTYPE; DTDs and entities are refused")
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as error:
        raise LabelFormatError(f"label XML is malformed: {error.msg}") from None
    tree = root.getroottree()
    docinfo = tree.docinfo
    doctype = str(getattr(docinfo, "doctype", ""))  # lxml-stubs lacks `doctype`
    if doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise LabelFormatError("label XML has a DOCTYPE; DTDs and entities are refused")
    _check_shape(root, limits)
    return root


def _check_shape(root: etree._Element, limits: XmlLimits) -> None:
    count = 0
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if not isinstance(element.tag, str):
            raise LabelFormatError("label XML holds an entity reference or other non-element node")
        count += 1
        if count > limits.max_elements:
            raise LabelFormatError(
                f"label XML has more than {limits.max_elements} elements; "
                f"the limit is {limits.max_elements}"
            )
        if depth > limits.max_depth:
            raise LabelFormatError(
                f"label XML is nested deeper than {limits.max_depth} elements",
                hint="a 4774 label is four levels deep",
            )
        stack.extend((child, depth + 1) for child in element)


def _local(element: etree._Element) -> str:
    qname = etree.QName(element)
    if qname.namespace != NAMESPACE:
        raise LabelFormatError(
            f"element {qname.localname!r} is in namespace {qname.namespace!r}",
            hint=f"STANAG 4774 labels use {NAMESPACE}",
        )
    return qname.localname


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _attrs(element: etree._Element, allowed: set[str]) -> dict[str, str]:
    found = {str(k): str(v) for k, v in element.attrib.items()}
    unknown = sorted(set(found) - allowed)
    if unknown:
        raise LabelFormatError(
            f"{_name(element)} has unsupported attribute {unknown[0]!r}",
            hint=f"allowed: {', '.join(sorted(allowed)) or 'none'}",
        )
    return found


def _no_text(element: etree._Element) -> None:
    for text in (element.text, *(child.tail for child in element)):
        if text is not None and text.strip(" \t\r\n"):
            raise LabelFormatError(f"{_name(element)} holds stray text {text.strip()[:40]!r}")


def _text(element: etree._Element, *, token: bool = False) -> str:
    if len(element):
        raise LabelFormatError(f"{_local(element)} must hold text, not elements")
    text = element.text or ""
    # xs:token collapses XML whitespace; GenericValue (xs:string) is taken as written.
    return " ".join(_XML_SPACE.split(text.strip(" \t\r\n"))) if token else text


def _children(element: etree._Element, order: Sequence[str]) -> list[tuple[str, etree._Element]]:
    """Children as (local name, element), checked to follow the XSD sequence `order`."""
    _no_text(element)
    out: list[tuple[str, etree._Element]] = []
    position = 0
    for child in element:
        name = _local(child)
        if name not in order:
            raise LabelFormatError(f"{_local(element)} has unsupported element {name!r}")
        index = order.index(name)
        if index < position:
            raise LabelFormatError(f"{name} is out of order inside {_local(element)}")
        position = index
        out.append((name, child))
    return out


def _one(found: list[tuple[str, etree._Element]], name: str, parent: str) -> etree._Element:
    matches = [element for local, element in found if local == name]
    if not matches:
        raise LabelFormatError(f"label XML has no {name} in {parent}")
    if len(matches) > 1:
        raise LabelFormatError(f"label XML has {len(matches)} {name} elements in {parent}")
    return matches[0]


def _decode_category(element: etree._Element) -> Category:
    attrs = _attrs(element, {"Type", "TagName", "URI"})
    for required in ("Type", "TagName"):
        if required not in attrs:
            raise LabelFormatError(f"Category has no {required} attribute")
    found = _children(element, ("GenericValue",))
    values = []
    for _, child in found:
        _attrs(child, set())
        values.append(_text(child))
    try:
        kind = CategoryType(attrs["Type"])
    except ValueError:
        raise LabelFormatError(
            f"Category {attrs['TagName']!r} has Type {attrs['Type']!r}",
            hint="ADatP-4774 allows PERMISSIVE, RESTRICTIVE or INFORMATIVE (capitals)",
        ) from None
    where = f"category {attrs['TagName']!r}"
    return wrapped(lambda: Category(attrs["TagName"], kind, tuple(values), attrs.get("URI")), where)


def _decode(root: etree._Element) -> tuple[LabelRole, ConfidentialityLabel]:
    role = _ROOTS.get(str(root.tag))
    if role is None:
        qname = etree.QName(root)
        if qname.namespace != NAMESPACE:
            raise LabelFormatError(
                f"root element is in namespace {qname.namespace!r}",
                hint=f"STANAG 4774 labels use {NAMESPACE}",
            )
        raise LabelFormatError(f"root element {qname.localname!r} is not a 4774 label")
    attrs = _attrs(root, {"Id", "ReviewDateTime"})
    top = _children(
        root,
        ("ConfidentialityInformation", "OriginatorID", "CreationDateTime", "SuccessionHandling"),
    )
    if any(name == "SuccessionHandling" for name, _ in top):
        raise LabelFormatError("SuccessionHandling is not supported", hint="use ReviewDateTime")
    info = _one(top, "ConfidentialityInformation", role.value)
    _attrs(info, set())
    parts = _children(info, ("PolicyIdentifier", "Classification", "PrivacyMark", "Category"))
    policy = _one(parts, "PolicyIdentifier", "ConfidentialityInformation")
    policy_uri = _attrs(policy, {"URI"}).get("URI")
    classification = _one(parts, "Classification", "ConfidentialityInformation")
    _attrs(classification, set())  # ADatP-4774 Table 6: Classification/@URI SHALL NOT be used
    marks = [element for name, element in parts if name == "PrivacyMark"]
    if len(marks) > 1:
        raise LabelFormatError("label XML has more than one PrivacyMark")
    categories = tuple(_decode_category(e) for name, e in parts if name == "Category")
    originator_element = _one(top, "OriginatorID", role.value)
    id_type = _attrs(originator_element, {"IDType"}).get("IDType")
    originator = parse_originator(id_type, _text(originator_element))
    created = _one(top, "CreationDateTime", role.value)
    _attrs(created, set())
    created_at = parse_time("CreationDateTime", _text(created, token=True))
    review = attrs.get("ReviewDateTime")
    review_at = parse_time("ReviewDateTime", review.strip()) if review is not None else None
    label = wrapped(
        lambda: ConfidentialityLabel(
            policy=_text(policy, token=True),
            classification=_text(classification, token=True),
            originator=originator,
            created_at=created_at,
            categories=categories,
            policy_uri=policy_uri,
            privacy_mark=_text(marks[0]) if marks else None,
            review_at=review_at,
            label_id=attrs.get("Id"),
        )
    )
    return role, label


def read_label_xml(
    data: bytes | str, *, limits: XmlLimits = DEFAULT_LIMITS
) -> tuple[LabelRole, ConfidentialityLabel]:
    """Parse one 4774 label and say which root it had (originator, alternative, …)."""
    return _decode(_parse(data, limits))


def label_from_xml(
    data: bytes | str, *, limits: XmlLimits = DEFAULT_LIMITS
) -> ConfidentialityLabel:
    """Parse one 4774 label; `LabelFormatError` names whatever is wrong with it."""
    return read_label_xml(data, limits=limits)[1]


def _element(label: ConfidentialityLabel, role: LabelRole) -> etree._Element:
    root = etree.Element(_N + role.value, nsmap=_NSMAP)
    if label.label_id is not None:
        root.set("Id", label.label_id)
    if label.review_at is not None:
        root.set("ReviewDateTime", format_time(label.review_at))
    info = etree.SubElement(root, _N + "ConfidentialityInformation")
    policy = etree.SubElement(info, _N + "PolicyIdentifier")
    policy.text = label.policy
    if label.policy_uri is not None:
        policy.set("URI", label.policy_uri)
    etree.SubElement(info, _N + "Classification").text = label.classification
    if label.privacy_mark is not None:
        etree.SubElement(info, _N + "PrivacyMark").text = label.privacy_mark
    for category in label.categories:
        element = etree.SubElement(info, _N + "Category")
        element.set("Type", category.type.value)
        element.set("TagName", category.tag_name)
        if category.uri is not None:
            element.set("URI", category.uri)
        for value in category.values:
            etree.SubElement(element, _N + "GenericValue").text = value
    originator = etree.SubElement(root, _N + "OriginatorID")
    originator.set("IDType", ORIGINATOR_ID_TYPE)
    originator.text = originator_uri(label.originator)
    etree.SubElement(root, _N + "CreationDateTime").text = format_time(label.created_at)
    return root


def label_to_xml(label: ConfidentialityLabel, *, role: LabelRole = LabelRole.ORIGINATOR) -> bytes:
    """The label as a UTF-8 XML document with `role` as its root element."""
    return etree.tostring(_element(label, role), xml_declaration=True, encoding="UTF-8")


def canonical_xml(label: ConfidentialityLabel, *, role: LabelRole = LabelRole.ORIGINATOR) -> bytes:
    """Exclusive XML Canonicalization 1.0 (no comments) of the label: the bytes to sign."""
    return etree.tostring(_element(label, role), method="c14n", exclusive=True, with_comments=False)


def labelset_to_xml(labels: LabelSet) -> bytes:
    """`<gs:LabelSet>` holding the originator label, then each alternative label."""
    root = etree.Element(
        "{" + LABELSET_NAMESPACE + "}LabelSet", nsmap={"gs": LABELSET_NAMESPACE, **_NSMAP}
    )
    root.append(_element(labels.original, LabelRole.ORIGINATOR))
    for alternative in labels.alternatives:
        root.append(_element(alternative, LabelRole.ALTERNATIVE))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def labelset_from_xml(data: bytes | str, *, limits: XmlLimits = DEFAULT_LIMITS) -> LabelSet:
    """Parse a `<gs:LabelSet>`: exactly one originator label first, then alternatives."""
    root = _parse(data, limits)
    if root.tag != "{" + LABELSET_NAMESPACE + "}LabelSet":
        raise LabelFormatError(
            f"root element is {etree.QName(root).localname!r} in "
            f"{etree.QName(root).namespace!r}, not LabelSet in {LABELSET_NAMESPACE}"
        )
    _attrs(root, set())
    _no_text(root)
    decoded = [_decode(child) for child in root]
    if not decoded or decoded[0][0] is not LabelRole.ORIGINATOR:
        raise LabelFormatError("LabelSet must start with an originatorConfidentialityLabel")
    if any(role is not LabelRole.ALTERNATIVE for role, _ in decoded[1:]):
        raise LabelFormatError("LabelSet may hold only alternative labels after the originator's")
    return wrapped(lambda: LabelSet(decoded[0][1], tuple(label for _, label in decoded[1:])))
