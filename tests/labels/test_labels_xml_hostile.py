"""Hostile XML that is generated rather than stored: too big, too deep, too many elements,
another encoding, and the bounds in `XmlLimits`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gsomia.labels import (
    LabelFormatError,
    LabelRole,
    XmlLimits,
    canonical_xml,
    label_from_xml,
    label_to_xml,
    labelset_from_xml,
    make_label,
    read_label_xml,
)

NS = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"
LABEL = make_label(
    policy="urn:gsomia:policy:KOR:2016-11-23",
    classification="군사II급비밀",
    originator="KOR",
    created_at=datetime(2026, 11, 27, 0, 30, tzinfo=UTC),
    releasable_to=["JPN", "KOR"],
)


def test_oversized_input_is_refused_before_parsing() -> None:
    data = label_to_xml(LABEL) + b" " * 70000
    with pytest.raises(LabelFormatError, match=f"is {len(data)} bytes; the limit is 65536"):
        label_from_xml(data)


def test_limits_are_configurable() -> None:
    data = label_to_xml(LABEL)
    with pytest.raises(LabelFormatError, match="the limit is 100"):
        label_from_xml(data, limits=XmlLimits(max_bytes=100))
    with pytest.raises(LabelFormatError, match="more than 5 elements"):
        label_from_xml(data, limits=XmlLimits(max_elements=5))
    with pytest.raises(LabelFormatError, match="deeper than 3"):
        label_from_xml(data, limits=XmlLimits(max_depth=3))
    assert label_from_xml(data, limits=XmlLimits(max_depth=4)) == LABEL


def test_too_deep() -> None:
    inner = "<x:a>" * 40 + "</x:a>" * 40
    data = f'<slab:originatorConfidentialityLabel xmlns:slab="{NS}" xmlns:x="urn:x">{inner}'
    data += "</slab:originatorConfidentialityLabel>"
    with pytest.raises(LabelFormatError, match="nested deeper than 8"):
        label_from_xml(data)


def test_too_many_elements() -> None:
    values = "<slab:GenericValue/>" * 3000  # 60 kB: under the byte limit
    data = (
        f'<slab:originatorConfidentialityLabel xmlns:slab="{NS}"><slab:ConfidentialityInformation>'
        f'<slab:Category Type="INFORMATIVE" TagName="N">{values}</slab:Category>'
        "</slab:ConfidentialityInformation></slab:originatorConfidentialityLabel>"
    )
    with pytest.raises(LabelFormatError, match="more than 2048 elements"):
        label_from_xml(data)


def test_utf16_is_refused() -> None:
    data = label_to_xml(LABEL).decode().replace("UTF-8", "UTF-16").encode("utf-16")
    with pytest.raises(LabelFormatError, match="not UTF-8"):
        label_from_xml(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"<", b"not xml", b"<a></b>", b"<a>\x00</a>"],
)
def test_malformed(data: bytes) -> None:
    with pytest.raises(LabelFormatError):
        label_from_xml(data)


def test_doctype_with_external_subset_is_refused() -> None:
    data = b'<?xml version="1.0"?>\n<!DOCTYPE a SYSTEM "x">' + label_to_xml(LABEL)[38:]
    with pytest.raises(LabelFormatError, match="DOCTYPE"):
        label_from_xml(data)


def test_wrong_root_and_stray_text() -> None:
    with pytest.raises(LabelFormatError, match="not a 4774 label"):
        label_from_xml(f'<slab:Label xmlns:slab="{NS}"/>')
    with pytest.raises(LabelFormatError, match="in namespace 'urn:other'"):
        label_from_xml('<originatorConfidentialityLabel xmlns="urn:other"/>')
    text = label_to_xml(LABEL).replace(b"<slab:OriginatorID", b"hello<slab:OriginatorID")
    with pytest.raises(LabelFormatError, match="stray text 'hello'"):
        label_from_xml(text)


def test_succession_handling_is_refused() -> None:
    data = label_to_xml(LABEL).replace(
        b"</slab:originatorConfidentialityLabel>",
        b"<slab:SuccessionHandling/></slab:originatorConfidentialityLabel>",
    )
    with pytest.raises(LabelFormatError, match="SuccessionHandling is not supported"):
        label_from_xml(data)


def test_elements_out_of_order_are_refused() -> None:
    data = label_to_xml(LABEL)
    creation = data[data.index(b"<slab:CreationDateTime>") : data.index(b"</slab:origin")]
    moved = data.replace(creation, b"").replace(
        b"<slab:OriginatorID", creation + b"<slab:OriginatorID"
    )
    with pytest.raises(LabelFormatError, match="OriginatorID is out of order"):
        label_from_xml(moved)


def test_comments_and_processing_instructions_are_dropped() -> None:
    data = label_to_xml(LABEL).replace(
        b"<slab:Classification>", b"<!-- note --><?pi x?><slab:Classification>"
    )
    assert label_from_xml(data) == LABEL


@pytest.mark.parametrize("role", list(LabelRole))
def test_every_root_role_round_trips(role: LabelRole) -> None:
    assert read_label_xml(label_to_xml(LABEL, role=role)) == (role, LABEL)


def test_canonical_xml_is_exclusive_c14n_and_stable() -> None:
    c14n = canonical_xml(LABEL)
    assert c14n.startswith(f'<slab:originatorConfidentialityLabel xmlns:slab="{NS}">'.encode())
    assert b"<?xml" not in c14n
    reparsed = label_from_xml(c14n)
    assert canonical_xml(reparsed) == c14n
    assert canonical_xml(LABEL, role=LabelRole.ALTERNATIVE) != c14n


def test_labelset_xml_structure_is_checked() -> None:
    alternative = label_to_xml(LABEL, role=LabelRole.ALTERNATIVE)[38:]
    wrapper = b'<gs:LabelSet xmlns:gs="urn:gsomia:labelset:1">%s</gs:LabelSet>'
    with pytest.raises(LabelFormatError, match="must start with an originator"):
        labelset_from_xml(wrapper % alternative)
    with pytest.raises(LabelFormatError, match="must start with an originator"):
        labelset_from_xml(wrapper % b"")
    with pytest.raises(LabelFormatError, match="not LabelSet"):
        labelset_from_xml(label_to_xml(LABEL))


def test_only_xml_whitespace_is_collapsed_in_tokens() -> None:
    # xs:token collapses #x20, #x9, #xA, #xD only; U+3000 is part of the marking.
    label = make_label(
        policy="urn:gsomia:policy:KOR:2016-11-23",
        classification="군사\u3000II급비밀",
        originator="KOR",
        created_at=datetime(2026, 11, 27, tzinfo=UTC),
    )
    data = label_to_xml(label).replace(
        "<slab:Classification>군사".encode(), "<slab:Classification>\n  군사".encode()
    )
    assert label_from_xml(data) == label
