"""A node's public identity card: who it is, its public keys, where to reach it, a fingerprint.

```json
{"type": "gsomia-identity/2", "nation": "KOR", "name": "MND Seoul", "profile": "pq",
 "keys": {"kem": {...JWK...}, "sig": [{...JWK...}, ...]}, "key_id": "…",
 "tls": "MIIB…(base64 DER)", "endpoints": ["https://…"], "created": "2026-11-27T09:00:00Z",
 "fingerprint": "…"}
```

`fingerprint` is SHA-256 over the canonical JSON of the card without `fingerprint`, in hex; read
it out grouped (`fingerprint_groups`) over a second channel before trusting a card. `key_id`
names the node's keys in envelopes. `tls` is the node's self-signed TLS certificate: partners
pin the link to it (ADR 0071), so the fingerprint vouches for the link as for the signatures.
Loading a card checks every member and both digests.

A `gsomia-identity/1` card (before TLS pinning) is refused by `parse_card` with what to do.
Only a card kept as evidence with something already held (`parse_held_card`) may still be v1:
what was verified with it stays verifiable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from gsomia.errors import InputError
from gsomia.seal.encoding import canonical_json, parse_json_object
from gsomia.seal.keys import NodeKeys, PublicKeys, key_id, parse_public_jwks
from gsomia.seal.link_keys import check_certificate, tls_pin

CARD_TYPE = "gsomia-identity/2"
CARD_TYPE_V1 = "gsomia-identity/1"
_NATION = re.compile(r"[A-Z]{3}|NATO")
_ENDPOINT = re.compile(r"https?://[^\s]{1,2040}")
_MEMBERS_V1 = {"type", "nation", "name", "profile", "keys", "key_id", "endpoints", "created"}
_MEMBERS = {*_MEMBERS_V1, "tls"}
_CARD_LIMIT = 64 * 1024


def v1_refusal(nation: str) -> str:
    """What to say of a partner's card of the first version, wherever it turns up."""
    return (
        f"the identity card of {nation} is a {CARD_TYPE_V1} card, made before nodes pinned "
        f"each other's TLS keys; ask {nation}'s operator for its new card: "
        "`gsomia identity export`"
    )


@dataclass(frozen=True)
class IdentityCard:
    """A partner's (or our own) public identity. Build with `make_card`, read with `parse_card`."""

    nation: str
    name: str
    created: datetime
    endpoints: tuple[str, ...]
    keys: PublicKeys
    #: DER of the node's self-signed TLS certificate; None only on a v1 card held as evidence.
    tls_certificate: bytes | None = None

    @cached_property
    def tls_pin(self) -> str:
        """SHA-256 of the TLS certificate's SubjectPublicKeyInfo (hex): the link's pin."""
        if self.tls_certificate is None:
            raise InputError(v1_refusal(self.nation))
        return tls_pin(self.tls_certificate)

    @property
    def profile(self) -> str:
        return self.keys.profile

    @property
    def key_id(self) -> str:
        return self.keys.key_id

    def body(self) -> dict[str, Any]:
        """The card's members without `fingerprint`."""
        body = {
            "type": CARD_TYPE if self.tls_certificate is not None else CARD_TYPE_V1,
            "nation": self.nation,
            "name": self.name,
            "profile": self.profile,
            "keys": self.keys.jwks,
            "key_id": self.key_id,
            "endpoints": list(self.endpoints),
            "created": self.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.tls_certificate is not None:
            body["tls"] = base64.b64encode(self.tls_certificate).decode("ascii")
        return body

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical body (hex), made once per card: the card is frozen, and a
        receiver asked it per item received (its stored copy with each holding, ADR 0070)."""
        return hashlib.sha256(canonical_json(self.body())).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "fingerprint": self.fingerprint}

    def to_bytes(self) -> bytes:
        """The card file: indented JSON, UTF-8, keys sorted."""
        text = json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False)
        return (text + "\n").encode("utf-8")


def fingerprint_groups(fingerprint: str) -> str:
    """`ab12cd34…` → `AB12 CD34 …`, for reading aloud over a second channel."""
    upper = fingerprint.upper()
    return " ".join(upper[i : i + 4] for i in range(0, len(upper), 4))


def _check_nation(nation: object) -> str:
    if not isinstance(nation, str) or not _NATION.fullmatch(nation):
        raise InputError(f"nation {nation!r} is not an ISO 3166 alpha-3 code or NATO")
    return nation


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise InputError("name must be a non-empty string of at most 200 characters")
    return name


def _check_endpoints(endpoints: object) -> tuple[str, ...]:
    if not isinstance(endpoints, list | tuple) or len(endpoints) > 32:
        raise InputError("endpoints must be a list of at most 32 URLs")
    for url in endpoints:
        if not isinstance(url, str) or not _ENDPOINT.fullmatch(url):
            raise InputError(f"endpoint {url!r} is not an http(s) URL")
    return tuple(endpoints)


def make_card(
    keys: NodeKeys, *, nation: str, name: str, created: datetime, endpoints: Sequence[str] = ()
) -> IdentityCard:
    """The public card for `keys` (seconds precision, UTC)."""
    if created.tzinfo is None:
        raise InputError("created must be timezone-aware")
    return IdentityCard(
        nation=_check_nation(nation),
        name=_check_name(name),
        created=created.astimezone(UTC).replace(microsecond=0),
        endpoints=_check_endpoints(list(endpoints)),
        keys=parse_public_jwks(keys.profile, keys.public),
        tls_certificate=check_certificate(keys.tls_certificate, keys.profile),
    )


def parse_card(data: bytes | str) -> IdentityCard:
    """Read and fully validate a card; InputError names the first problem found, and says
    what to do with a card of the first version."""
    return _parse(data, held=False)


def parse_held_card(data: bytes | str) -> IdentityCard:
    """`parse_card` for a card kept as evidence with something held (a holding's sender
    card): a v1 card still reads, so what was verified with it stays verifiable (R17)."""
    return _parse(data, held=True)


def _tls(raw: dict[str, Any], profile_name: str) -> bytes | None:
    if raw["type"] == CARD_TYPE_V1:
        return None
    text = raw["tls"]
    try:
        if not isinstance(text, str) or len(text) > 8192:
            raise ValueError("not a string of at most 8192 characters")
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InputError(f"identity card tls is not base64: {error}") from error
    return check_certificate(der, profile_name)


def _parse(data: bytes | str, *, held: bool) -> IdentityCard:
    raw = parse_json_object(data, what="identity card", limit=_CARD_LIMIT)
    if raw.get("type") == CARD_TYPE_V1 and not held:
        nation = raw.get("nation")
        ok = isinstance(nation, str) and _NATION.fullmatch(nation)
        raise InputError(v1_refusal(nation if ok else "the partner"))  # type: ignore[arg-type]
    members = _MEMBERS_V1 if raw.get("type") == CARD_TYPE_V1 else _MEMBERS
    if set(raw) != {*members, "fingerprint"}:
        missing = sorted({*members, "fingerprint"} - set(raw))
        extra = sorted(set(raw) - {*members, "fingerprint"})
        raise InputError(f"identity card members wrong (missing {missing}, unexpected {extra})")
    if raw["type"] not in (CARD_TYPE, CARD_TYPE_V1):
        raise InputError(f"identity card type must be {CARD_TYPE!r}")
    if not isinstance(raw["profile"], str):
        raise InputError("identity card profile must be a string")
    created = raw["created"]
    if not isinstance(created, str) or not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created
    ):
        raise InputError("created must be an RFC 3339 UTC time like 2026-01-31T12:00:00Z")
    try:
        when = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise InputError(f"created is not a valid time: {created}") from error
    try:
        keys = parse_public_jwks(raw["profile"], raw["keys"])
    except InputError:
        raise
    except Exception as error:  # UsageError for an unknown profile is the partner's input here
        raise InputError(f"identity card: {error}") from error
    card = IdentityCard(
        nation=_check_nation(raw["nation"]),
        name=_check_name(raw["name"]),
        created=when,
        endpoints=_check_endpoints(raw["endpoints"]),
        keys=keys,
        tls_certificate=_tls(raw, keys.profile),
    )
    if raw["key_id"] != key_id(raw["keys"]):
        raise InputError("identity card key_id does not match its keys")
    if raw["fingerprint"] != card.fingerprint:
        raise InputError("identity card fingerprint does not match its contents")
    return card


def borrowed_from(card: IdentityCard, others: Sequence[IdentityCard]) -> str | None:
    """What `card` shares with another node's card in `others` (its TLS key or one of its
    public keys), said as a refusal; None if nothing.

    Neither a fingerprint read aloud nor a rotation statement proves the card's TLS key is
    held: the certificate is public, shown in every handshake. A partner's card carrying
    another node's certificate would make the listener take that node's handshakes for the
    partner's (`links.tls_peer` answers the first pin that matches), so its link is refused;
    one carrying another's signature key would let the partner pass that node's signed
    documents off as its own. So no two pinned cards share a key (ADR 0121)."""
    mine = _public_parts(card)
    for other in others:
        if other.nation == card.nation:  # the card it replaces
            continue
        if (
            card.tls_certificate is not None
            and other.tls_certificate is not None
            and card.tls_pin == other.tls_pin
        ):
            return f"{card.nation}'s card carries the TLS key of {other.nation}'s node"
        if mine & _public_parts(other):
            return f"{card.nation}'s card carries a public key of {other.nation}'s node"
    return None


def _public_parts(card: IdentityCard) -> set[bytes]:
    jwks = card.keys.jwks
    kem, sig = jwks.get("kem"), jwks.get("sig") or []
    return {canonical_json(part) for part in (kem, *sig) if part is not None}
