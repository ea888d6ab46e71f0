"""Pieces both label codecs share: times, originator identifiers, error wrapping."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar
from urllib.parse import quote, unquote

from gsomia.labels.model import InvalidLabel, LabelFormatError, Originator

T = TypeVar("T")

ORIGINATOR_ID_TYPE = "uniformResourceIdentifier"
_ORIGINATOR_PREFIX = "urn:gsomia:originator:"
_ORIGINATOR = re.compile(r"urn:gsomia:originator:([A-Z]{3}|NATO)(?::([A-Za-z0-9%._~-]+))?")
# xs:dateTime with a mandatory zone; at most microseconds, which is what datetime holds.
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})"
)


class LabelRole(StrEnum):
    """The ADatP-4774 root elements: whose label this is."""

    ORIGINATOR = "originatorConfidentialityLabel"
    ALTERNATIVE = "alternativeConfidentialityLabel"
    METADATA = "metadataConfidentialityLabel"
    LEGACY = "ConfidentialityLabel"  # "for backwards compatibility only"


def format_time(value: datetime) -> str:
    """UTC xs:dateTime with a `Z`, microseconds only when present."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(what: str, text: str) -> datetime:
    """Parse an xs:dateTime that carries a zone; the result is in UTC."""
    if not _DATETIME.fullmatch(text):
        raise LabelFormatError(
            f"{what} {text[:64]!r} is not a date-time with a timezone",
            hint="write e.g. 2026-11-27T09:30:00Z",
        )
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        raise LabelFormatError(f"{what} {text!r} is not a valid date-time") from None


def originator_uri(originator: Originator) -> str:
    """`OriginatorID` text: `urn:gsomia:originator:KOR[:<organisation, percent-encoded>]`."""
    if originator.organisation is None:
        return _ORIGINATOR_PREFIX + originator.nation
    return f"{_ORIGINATOR_PREFIX}{originator.nation}:{quote(originator.organisation, safe='')}"


def parse_originator(id_type: str | None, text: str) -> Originator:
    """The `Originator` an `OriginatorID` names; other ID types are refused (fail closed)."""
    if id_type != ORIGINATOR_ID_TYPE:
        raise LabelFormatError(
            f"OriginatorID IDType {id_type!r} is not supported",
            hint=f"gsomia needs {ORIGINATOR_ID_TYPE} urn:gsomia:originator:<NATION>",
        )
    match = _ORIGINATOR.fullmatch(text)
    if match is None:
        raise LabelFormatError(
            f"OriginatorID {text[:80]!r} does not name a nation",
            hint="write urn:gsomia:originator:<NATION>[:<organisation>]",
        )
    nation, encoded = match[1], match[2]

    def build() -> Originator:
        return Originator(nation, unquote(encoded, errors="strict") if encoded else None)

    return wrapped(build, "OriginatorID")


def wrapped(build: Callable[[], T], where: str = "label") -> T:
    """Run `build`; a model rule it breaks becomes a `LabelFormatError` about `where`."""
    try:
        return build()
    except LabelFormatError:
        raise
    except InvalidLabel as error:
        raise LabelFormatError(f"{where}: {error.message}", hint=error.hint) from None
    except UnicodeDecodeError:
        raise LabelFormatError(f"{where}: percent-encoding is not UTF-8") from None
