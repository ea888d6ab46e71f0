"""C2SP signed-note (https://c2sp.org/signed-note): the envelope of checkpoints and cosignatures.

```
<text, one or more lines, each ending in LF>
<blank line>
— <key name> <base64(4-byte key hash || signature)>
...
```

Parsing is strict and fails with an `InputError` naming the problem; verification is separate
(`open_note`) and fails with a `VerificationError`. Signing and verifying go through the small
`NoteSigner` / `NoteVerifier` protocols, so this module holds no key and no crypto library:
`gsomia.ledger.note_keys` implements them over the Ed25519 of `gsomia.seal.notes`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from gsomia.errors import InputError, VerificationError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100  # as golang.org/x/mod/sumdb/note: bounds the work an attacker can cause
_DASH = "\u2014"  # EM DASH


def key_hash(name: str, alg: int, public_key: bytes) -> bytes:
    """signed-note key ID: the first 4 bytes of SHA-256(name || LF || alg || public key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()[:4]


def check_key_name(name: str) -> None:
    """A key name is non-empty UTF-8 with no whitespace and no '+' (signed-note §Signatures)."""
    if not name or "+" in name or any(c.isspace() for c in name):
        raise InputError(f"key name {name!r} is not valid: it must be non-empty, no spaces, no '+'")


def b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 with padding; InputError naming `what` otherwise."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise InputError(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode("ascii") != text:  # refuse non-canonical padding bits
        raise InputError(f"{what} is not canonical base64")
    return raw


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class NoteSigner(Protocol):
    """Signs note text under a named key; `sign` returns the signature without the key hash."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> bytes: ...

    def sign(self, text: bytes) -> bytes: ...


class NoteVerifier(Protocol):
    """Checks one named key's signatures over note text."""

    @property
    def name(self) -> str: ...

    @property
    def key_hash(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key hash, and the algorithm's signature bytes."""

    name: str
    key_hash: bytes
    signature: bytes

    def line(self) -> str:
        return f"{_DASH} {self.name} {b64encode(self.key_hash + self.signature)}\n"


@dataclass(frozen=True)
class Note:
    """A note's text and its signature lines, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")


def check_text(text: str) -> None:
    """Note text: non-empty, ends in LF, no ASCII control character but LF."""
    if not text.endswith("\n"):
        raise InputError("note text must end with a newline")
    bad = next((c for c in text if (c < " " and c != "\n") or c == "\x7f"), None)
    if bad is not None:
        raise InputError(f"note text holds the control character {bad!r}")


def _parse_signature_line(line: str, number: int) -> NoteSignature:
    prefix = _DASH + " "
    if not line.startswith(prefix):
        raise InputError(f"note signature line {number} does not start with '— '")
    parts = line[len(prefix) :].split(" ")
    if len(parts) != 2:
        raise InputError(f"note signature line {number} is not '— <name> <base64>'")
    name, blob64 = parts
    check_key_name(name)
    blob = b64decode(blob64, f"note signature line {number}")
    if len(blob) < 5:
        raise InputError(f"note signature line {number} is too short to hold a key hash")
    return NoteSignature(name, blob[:4], blob[4:])


def parse_note(data: bytes) -> Note:
    """Split a signed note into text and signature lines; InputError naming what is wrong."""
    try:
        message = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("note is not valid UTF-8") from None
    split = message.rfind("\n\n")
    if split < 0:
        raise InputError("note has no blank line before its signatures")
    text, block = message[: split + 1], message[split + 2 :]
    check_text(text)
    if not block.endswith("\n"):
        raise InputError("note signatures must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise InputError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    return Note(text, tuple(_parse_signature_line(line, i + 1) for i, line in enumerate(lines)))


def sign_note(text: str, signers: Sequence[NoteSigner]) -> Note:
    """Sign `text` with each signer, in order."""
    check_text(text)
    if not signers:
        raise InputError("a note needs at least one signer")
    raw = text.encode("utf-8")
    signatures = []
    for signer in signers:
        check_key_name(signer.name)
        signatures.append(NoteSignature(signer.name, signer.key_hash, signer.sign(raw)))
    return Note(text, tuple(signatures))


@dataclass(frozen=True)
class OpenedNote:
    """A note with the signatures that verified and those from keys not asked about."""

    note: Note
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def open_note(note: Note, verifiers: Sequence[NoteVerifier]) -> OpenedNote:
    """Check every signature from a known key; VerificationError unless one verifies and none fails.

    A line from a known key (same name and key hash) that does not verify is an error, not an
    unknown signature: it means the note or the signature was altered.
    """
    known = {(v.name, v.key_hash): v for v in verifiers}
    raw = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    for sig in dict.fromkeys(note.signatures):
        verifier = known.get((sig.name, sig.key_hash))
        if verifier is None:
            unverified.append(sig)
        elif verifier.verify(raw, sig.signature):
            verified.append(sig)
        else:
            raise VerificationError(f"invalid signature for key {sig.name}+{sig.key_hash.hex()}")
    if not verified:
        names = ", ".join(sorted({v.name for v in verifiers})) or "none given"
        raise VerificationError(f"note has no valid signature from a known key ({names})")
    return OpenedNote(note, tuple(verified), tuple(unverified))


@dataclass(frozen=True)
class VerifierKey:
    """A verifier key string `<name>+<hex key hash>+<base64(alg || public key)>`."""

    name: str
    alg: int
    public_key: bytes

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.alg, self.public_key)

    def __str__(self) -> str:
        blob = b64encode(bytes([self.alg]) + self.public_key)
        return f"{self.name}+{self.key_hash.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """Strict parse; InputError if malformed, of unknown algorithm, or its hash mismatches."""
        parts = text.split("+", 2)  # base64 may hold '+'; the name may not
        if len(parts) != 3:
            raise InputError("a verifier key is '<name>+<key hash>+<base64 key>'")
        name, hash_hex, blob64 = parts
        check_key_name(name)
        if len(hash_hex) != 8 or any(c not in "0123456789abcdef" for c in hash_hex):
            raise InputError(f"verifier key hash {hash_hex!r} is not 8 lowercase hex digits")
        blob = b64decode(blob64, "verifier key")
        if len(blob) != 33 or blob[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise InputError(
                "verifier key is not an Ed25519 (0x01) or cosignature/v1 (0x04) key",
                hint="gsomia verifies Ed25519 notes and Ed25519 cosignatures only",
            )
        key = cls(name, blob[0], blob[1:])
        if key.key_hash.hex() != hash_hex:
            raise InputError(f"verifier key hash {hash_hex} does not match the key")
        return key
