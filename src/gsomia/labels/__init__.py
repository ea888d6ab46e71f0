"""STANAG 4774 confidentiality labels: the model, XML and JSON codecs, US ISM banners.

Pure: no I/O, no clock. Policy and classification are strings the caller supplies; mapping
one nation's marking onto another's is `gsomia.treaty`'s job.
"""

from gsomia.labels._common import LabelRole
from gsomia.labels.ism import (
    Banner,
    InvalidBanner,
    ism_attributes,
    parse_banner,
    parse_portion,
    portion_mark,
    render_banner,
)
from gsomia.labels.json import (
    canonical_json,
    label_from_json,
    label_from_obj,
    label_to_json,
    label_to_obj,
    labelset_from_json,
    labelset_from_obj,
    labelset_to_json,
    labelset_to_obj,
)
from gsomia.labels.labelset import TAG_ORIGINATING_GOVERNMENT, LabelSet, make_alternative
from gsomia.labels.model import (
    CAVEATS,
    NAMESPACE,
    TAG_CAVEATS,
    TAG_PURPOSE,
    TAG_RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    InvalidLabel,
    LabelFormatError,
    Originator,
    make_label,
    national_policy,
)
from gsomia.labels.xml import (
    XmlLimits,
    canonical_xml,
    label_from_xml,
    label_to_xml,
    labelset_from_xml,
    labelset_to_xml,
    read_label_xml,
)

__all__ = [
    "CAVEATS",
    "NAMESPACE",
    "TAG_CAVEATS",
    "TAG_ORIGINATING_GOVERNMENT",
    "TAG_PURPOSE",
    "TAG_RELEASABLE_TO",
    "Banner",
    "Category",
    "CategoryType",
    "ConfidentialityLabel",
    "InvalidBanner",
    "InvalidLabel",
    "LabelFormatError",
    "LabelRole",
    "LabelSet",
    "Originator",
    "XmlLimits",
    "canonical_json",
    "canonical_xml",
    "ism_attributes",
    "label_from_json",
    "label_from_obj",
    "label_from_xml",
    "label_to_json",
    "label_to_obj",
    "label_to_xml",
    "labelset_from_json",
    "labelset_from_obj",
    "labelset_from_xml",
    "labelset_to_json",
    "labelset_to_obj",
    "labelset_to_xml",
    "make_alternative",
    "make_label",
    "national_policy",
    "parse_banner",
    "parse_portion",
    "portion_mark",
    "read_label_xml",
    "render_banner",
]
