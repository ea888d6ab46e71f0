"""Items and holdings as STIX 2.1 objects, both labels carried in gsomia's extension.

An item becomes one `report` (written directly, checked against `stix2` in the tests; the
definitions are built with `stix2`) (its title the name, text content the description, any other
content base64 in the extension), created by the `identity` of its originating nation, marked
with one `marking-definition` per national marking so that a tool shows the banner. The
extension (`EXTENSION`, a property extension) carries the originator's STANAG 4774 label
unchanged and the receiving nation's re-marking (Art. 4.2), each as the canonical JSON text
of the label (`gsomia.labels.canonical_json`): a string keeps the label byte for byte, where
a nested object would have to follow STIX's dictionary-key rules.

An item whose content is itself a STIX object (one taken in from a partner tool, ADR 0115)
is served as that object, its id kept, with the extension and the markings added.

Pure: ids are derived, never drawn: the item id's own UUID, or `_derived` (a name hashed as
UUIDv5 does, under `NAMESPACE`, then marked version 4, since STIX 2.1 requires its SDO ids to
be UUIDv4 and strict validation refuses anything else; the bits are as unguessable as v5's).
A marking-definition's id also ends with `MARKING_TAG` (ADR 0152): a banner is gsomia's to
show, and an object a tool posted may name one its item does not carry (a lower banner beside
the true one); served, every ref to a marking of gsomia's is dropped before the item's own are
added, and only an id that says whose it is can be told from a tool's own marking.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import stix2

from gsomia.labels import TAG_RELEASABLE_TO, canonical_json
from gsomia.labels.media import essence
from gsomia.treaty.schemes import load_schemes

__all__ = [
    "EXTENSION",
    "EXTENSION_ID",
    "MARKING_TAG",
    "NAMESPACE",
    "PROJECT_IDENTITY",
    "STIX_MEDIA_TYPE",
    "TLP_WIDER_THAN_REL_TO",
    "StixItem",
    "bundle_of",
    "created_of",
    "definitions",
    "identity_id",
    "identity_of",
    "is_gsomias_extension",
    "is_gsomias_marking",
    "labels_of",
    "marking_named",
    "marking_of",
    "object_of",
    "ref_uuid",
    "serialised",
    "statement_of",
    "stix_id",
    "without_gsomias_extension",
    "without_gsomias_markings",
]

#: The namespace of every id gsomia derives (a fixed UUIDv4, chosen once).
NAMESPACE = uuid.UUID("0b8c3f2e-5d8a-4f4b-9c61-7a0d5f0e2c11")
#: The content type of an item that is itself one STIX 2.1 object.
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
#: When gsomia's definitions were made: the Korea–Japan GSOMIA's signing day.
DEFINED = datetime(2016, 11, 23, tzinfo=UTC)


def _derived(name: str) -> str:
    """A stable UUID for `name`: its UUIDv5 under `NAMESPACE`, marked version 4 (see above)."""
    return str(uuid.UUID(bytes=uuid.uuid5(NAMESPACE, name).bytes, version=4))


#: The last six bytes of every marking-definition id gsomia makes ("gsomia" in ASCII): 74
#: hashed bits stay, and a tool's random UUIDv4 ends so once in 2**48. The last, since a
#: TAXII `next` names a definition by its first bytes (`stix.definitions.tag`).
MARKING_TAG = b"gsomia"


def _marking_id(name: str) -> str:
    derived = uuid.uuid5(NAMESPACE, name).bytes
    tagged = uuid.UUID(bytes=derived[: -len(MARKING_TAG)] + MARKING_TAG, version=4)
    return f"marking-definition--{tagged}"


#: TLP markings that let a reader share beyond an item's REL TO list (STIX 2.1's TLP:WHITE and
#: TLP:GREEN, TLP 2.0's TLP:CLEAR and TLP:GREEN, by their fixed ids): beside a classified
#: item's banner each is a lower banner beside the true one, as one of gsomia's is (ADR 0153).
#: AMBER, AMBER+STRICT and RED say nothing wider than the item's banner and stay.
TLP_WIDER_THAN_REL_TO = frozenset(
    uuid.UUID(u)
    for u in (
        "613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "94868c89-83c2-464b-929b-a1a8aa3c8487",
        "bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    )
)


def ref_uuid(ref: object, kind: str) -> uuid.UUID | None:
    """The UUID `ref` names an object of type `kind` by, in any spelling a lenient consumer
    resolves (any case, spaces about it; braces, `urn:uuid:` and no hyphens, as `uuid` reads);
    None if it names no such object (found by the attack, ADR 0153)."""
    if not isinstance(ref, str):
        return None
    named_kind, _, rest = ref.strip().partition("--")
    if named_kind.lower() != kind:
        return None
    try:
        return uuid.UUID(rest)
    except ValueError:
        return None


def is_gsomias_extension(key: object) -> bool:
    """Whether an `extensions` key names gsomia's extension-definition in any spelling a
    consumer that reads ids as UUIDs resolves (any case, braces, spaces about it): its fields
    are the node's to write, from an item's labels (ADR 0153)."""
    return ref_uuid(key, "extension-definition") == _EXTENSION_UUID


def without_gsomias_extension(extensions: object) -> dict[str, Any]:
    """A tool's own `extensions`, gsomia's dropped in whatever spelling (ADR 0153)."""
    if not isinstance(extensions, Mapping):
        return {}
    return {k: v for k, v in extensions.items() if not is_gsomias_extension(k)}


def is_gsomias_marking(ref: object) -> bool:
    """Whether `ref` names a marking-definition of gsomia's (any case: tools differ)."""
    named = ref_uuid(ref, "marking-definition")
    return named is not None and named.bytes.endswith(MARKING_TAG)


def _not_served(ref: object) -> bool:
    """Whether a ref a tool wrote is a banner no item of gsomia's may be shown beside: one of
    gsomia's own, or a TLP that shares wider than any REL TO list."""
    named = ref_uuid(ref, "marking-definition")
    return named is not None and (
        named.bytes.endswith(MARKING_TAG) or named in TLP_WIDER_THAN_REL_TO
    )


_PROJECT = "identity--" + _derived("gsomia")
EXTENSION_ID = "extension-definition--" + _derived("gsomia-labels-1.0")
_EXTENSION_UUID = uuid.UUID(EXTENSION_ID.partition("--")[2])

#: gsomia's extension definition: the labels a STIX object carries (property extension).
EXTENSION = stix2.ExtensionDefinition(
    id=EXTENSION_ID,
    created=DEFINED,
    modified=DEFINED,
    created_by_ref=_PROJECT,
    name="gsomia confidentiality labels",
    description=(
        "The originator's STANAG 4774 confidentiality label (originator_label) and the "
        "receiving nation's equivalent marking (national_label), each the canonical JSON "
        "text of an ADatP-4774 JSON label; the item's purpose, precedence and media type; "
        "content that is not text, base64 (content_base64)."
    ),
    schema="https://github.com/gsomia/gsomia/blob/main/docs/adr/0115-stix-and-taxii.md",
    version="1.0.0",
    extension_types=["property-extension"],
)

PROJECT_IDENTITY = stix2.Identity(
    id=_PROJECT,
    created=DEFINED,
    modified=DEFINED,
    name="gsomia",
    identity_class="system",
    description="Software for nations to exchange classified information under GSOMIAs.",
)


@dataclass(frozen=True)
class StixItem:
    """What a STIX object is made of: an item (or a holding of one) with its labels."""

    item_id: str
    title: str
    originator: str
    created: datetime
    media_type: str
    content: bytes
    purpose: str
    precedence: str
    originator_label: Mapping[str, Any]  # the ADatP-4774 JSON label object
    national_label: Mapping[str, Any] | None = None  # the holder's re-marking (Art. 4.2)


def _uuid_of(item_id: str) -> str:
    """The UUID an item id ends in (`KOR-<uuid>`), or one derived from the whole id."""
    tail = item_id.partition("-")[2]
    try:
        return str(uuid.UUID(tail))
    except ValueError:
        return _derived(item_id)


def stix_id(item_id: str, kind: str = "report") -> str:
    """The STIX id of the `kind` object an item becomes."""
    return f"{kind}--{_uuid_of(item_id)}"


def identity_id(nation: str) -> str:
    return "identity--" + _derived(f"nation:{nation}")


def identity_of(nation: str) -> stix2.Identity:
    """The `identity` of `nation` as originator."""
    return stix2.Identity(
        id=identity_id(nation),
        created=DEFINED,
        modified=DEFINED,
        name=nation,
        identity_class="organization",
        sectors=["defense"],
        description=f"The government of {nation} (ISO 3166 alpha-3), as originator.",
        created_by_ref=_PROJECT,
    )


def statement_of(label: Mapping[str, Any]) -> tuple[str, str]:
    """The banner a national marking shows, and the policy it is of, read from the label's
    JSON as `gsomia.labels.json` writes it (a page of objects reads them for every object)."""
    info = label["ConfidentialityInformation"]
    banner = str(info["Classification"])
    releasable = sorted(
        str(value)
        for category in info.get("Category") or ()
        if category.get("TagName") == TAG_RELEASABLE_TO
        for value in category.get("GenericValues") or ()
    )
    if releasable:
        banner += "//REL TO " + ", ".join(releasable)
    return banner, str(info["PolicyIdentifier"])


@lru_cache(maxsize=256)
def marking_named(banner: str, policy: str) -> stix2.MarkingDefinition:
    """The marking-definition of the banner `banner` of `policy`."""
    return stix2.MarkingDefinition(
        id=_marking_id(f"{policy}\n{banner}"),
        created=DEFINED,
        created_by_ref=_PROJECT,
        name=f"{banner} ({policy})",
        definition_type="statement",
        definition={"statement": banner},
    )


def marking_of(label: Mapping[str, Any]) -> stix2.MarkingDefinition:
    """The marking-definition of one national marking: a statement a tool shows as a banner."""
    return marking_named(*statement_of(label))


def _extension(item: StixItem, *, inline_content: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "extension_type": "property-extension",
        "originator_label": canonical_json(item.originator_label).decode("utf-8"),
        "purpose": item.purpose,
        "precedence": item.precedence,
        "media_type": item.media_type,
    }
    if item.national_label is not None:
        fields["national_label"] = canonical_json(item.national_label).decode("utf-8")
    if not inline_content:
        fields["content_base64"] = base64.b64encode(item.content).decode("ascii")
    return fields


def _text(item: StixItem) -> str | None:
    """The content as text, if it is text (shown as the report's description)."""
    if not essence(item.media_type).startswith("text/"):
        return None
    try:
        return item.content.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _markings(item: StixItem) -> list[str]:
    labels = [item.originator_label, *([item.national_label] if item.national_label else [])]
    return list(dict.fromkeys(str(marking_of(label).id) for label in labels))


def object_of(item: StixItem) -> dict[str, Any]:
    """The STIX object `item` is, as JSON: its report, or the STIX object it carries.

    The report is written here rather than through `stix2.Report`: building and serialising
    one with `stix2` was 31 % of a TAXII page (py-spy, ADR 0115); the tests parse every kind
    with `stix2` and validate it strictly."""
    if essence(item.media_type) == essence(STIX_MEDIA_TYPE):
        carried = _one_object(item.content)
        if carried is not None and _may_carry(item, carried):
            return _carried(item, carried)
        # Not one JSON object (a partner's, or NaN inside): a report carrying it, as any
        # content that is not text, rather than a page that fails or is not JSON (ADR 0136).
    text = _text(item)
    when = _timestamp(item.created)
    report: dict[str, Any] = {
        "type": "report",
        "spec_version": "2.1",
        "id": stix_id(item.item_id),
        "created": when,
        "modified": when,
        "name": item.title,
        **({"description": text} if text is not None else {}),
        "published": when,
        "report_types": ["threat-report"],
        "object_refs": [identity_id(item.originator)],
        "created_by_ref": identity_id(item.originator),
        "object_marking_refs": _markings(item),
        "extensions": {EXTENSION_ID: _extension(item, inline_content=text is not None)},
    }
    return report


def serialised(obj: Mapping[str, Any]) -> bytes:
    """An object's JSON as a TAXII answer carries it (compact, UTF-8): what a holding keeps,
    made once at receipt, and what a page splices unchanged (ADR 0124)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def created_of(label: Mapping[str, Any]) -> datetime:
    """When an item was made: its originator's label's creation time (`CreationTime`, as
    `gsomia.labels.json` writes it)."""
    return datetime.fromisoformat(str(label["CreationTime"]).replace("Z", "+00:00"))


def _timestamp(moment: datetime) -> str:
    """A STIX timestamp in UTC with milliseconds, as `stix2` writes `created`/`modified`."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


#: A `\\u` escape of a UTF-16 surrogate, which only a pair makes a character.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _one_object(content: bytes) -> dict[str, Any] | None:
    """The content as one JSON object by RFC 8259, or None. Python's reader also takes NaN and
    Infinity, which `serialised` would write back: kept at receipt and spliced into every page
    of the collection as they were, they made the page JSON no strict client reads (found by
    the attack, ADR 0136)."""
    try:
        value = json.loads(content, parse_constant=_not_json)
        if not isinstance(value, dict):
            return None
        if _SURROGATE.search(content):  # an escaped one may stand alone: no UTF-8 writes it
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        return None
    return value


#: What a carried object may not be: no item (`stix.intake`), or gsomia's to define.
_NOT_CARRIED = frozenset(("bundle", "marking-definition", "extension-definition"))
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{1,248}[a-z0-9]$")


def _may_carry(item: StixItem, carried: Mapping[str, Any]) -> bool:
    """Whether `carried` may be served as the object it says it is, under its item's id: a
    partner node writes its envelope's content itself, past its own intake, so a type intake
    refuses, or gsomia's identity of a government (the item's UUID chosen as one), is served
    as a report carrying it instead (ADR 0153)."""
    kind = carried.get("type")
    if not isinstance(kind, str) or not _TYPE.match(kind) or kind in _NOT_CARRIED:
        return False
    own = uuid.UUID(_uuid_of(item.item_id))
    return not (kind == "identity" and own in _governments())


def _carried(item: StixItem, carried: dict[str, Any]) -> dict[str, Any]:
    """The STIX object the item's content is (`carried`), its id kept, with both labels added
    after the tool's own markings (any of gsomia's it named dropped: ADR 0152)."""
    carried = without_gsomias_markings(carried)
    # The item's id, whatever the content says: under another's, a consumer that upserts by
    # id took it as a new version of that object (found by the attack, ADR 0153).
    carried["id"] = f"{carried['type']}--{_uuid_of(item.item_id)}"
    if _names_a_government(carried.get("created_by_ref"), item.originator):
        # A partner node writes its envelope's content itself, past its own intake's check
        # (ADR 0148): the author gsomia names is the item's originator (ADR 0153).
        carried["created_by_ref"] = identity_id(item.originator)
    extensions = without_gsomias_extension(carried.get("extensions"))
    extensions[EXTENSION_ID] = _extension(item, inline_content=True)
    carried["extensions"] = extensions
    marks = [*carried.get("object_marking_refs", ()), *_markings(item)]
    carried["object_marking_refs"] = list(dict.fromkeys(marks))
    return carried


@lru_cache(maxsize=1)
def _governments() -> frozenset[uuid.UUID]:
    """The UUIDs of gsomia's identities: its own and each nation's a scheme is known for."""
    nations = load_schemes().nations()
    named = (str(PROJECT_IDENTITY.id), *(identity_id(n) for n in nations))
    return frozenset(uuid.UUID(ref.partition("--")[2]) for ref in named)


def _names_a_government(ref: object, originator: str) -> bool:
    """Whether `ref` (read as a consumer resolves it) is one of gsomia's identities other than
    `originator`'s."""
    named = ref_uuid(ref, "identity")
    own = uuid.UUID(identity_id(originator).partition("--")[2])
    return named is not None and named in _governments() and named != own


def without_gsomias_markings(obj: Mapping[str, Any]) -> dict[str, Any]:
    """`obj` naming only its tool's own markings: a banner is the node's to show, from an
    item's labels, and a ref to one of gsomia's beside them (a lower banner beside the true
    one) is dropped, in `object_marking_refs` and in `granular_markings` (ADR 0152), and so
    is a TLP that shares wider than the item's REL TO list (ADR 0153). Refs that are not ids
    (a string where a list belongs) are no marking either."""
    kept = dict(obj)
    own = obj.get("object_marking_refs")
    refs = [r for r in own if isinstance(r, str)] if isinstance(own, list) else []
    refs = [ref for ref in refs if not _not_served(ref)]
    if refs:
        kept["object_marking_refs"] = refs
    else:
        kept.pop("object_marking_refs", None)
    granular = obj.get("granular_markings")
    if isinstance(granular, list):
        rest = [
            marking
            for marking in granular
            if not (isinstance(marking, dict) and _not_served(marking.get("marking_ref")))
        ]
        if rest:
            kept["granular_markings"] = rest
        else:
            kept.pop("granular_markings", None)
    return kept


def definitions(items: Iterable[StixItem]) -> list[dict[str, Any]]:
    """What `items`' objects refer to: the extension definition, gsomia's identity, each
    originating nation's identity and each national marking's definition, once each."""
    found: dict[str, Any] = {str(EXTENSION.id): EXTENSION, _PROJECT: PROJECT_IDENTITY}
    for item in items:
        labels = [item.originator_label, *([item.national_label] if item.national_label else [])]
        for label in labels:
            marking = marking_of(label)
            found[str(marking.id)] = marking
        found[identity_id(item.originator)] = identity_of(item.originator)
    return [json.loads(obj.serialize()) for obj in found.values()]


def bundle_of(items: Sequence[StixItem]) -> dict[str, Any]:
    """One STIX bundle of `items` and everything their objects refer to."""
    objects = [*definitions(items), *(object_of(item) for item in items)]
    return {
        "type": "bundle",
        "id": "bundle--" + _derived("\n".join(i.item_id for i in items)),
        "objects": objects,
    }


def labels_of(obj: Mapping[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The originator's label and the national one a STIX object carries, if it does."""
    fields = (obj.get("extensions") or {}).get(EXTENSION_ID) or {}
    original, national = fields.get("originator_label"), fields.get("national_label")
    return (
        json.loads(original) if isinstance(original, str) else None,
        json.loads(national) if isinstance(national, str) else None,
    )
