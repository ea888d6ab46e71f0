"""The opening sequence an envelope and a stream share, the signature both carry, and the one
error either raises.

Whatever carries the content (an in-memory envelope, a framed stream), what makes it
believable is the same: a JWS over the signed binding, and a JWE whose header parts the binding
covers. `open_signed` checks them in one order for both: the signer is a trusted sender, not
revoked, of a profile allowed here; every signature of that profile verifies; the binding
matches the JWE (profile, sender, recipients, header digest, label digest); this node is one of
the recipients; and its keys are of the signer's profile. The callers then only decrypt, and
compare the content with the signed digest (`check_content`). Sealing, likewise, ends for both
in `sign_binding`.

Every failure is the one `EnvelopeError` (its message is the same for every cause; `reason`
says which step failed, for the local log only: sent back, it would be an oracle).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from gsomia.errors import Error, UsageError, VerificationError
from gsomia.seal import jose
from gsomia.seal.binding import (
    Binding,
    LabelCanon,
    check_binding,
    jwe_digest,
    make_binding,
    parse_binding,
)
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.identity import IdentityCard
from gsomia.seal.keys import NodeKeys
from gsomia.seal.profiles import Profile, profile

GENERIC_MESSAGE = "envelope could not be opened"
#: Python errors that malformed partner input can raise deep in parsing; all mean "reject".
MALFORMED = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


class EnvelopeError(VerificationError):
    """An envelope did not open. `message` is the same for every cause; `reason` is for the log."""

    code = "envelope_rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(GENERIC_MESSAGE)
        self.reason = reason


def reject(reason: str, error: BaseException | None = None) -> NoReturn:
    """Raise the one EnvelopeError, with `reason` for the log."""
    raise EnvelopeError(reason) from error


def check_recipients(
    keys: NodeKeys, recipients: Sequence[IdentityCard], allowed_profiles: Collection[str]
) -> Profile:
    """The profile to seal with; UsageError for no recipients, duplicates, or a profile clash."""
    prof = profile(keys.profile)
    if prof.name not in allowed_profiles:
        raise UsageError(f"profile {prof.name} is not allowed here")
    if not recipients:
        raise UsageError("an envelope needs at least one recipient")
    kids = [card.key_id for card in recipients]
    if len(set(kids)) != len(kids):
        raise UsageError("the same recipient is named twice")
    for card in recipients:
        if card.profile != prof.name:
            raise UsageError(
                f"recipient {card.nation} {card.name!r} uses profile {card.profile}, "
                f"this node {prof.name}",
                hint="both nodes of an exchange need keys of the same profile",
            )
    return prof


def sign_binding(
    keys: NodeKeys,
    prof: Profile,
    recipients: Sequence[IdentityCard],
    jwe: Mapping[str, Any],
    *,
    envelope_id: str,
    sealed_at: datetime,
    label: Mapping[str, Any],
    canonical_label: LabelCanon,
    digest: bytes,
    length: int,
    media_type: str,
) -> dict[str, Any]:
    """The JWS by `keys` over the binding of `jwe`, sealed for `recipients`, to content of
    `length` bytes whose digest in the profile's hash is `digest`."""
    payload = make_binding(
        envelope_id=envelope_id,
        prof=prof,
        sealed_at=sealed_at,
        sender=keys.key_id,
        recipients=[c.key_id for c in recipients],
        label=label,
        canonical_label=canonical_label,
        digest=digest,
        length=length,
        media_type=media_type,
        jwe_digest=jwe_digest(jwe, prof),
    )
    return jose.sign_jws(payload, keys, prof)


@dataclass(frozen=True)
class Opener:
    """Who opens, and whom it believes: what `open_envelope`, `open_stream` and `open_file`
    are each given and hand on whole to `open_signed`, so the three cannot drift apart."""

    keys: NodeKeys
    senders: Iterable[IdentityCard]
    revoked: Collection[str]
    allowed_profiles: Collection[str]
    canonical_label: LabelCanon


def open_signed(
    jws: Any, jwe: Mapping[str, Any], opener: Opener
) -> tuple[Binding, IdentityCard, Profile]:
    """The binding `jws` signs, its signer's card and profile, once the whole opening sequence
    (above) passed for `opener.keys`; `EnvelopeError` at the first step that fails."""
    binding, card, prof = _trusted_signer(jws, jwe, opener)
    if opener.keys.key_id not in binding.recipients:
        reject("this node is not a recipient")
    if opener.keys.profile != prof.name:
        reject("this node's keys are of another profile")
    return binding, card, prof


def check_content(binding: Binding, digest: bytes, length: int) -> None:
    """The last step of opening, for both: the content decrypted is what the binding signed
    (its length, and its digest in the profile's hash, compared in constant time)."""
    if length != binding.length or not hmac.compare_digest(b64u(digest), binding.digest):
        reject("content does not match the signed digest")


def _trusted_signer(
    jws: Any, jwe: Mapping[str, Any], opener: Opener
) -> tuple[Binding, IdentityCard, Profile]:
    """Verify the JWS against the trusted sender it names and the binding against the JWE."""
    try:
        signatures = jws["signatures"]
        header = json.loads(b64u_decode(signatures[0]["protected"], what="header"))
        kid = header["kid"]
    except (Error, *MALFORMED) as error:
        reject("JWS is malformed", error)
    if not isinstance(kid, str):  # a list or object would not even be looked up
        reject("JWS names no key id")
    by_kid = {card.key_id: card for card in opener.senders}
    if kid not in by_kid:
        reject(f"signer {kid!r} is not a trusted sender")
    if kid in opener.revoked:
        reject(f"signer {kid!r} is revoked")
    card = by_kid[kid]
    prof = profile(card.profile)
    if prof.name not in opener.allowed_profiles:
        reject(f"profile {prof.name} is not allowed here")
    try:
        payload = jose.verify_jws(jws, card.keys, prof)
        binding = parse_binding(payload)
        check_binding(
            binding, prof=prof, jwe=jwe, sender=kid, canonical_label=opener.canonical_label
        )
    except Error as error:
        reject(error.message, error)
    except MALFORMED as error:  # a shape the checks above did not foresee: still a rejection
        reject(f"envelope is malformed ({type(error).__name__})", error)
    return binding, card, prof
