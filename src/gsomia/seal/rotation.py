"""A node's key rotation statement: its new identity card, vouched for by the card partners pinned.

Partners pinned a node's card after reading its fingerprint over a second channel (ADR 0021).
When the node makes new keys, asking every partner to read a new fingerprint aloud again would
make rotation rare; instead the old keys sign the new card, and a partner that verifies the
statement against the card it pinned pins the new one (ADR 0093):

```json
{"type": "gsomia-key-rotation/1",
 "by_old": JWS(old keys), "by_new": JWS(new keys)}
```

Both JWS carry the same payload, the canonical JSON of
`{"type", "nation", "old": <fingerprint of the card it replaces>, "card": <the new card>,
"at": <RFC 3339 UTC>}`. `by_old` is the authority (what the pinned card vouches for); `by_new`
shows the new keys are held by whoever made the statement, so no one can rotate a partner onto
keys it does not hold. `old` names the pinned card the statement replaces: a statement kept
and sent again after the partner moved on (a replay) names a card no longer pinned and is
refused, as is one made before the pinned card existed.

Pure: `now` is a parameter; the only I/O is none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gsomia.errors import Error, InputError, VerificationError
from gsomia.seal.documents import sign_document, verified_payload
from gsomia.seal.encoding import b64u_decode, canonical_json, parse_json_object
from gsomia.seal.identity import IdentityCard, borrowed_from, parse_card
from gsomia.seal.keys import NodeKeys

ROTATION_DOC = "gsomia-key-rotation/1"
_MEMBERS = frozenset({"type", "by_old", "by_new"})
_PAYLOAD_MEMBERS = frozenset({"type", "nation", "old", "card", "at"})
_LIMIT = 256 * 1024
#: A statement dated further ahead than this of the receiver's clock is refused: clocks of
#: two ministries differ by seconds, not by minutes.
CLOCK_SKEW = timedelta(minutes=5)


class RotationRefused(VerificationError):
    """A key rotation statement that does not verify against the pinned card."""

    code = "rotation_refused"


@dataclass(frozen=True)
class Rotation:
    """A verified rotation: the card it replaces, the new card, and when it was made."""

    old: IdentityCard
    new: IdentityCard
    at: datetime


def make_rotation(
    old_keys: NodeKeys,
    old_card: IdentityCard,
    new_keys: NodeKeys,
    new_card: IdentityCard,
    *,
    at: datetime,
) -> dict[str, Any]:
    """The statement that `new_card` replaces `old_card`, signed by both sets of keys."""
    if old_card.key_id != old_keys.key_id or new_card.key_id != new_keys.key_id:
        raise InputError("each card must be the card of the keys that sign for it")
    if new_card.nation != old_card.nation:
        raise InputError("a rotation keeps the node's nation")
    payload = {
        "type": ROTATION_DOC,
        "nation": old_card.nation,
        "old": old_card.fingerprint,
        "card": new_card.to_json(),
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return {
        "type": ROTATION_DOC,
        "by_old": sign_document(old_keys, payload),
        "by_new": sign_document(new_keys, payload),
    }


def statement_bytes(statement: dict[str, Any]) -> bytes:
    return canonical_json(statement)


def verify_rotation(
    data: bytes | str,
    pinned: IdentityCard,
    *,
    now: datetime,
    others: Sequence[IdentityCard] = (),
) -> Rotation:
    """The rotation `data` states, once it verified against `pinned` (the card this node
    trusts for that nation now); `RotationRefused` naming the first fault otherwise.
    `others` are the other cards the receiver holds (its own, other partners'): the new card
    may share no key with them (`borrowed_from`, ADR 0121)."""
    try:
        raw = parse_json_object(data, what="key rotation statement", limit=_LIMIT)
    except InputError as error:
        raise RotationRefused(error.message) from error
    if set(raw) != _MEMBERS or raw["type"] != ROTATION_DOC:
        raise RotationRefused(f"not a {ROTATION_DOC} statement")
    claimed = _claimed_old(raw["by_old"])
    if claimed is not None and claimed != pinned.fingerprint:
        raise RotationRefused(
            f"the statement replaces card {claimed[:16]}…, not the card pinned for "
            f"{pinned.nation} ({pinned.fingerprint[:16]}…): an old statement sent again, or "
            "one the pinned keys did not make"
        )
    try:
        signed = verified_payload(raw["by_old"], pinned)
    except Exception as error:  # any fault of a partner's JWS is a refusal
        raise RotationRefused(
            f"the key rotation statement is not signed by the keys pinned for {pinned.nation} "
            f"(card {pinned.fingerprint[:16]}…): {getattr(error, 'message', error)}",
            hint=f"ask {pinned.nation}'s operator for its new card and compare its fingerprint",
        ) from error
    payload = _payload(signed)
    if payload["nation"] != pinned.nation:
        raise RotationRefused(f"the statement speaks for {payload['nation']}, not {pinned.nation}")
    if payload["old"] != pinned.fingerprint:
        raise RotationRefused(
            f"the statement replaces card {str(payload['old'])[:16]}…, but the card pinned for "
            f"{pinned.nation} is {pinned.fingerprint[:16]}…: an old statement sent again"
        )
    at = _time(payload["at"])
    if at < pinned.created:
        raise RotationRefused("the statement is older than the card it replaces")
    if at > now + CLOCK_SKEW:
        raise RotationRefused(f"the statement is dated {payload['at']}, ahead of this clock")
    try:
        new = parse_card(json.dumps(payload["card"]))
    except InputError as error:
        raise RotationRefused(f"the new card: {error.message}") from error
    _check_new(pinned, new)
    clash = borrowed_from(new, others)
    if clash is not None:
        raise RotationRefused(
            f"the new card: {clash}",
            hint=f"ask {pinned.nation}'s operator for its new card and compare its fingerprint",
        )
    try:
        proved = verified_payload(raw["by_new"], new)
    except Exception as error:  # as above
        raise RotationRefused("the new card's keys did not sign the statement") from error
    if proved != signed:
        raise RotationRefused("the two signatures of the statement are over different payloads")
    return Rotation(pinned, new, at)


def _claimed_old(jws: Any) -> str | None:
    """The card a statement says it replaces, read before its signature is checked: only to
    name the fault of one that replaces another card than the pinned one."""
    try:
        payload = json.loads(b64u_decode(jws["payload"], what="payload"))
        old = payload["old"]
    except (Error, ValueError, TypeError, KeyError):
        return None
    return old if isinstance(old, str) else None


def _payload(signed: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(signed)
    except ValueError as error:
        raise RotationRefused("the statement's payload is not JSON") from error
    if not isinstance(payload, dict) or set(payload) != _PAYLOAD_MEMBERS:
        raise RotationRefused("the statement's payload has the wrong members")
    if payload["type"] != ROTATION_DOC:
        raise RotationRefused(f"the signed payload is not a {ROTATION_DOC} statement")
    return payload


def _time(value: object) -> datetime:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise RotationRefused("the statement's time is not RFC 3339 UTC") from error


def _check_new(pinned: IdentityCard, new: IdentityCard) -> None:
    if new.nation != pinned.nation:
        raise RotationRefused(f"the new card is {new.nation}'s, not {pinned.nation}'s")
    if new.profile != pinned.profile:
        raise RotationRefused(
            f"the new card uses the {new.profile} profile, the pinned one {pinned.profile}"
        )
    if new.key_id == pinned.key_id:
        raise RotationRefused("the new card carries the same keys as the pinned one")
    if new.tls_certificate is None or new.tls_pin == pinned.tls_pin:
        raise RotationRefused("the new card must carry a new TLS key: the link is pinned too")
