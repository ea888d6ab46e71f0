"""The signed binding (STANAG 4778 idea, in JSON): what the sending node's signatures cover.

```json
{"typ": "gsomia-binding/1", "id": "…", "profile": "pq", "sealed_at": "…Z",
 "sender": kid, "recipients": [kid, …], "label": {…}, "label_digest": "…",
 "content": {"digest_alg": "sha-256", "digest": "…", "length": 1234, "media_type": "…"},
 "jwe_digest": "…"}
```

`label_digest` is over the canonical label bytes (the caller's canonicalisation, so a STANAG
4774 JSON codec can own it); `jwe_digest` is over the canonical JSON of the JWE's protected
header, recipient entries and IV, so no recipient entry can be swapped or altered unnoticed by
any recipient; `content.digest` is over the plaintext.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gsomia.errors import InputError, VerificationError
from gsomia.seal.encoding import b64u, canonical_json, parse_json_object
from gsomia.seal.profiles import Profile

BINDING_TYPE = "gsomia-binding/1"
LabelCanon = Callable[[Mapping[str, Any]], bytes]
_MEMBERS = {
    "typ", "id", "profile", "sealed_at", "sender", "recipients", "label", "label_digest",
    "content", "jwe_digest",
}  # fmt: skip
_CONTENT = {"digest_alg", "digest", "length", "media_type"}
_SEALED_AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z", re.ASCII)


@dataclass(frozen=True)
class Binding:
    """A parsed, structurally valid binding."""

    envelope_id: str
    profile: str
    sealed_at: datetime
    sender: str
    recipients: tuple[str, ...]
    label: dict[str, Any]
    label_digest: str
    digest_alg: str
    digest: str
    length: int
    media_type: str
    jwe_digest: str


def jwe_digest(jwe: Mapping[str, Any], prof: Profile) -> str:
    """Digest of the JWE's header parts (not the ciphertext, which GCM and `digest` cover)."""
    parts = {k: jwe[k] for k in ("protected", "recipients", "iv")}
    return b64u(prof.hasher()(canonical_json(parts)).digest())


def make_binding(
    *,
    envelope_id: str,
    prof: Profile,
    sealed_at: datetime,
    sender: str,
    recipients: Sequence[str],
    label: Mapping[str, Any],
    canonical_label: LabelCanon,
    digest: bytes,
    length: int,
    media_type: str,
    jwe_digest: str,
) -> bytes:
    """The canonical binding bytes that get signed."""
    return canonical_json(
        {
            "typ": BINDING_TYPE,
            "id": envelope_id,
            "profile": prof.name,
            "sealed_at": sealed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "sender": sender,
            "recipients": list(recipients),
            "label": dict(label),
            "label_digest": b64u(prof.hasher()(canonical_label(label)).digest()),
            "content": {
                "digest_alg": prof.digest,
                "digest": b64u(digest),
                "length": length,
                "media_type": media_type,
            },
            "jwe_digest": jwe_digest,
        }
    )


def parse_binding(payload: bytes) -> Binding:
    """Parse signed binding bytes; InputError when the structure is wrong."""
    raw = parse_json_object(payload, what="binding", limit=1 << 20)
    if set(raw) != _MEMBERS or raw["typ"] != BINDING_TYPE:
        raise InputError("binding members are wrong")
    content = raw["content"]
    if not isinstance(content, dict) or set(content) != _CONTENT:
        raise InputError("binding content members are wrong")
    strings = [raw[k] for k in ("id", "profile", "sealed_at", "sender", "label_digest")]
    strings += [raw["jwe_digest"], content["digest_alg"], content["digest"]]
    strings.append(content["media_type"])
    if not all(isinstance(s, str) for s in strings):
        raise InputError("binding members must be strings")
    length = content["length"]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise InputError("binding content length must be a non-negative integer")
    recipients = raw["recipients"]
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise InputError("binding recipients must be a list of key ids")
    if not isinstance(raw["label"], dict):
        raise InputError("binding label must be an object")
    # The one shape `make_binding` writes, then the standard library's ISO reader: strptime
    # took 6 µs an envelope (its locale look-up and its own regex; ADR 0133) and also read
    # shapes no gsomia node writes (one-digit fields, fewer fraction digits, non-ASCII digits).
    if not _SEALED_AT.fullmatch(raw["sealed_at"]):
        raise InputError("binding sealed_at is not a time")
    try:
        sealed_at = datetime.fromisoformat(raw["sealed_at"][:-1])
    except ValueError as error:
        raise InputError("binding sealed_at is not a time") from error
    return Binding(
        envelope_id=raw["id"],
        profile=raw["profile"],
        sealed_at=sealed_at.replace(tzinfo=UTC),
        sender=raw["sender"],
        recipients=tuple(recipients),
        label=raw["label"],
        label_digest=raw["label_digest"],
        digest_alg=content["digest_alg"],
        digest=content["digest"],
        length=length,
        media_type=content["media_type"],
        jwe_digest=raw["jwe_digest"],
    )


def check_binding(
    binding: Binding,
    *,
    prof: Profile,
    jwe: Mapping[str, Any],
    sender: str,
    canonical_label: LabelCanon,
) -> None:
    """Everything in the binding that can be checked before decryption; raises on mismatch."""
    if binding.profile != prof.name or binding.digest_alg != prof.digest:
        raise VerificationError("binding profile does not match the envelope")
    if binding.sender != sender:
        raise VerificationError("binding sender does not match the signer")
    kids = tuple(r.get("header", {}).get("kid") for r in jwe["recipients"])
    if kids != binding.recipients or len(set(kids)) != len(kids):
        raise VerificationError("binding recipients do not match the JWE recipients")
    if jwe_digest(jwe, prof) != binding.jwe_digest:
        raise VerificationError("JWE header does not match the binding")
    label_digest = b64u(prof.hasher()(canonical_label(binding.label)).digest())
    if label_digest != binding.label_digest:
        raise VerificationError("label does not match its digest in the binding")
