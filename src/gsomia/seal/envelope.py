"""Seal and open envelopes held in memory (items up to a few MiB; larger ones: `seal.stream`).

An envelope is one JSON object::

    {"gsomia": "envelope/1",
     "jwe": <JWE General JSON: content under a fresh CEK, one recipient entry per node>,
     "jws": <JWS General JSON: the binding, signed with every algorithm of the profile>}

Opening checks, in order, and returns nothing until all passed: structure; the opening
sequence shared with streams (`gsomia.seal.opening`: trusted, unrevoked signer of an allowed
profile, every signature, the binding against the JWE, this node a recipient, its keys of the
signer's profile); decryption of the CEK and the content; the content's digest, length and
media type. Any failure is one `EnvelopeError` whose message is the same for every cause;
`reason` says which step failed, for the local log only (never send it back to the sender: it
would be an oracle).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gsomia.errors import Error
from gsomia.seal import jose
from gsomia.seal.binding import LabelCanon
from gsomia.seal.encoding import (
    b64u,
    b64u_decode,
    canonical_json,
    compact_json,
    parse_json_object,
)
from gsomia.seal.identity import IdentityCard
from gsomia.seal.keys import NodeKeys
from gsomia.seal.opening import (
    MALFORMED,
    Opener,
    check_content,
    check_recipients,
    open_signed,
    reject,
    sign_binding,
)
from gsomia.seal.profiles import ALL_PROFILES, POST_QUANTUM_PROFILES

ENVELOPE_TYPE = "envelope/1"
DEFAULT_MEDIA_TYPE = "application/octet-stream"
MAX_ENVELOPE = 64 << 20  # in-memory envelopes; bigger content goes through seal.stream


@dataclass(frozen=True)
class Opened:
    """What a verified envelope held."""

    content: bytes
    label: dict[str, Any]
    media_type: str
    envelope_id: str
    profile: str
    sealed_at: datetime
    sender: IdentityCard
    recipients: tuple[str, ...]


def seal_envelope(
    content: bytes,
    *,
    label: Mapping[str, Any],
    keys: NodeKeys,
    recipients: Sequence[IdentityCard],
    now: datetime,
    media_type: str = DEFAULT_MEDIA_TYPE,
    allowed_profiles: Collection[str] = ALL_PROFILES,
    canonical_label: LabelCanon = canonical_json,
    envelope_id: str | None = None,
    _cek: bytes | None = None,
    _iv: bytes | None = None,
) -> bytes:
    """Seal `content` under `label` for `recipients`, signed by `keys`; the envelope's JSON bytes.

    `_cek` and `_iv` are a private hook for deterministic test vectors; never pass them.
    """
    prof = check_recipients(keys, recipients, allowed_profiles)
    envelope_id = envelope_id or b64u(os.urandom(16))
    protected = {"enc": prof.enc, "cty": media_type}
    jwe = jose.encrypt_jwe(content, [c.keys for c in recipients], prof, protected, cek=_cek, iv=_iv)
    jws = sign_binding(
        keys,
        prof,
        recipients,
        jwe,
        envelope_id=envelope_id,
        sealed_at=now,
        label=label,
        canonical_label=canonical_label,
        digest=prof.hasher()(content).digest(),
        length=len(content),
        media_type=media_type,
    )
    envelope = {"gsomia": ENVELOPE_TYPE, "jwe": jwe, "jws": jws}
    return compact_json(envelope)


def parse_envelope(data: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `jwe` and `jws` members of an envelope, structurally checked."""
    try:
        raw = parse_json_object(data, what="envelope", limit=MAX_ENVELOPE)
    except Error as error:
        reject(error.message, error)
    if set(raw) != {"gsomia", "jwe", "jws"} or raw["gsomia"] != ENVELOPE_TYPE:
        reject("envelope members are wrong")
    jwe, jws = raw["jwe"], raw["jws"]
    jwe_members = {"protected", "recipients", "iv", "ciphertext", "tag"}
    if not isinstance(jwe, dict) or set(jwe) != jwe_members or not isinstance(jws, dict):
        reject("JWE members are wrong")
    recipients = jwe["recipients"]
    if not isinstance(recipients, list) or not recipients:
        reject("JWE recipients are wrong")
    for entry in recipients:
        if not isinstance(entry, dict) or set(entry) != {"header", "encrypted_key"}:
            reject("JWE recipient entry members are wrong")
        if not isinstance(entry["header"], dict):
            reject("JWE recipient header is not an object")
    if not all(isinstance(jwe[k], str) for k in jwe_members - {"recipients"}):
        reject("JWE members must be strings")
    return jwe, jws


def open_envelope(
    data: bytes,
    *,
    keys: NodeKeys,
    senders: Iterable[IdentityCard],
    revoked: Collection[str] = frozenset(),
    allowed_profiles: Collection[str] = POST_QUANTUM_PROFILES,
    canonical_label: Callable[[Mapping[str, Any]], bytes] = canonical_json,
) -> Opened:
    """Verify and open an envelope addressed to `keys`, sent by one of `senders`.

    `revoked` holds key ids no longer trusted. `allowed_profiles` defaults to the post-quantum
    ones: pass `ALL_PROFILES` only where an agreement accepts `classic`.
    """
    jwe, jws = parse_envelope(data)
    opener = Opener(keys, senders, revoked, allowed_profiles, canonical_label)
    binding, card, prof = open_signed(jws, jwe, opener)
    try:
        protected = json.loads(b64u_decode(jwe["protected"], what="protected"))
    except (Error, *MALFORMED) as error:
        reject("JWE protected header is malformed", error)
    if protected != {"enc": prof.enc, "cty": binding.media_type}:
        reject("JWE protected header does not match the binding")
    try:
        content = jose.decrypt_jwe(jwe, keys, prof)
    except Error as error:
        reject(error.message, error)
    except MALFORMED as error:
        reject(f"envelope is malformed ({type(error).__name__})", error)
    check_content(binding, prof.hasher()(content).digest(), len(content))
    return Opened(
        content=content,
        label=binding.label,
        media_type=binding.media_type,
        envelope_id=binding.envelope_id,
        profile=prof.name,
        sealed_at=binding.sealed_at,
        sender=card,
        recipients=binding.recipients,
    )
