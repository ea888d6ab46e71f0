"""ADatP-4774 labels as JSON, and the canonical bytes the envelope binds.

ADatP-4774 Ed. A defines XML only. The JSON form follows the one OpenTDF/ZTDF publishes for
STANAG 4774 assertions (`json-structured`: `Xmlns`, `CreationTime`,
`ConfidentialityInformation` with `PolicyIdentifier`, `Classification`, `Category` holding
`Type`, `TagName`, `GenericValues`) and names the remaining fields after the XSD (ADR 0012):

```json
{"Xmlns": "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0",
 "Id": "…", "ReviewDateTime": "…",                        (optional)
 "ConfidentialityInformation": {
   "PolicyIdentifier": "…", "PolicyIdentifierURI": "urn:oid:…",   (URI optional)
   "Classification": "…", "PrivacyMark": "…",                      (mark optional)
   "Category": [{"Type": "PERMISSIVE", "TagName": "Releasable To", "URI": "…",
                 "GenericValues": ["JPN", "KOR"]}]},
 "OriginatorID": {"IDType": "uniformResourceIdentifier", "Value": "urn:gsomia:originator:KOR"},
 "CreationTime": "2026-11-27T09:30:00Z"}
```

Decoding is strict: unknown or duplicate keys, wrong types and numbers are errors.
`canonical_json` is RFC 8785 (JCS) for these documents, which hold only objects, arrays and
strings: keys sorted (all ASCII, so code-point and UTF-16 order agree), no whitespace, UTF-8,
ECMAScript string escaping — which is what `json.dumps(ensure_ascii=False)` writes for text
without lone surrogates, and the model refuses those.
"""

from __future__ import annotations

import json as _json
from typing import Any

from gsomia.labels._common import (
    ORIGINATOR_ID_TYPE,
    format_time,
    originator_uri,
    parse_originator,
    parse_time,
    wrapped,
)
from gsomia.labels.labelset import MAX_ALTERNATIVES, LabelSet
from gsomia.labels.model import (
    MAX_CATEGORIES,
    NAMESPACE,
    Category,
    CategoryType,
    ConfidentialityLabel,
    LabelFormatError,
)

__all__ = [
    "MAX_JSON_BYTES",
    "canonical_json",
    "label_from_json",
    "label_from_obj",
    "label_to_json",
    "label_to_obj",
    "labelset_from_json",
    "labelset_from_obj",
    "labelset_to_json",
    "labelset_to_obj",
]

MAX_JSON_BYTES = 65536

JsonObject = dict[str, Any]


def canonical_json(value: Any) -> bytes:
    """RFC 8785 canonical bytes of a document made of objects, arrays and strings."""
    return _json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def label_to_obj(label: ConfidentialityLabel) -> JsonObject:
    """The label as a JSON-ready dict (see the module docstring for the shape)."""
    info: JsonObject = {
        "PolicyIdentifier": label.policy,
        "Classification": label.classification,
    }
    if label.policy_uri is not None:
        info["PolicyIdentifierURI"] = label.policy_uri
    if label.privacy_mark is not None:
        info["PrivacyMark"] = label.privacy_mark
    if label.categories:
        info["Category"] = [_category_obj(c) for c in label.categories]
    out: JsonObject = {
        "Xmlns": NAMESPACE,
        "ConfidentialityInformation": info,
        "OriginatorID": {"IDType": ORIGINATOR_ID_TYPE, "Value": originator_uri(label.originator)},
        "CreationTime": format_time(label.created_at),
    }
    if label.label_id is not None:
        out["Id"] = label.label_id
    if label.review_at is not None:
        out["ReviewDateTime"] = format_time(label.review_at)
    return out


def _category_obj(category: Category) -> JsonObject:
    out: JsonObject = {
        "Type": category.type.value,
        "TagName": category.tag_name,
        "GenericValues": list(category.values),
    }
    if category.uri is not None:
        out["URI"] = category.uri
    return out


def label_to_json(label: ConfidentialityLabel) -> bytes:
    """The label's canonical JSON bytes (RFC 8785)."""
    return canonical_json(label_to_obj(label))


def _fields(value: Any, where: str, required: set[str], optional: set[str]) -> JsonObject:
    if not isinstance(value, dict):
        raise LabelFormatError(f"{where} must be a JSON object, not {_kind(value)}")
    missing = sorted(required - set(value))
    if missing:
        raise LabelFormatError(f"{where} has no {missing[0]!r}")
    unknown = sorted(set(value) - required - optional)
    if unknown:
        raise LabelFormatError(
            f"{where} has unsupported key {unknown[0]!r}",
            hint=f"allowed: {', '.join(sorted(required | optional))}",
        )
    return value


def _str(obj: JsonObject, key: str, where: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise LabelFormatError(f"{where}.{key} must be a string, not {_kind(value)}")
    return value


def _opt_str(obj: JsonObject, key: str, where: str) -> str | None:
    return _str(obj, key, where) if key in obj else None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


def _category_from_obj(value: Any, where: str) -> Category:
    obj = _fields(value, where, {"Type", "TagName", "GenericValues"}, {"URI"})
    tag, kind, values = _str(obj, "TagName", where), _str(obj, "Type", where), obj["GenericValues"]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise LabelFormatError(f"{where}.GenericValues must be an array of strings")
    try:
        category_type = CategoryType(kind)
    except ValueError:
        raise LabelFormatError(
            f"{where}.Type is {kind!r}", hint="use PERMISSIVE, RESTRICTIVE or INFORMATIVE"
        ) from None
    uri = _opt_str(obj, "URI", where)
    return wrapped(lambda: Category(tag, category_type, tuple(values), uri), f"category {tag!r}")


def label_from_obj(value: Any, where: str = "label") -> ConfidentialityLabel:
    """Decode the dict form; `LabelFormatError` names the first thing wrong."""
    obj = _fields(
        value,
        where,
        {"Xmlns", "ConfidentialityInformation", "OriginatorID", "CreationTime"},
        {"Id", "ReviewDateTime"},
    )
    if obj["Xmlns"] != NAMESPACE:
        raise LabelFormatError(
            f"{where}.Xmlns is {str(obj['Xmlns'])[:80]!r}", hint=f"STANAG 4774 uses {NAMESPACE}"
        )
    info_where = f"{where}.ConfidentialityInformation"
    info = _fields(
        obj["ConfidentialityInformation"],
        info_where,
        {"PolicyIdentifier", "Classification"},
        {"PolicyIdentifierURI", "PrivacyMark", "Category"},
    )
    raw_categories = info.get("Category", [])
    if isinstance(raw_categories, dict):  # OpenTDF's examples give a lone Category as an object
        raw_categories = [raw_categories]
    if not isinstance(raw_categories, list):
        raise LabelFormatError(f"{info_where}.Category must be an array")
    if len(raw_categories) > MAX_CATEGORIES:
        raise LabelFormatError(
            f"{info_where} has {len(raw_categories)} categories; the limit is {MAX_CATEGORIES}"
        )
    categories = tuple(
        _category_from_obj(c, f"{info_where}.Category[{i}]") for i, c in enumerate(raw_categories)
    )
    originator_where = f"{where}.OriginatorID"
    originator_obj = _fields(obj["OriginatorID"], originator_where, {"IDType", "Value"}, set())
    originator = parse_originator(
        _str(originator_obj, "IDType", originator_where),
        _str(originator_obj, "Value", originator_where),
    )
    created_at = parse_time("CreationTime", _str(obj, "CreationTime", where))
    review = _opt_str(obj, "ReviewDateTime", where)
    review_at = parse_time("ReviewDateTime", review) if review is not None else None
    return wrapped(
        lambda: ConfidentialityLabel(
            policy=_str(info, "PolicyIdentifier", info_where),
            classification=_str(info, "Classification", info_where),
            originator=originator,
            created_at=created_at,
            categories=categories,
            policy_uri=_opt_str(info, "PolicyIdentifierURI", info_where),
            privacy_mark=_opt_str(info, "PrivacyMark", info_where),
            review_at=review_at,
            label_id=_opt_str(obj, "Id", where),
        ),
        where,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> JsonObject:
    out: JsonObject = {}
    for key, value in pairs:
        if key in out:
            raise LabelFormatError(f"JSON key {key!r} appears twice")
        out[key] = value
    return out


def _refuse_constant(name: str) -> Any:
    raise LabelFormatError(f"JSON holds {name}, which labels never contain")


def _load(data: bytes | str, max_bytes: int) -> Any:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not isinstance(raw, bytes):
        raise LabelFormatError(f"label JSON must be bytes, not {type(data).__name__}")
    if len(raw) > max_bytes:
        raise LabelFormatError(f"label JSON is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LabelFormatError("label JSON is not UTF-8") from None
    try:
        return _json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except RecursionError:
        raise LabelFormatError("label JSON is nested too deeply") from None
    except _json.JSONDecodeError as error:
        raise LabelFormatError(
            f"label JSON is malformed: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None


def label_from_json(data: bytes | str, *, max_bytes: int = MAX_JSON_BYTES) -> ConfidentialityLabel:
    """Parse one label from JSON text, strictly and within `max_bytes`."""
    return label_from_obj(_load(data, max_bytes))


def labelset_to_obj(labels: LabelSet) -> JsonObject:
    """`{"originatorConfidentialityLabel": …, "alternativeConfidentialityLabel": [...]}`."""
    return {
        "originatorConfidentialityLabel": label_to_obj(labels.original),
        "alternativeConfidentialityLabel": [label_to_obj(a) for a in labels.alternatives],
    }


def labelset_from_obj(value: Any) -> LabelSet:
    """Decode the dict form of a `LabelSet`."""
    obj = _fields(
        value, "label set", {"originatorConfidentialityLabel"}, {"alternativeConfidentialityLabel"}
    )
    alternatives = obj.get("alternativeConfidentialityLabel", [])
    if not isinstance(alternatives, list):
        raise LabelFormatError("alternativeConfidentialityLabel must be an array")
    if len(alternatives) > MAX_ALTERNATIVES:
        raise LabelFormatError(
            f"{len(alternatives)} alternative labels; the limit is {MAX_ALTERNATIVES}"
        )
    original = label_from_obj(obj["originatorConfidentialityLabel"], "originator label")
    decoded = tuple(label_from_obj(a, f"alternative label {i}") for i, a in enumerate(alternatives))
    return wrapped(lambda: LabelSet(original, decoded), "label set")


def labelset_to_json(labels: LabelSet) -> bytes:
    """The label set's canonical JSON bytes (RFC 8785)."""
    return canonical_json(labelset_to_obj(labels))


def labelset_from_json(data: bytes | str, *, max_bytes: int = MAX_JSON_BYTES) -> LabelSet:
    """Parse a label set from JSON text, strictly and within `max_bytes`."""
    return labelset_from_obj(_load(data, max_bytes))
