"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the signed head of a log.

```
<origin>
<tree size, decimal, no leading zeros>
<base64 root hash>
[extension lines]
```

signed as a note by the log's key and cosigned by witnesses (`gsomia.ledger.cosignature`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gsomia.errors import InputError, VerificationError
from gsomia.ledger.merkle import HASH_SIZE
from gsomia.ledger.note import (
    Note,
    NoteSigner,
    NoteVerifier,
    OpenedNote,
    b64decode,
    b64encode,
    open_note,
    parse_note,
    sign_note,
)


@dataclass(frozen=True)
class Checkpoint:
    """Origin, tree size and root hash of a log, with optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise InputError("a checkpoint origin is one non-empty line")
        if self.size < 0:
            raise InputError(f"a checkpoint size cannot be negative ({self.size})")
        if len(self.root) != HASH_SIZE:
            raise InputError(f"a checkpoint root hash is 32 bytes, not {len(self.root)}")
        if any(not line or "\n" in line for line in self.extensions):
            raise InputError("checkpoint extension lines must be non-empty single lines")

    def body(self) -> str:
        """The note text that is signed."""
        lines = [self.origin, str(self.size), b64encode(self.root), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse_body(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text strictly (InputError naming the bad line)."""
        if not text.endswith("\n"):
            raise InputError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InputError("a checkpoint has an origin, a size and a root hash line")
        origin, size_text, root64, *extensions = lines
        if (
            not size_text.isascii()
            or not size_text.isdigit()
            or (size_text != "0" and size_text.startswith("0"))
        ):
            raise InputError(
                f"checkpoint size {size_text!r} is not a decimal without leading zeros"
            )
        if len(size_text) > 20 or int(size_text) >= 2**64:
            raise InputError("checkpoint size does not fit 64 bits")
        return cls(
            origin, int(size_text), b64decode(root64, "checkpoint root hash"), tuple(extensions)
        )


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with its note (the log's signature, maybe cosignatures)."""

    checkpoint: Checkpoint
    note: Note

    def to_bytes(self) -> bytes:
        return self.note.to_bytes()


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> SignedCheckpoint:
    """Sign `checkpoint` with the log's key."""
    return SignedCheckpoint(checkpoint, sign_note(checkpoint.body(), [signer]))


def parse_checkpoint(data: bytes) -> SignedCheckpoint:
    """Parse a signed checkpoint without verifying it (InputError naming the problem)."""
    note = parse_note(data)
    return SignedCheckpoint(Checkpoint.parse_body(note.text), note)


def open_checkpoint(
    data: bytes,
    log_verifier: NoteVerifier | Sequence[NoteVerifier],
    *,
    origin: str | None = None,
) -> tuple[SignedCheckpoint, OpenedNote]:
    """Parse and verify a checkpoint against the log's key (and expected origin).

    Several keys: the log's key history, each named by its own origin (a node that rotated
    its keys, ADR 0093); the checkpoint must verify under the one its origin names.
    InputError if it is malformed, VerificationError if it is not signed by `log_verifier`
    or names another origin. Other signatures (cosignatures) are kept, unverified.
    """
    signed = parse_checkpoint(data)
    verifiers = list(log_verifier) if isinstance(log_verifier, Sequence) else [log_verifier]
    names = [v.name for v in verifiers]
    expected = names if origin is None else [origin]
    if signed.checkpoint.origin not in expected:
        shown = expected[0] if len(expected) == 1 else " or ".join(expected)
        raise VerificationError(
            f"checkpoint is for origin {signed.checkpoint.origin!r}, expected {shown!r}"
        )
    named = [v for v in verifiers if v.name == signed.checkpoint.origin] or verifiers
    return signed, open_note(signed.note, named)


def add_signatures(signed: SignedCheckpoint, extra: Sequence[Note]) -> SignedCheckpoint:
    """Merge the signature lines of other notes over the same checkpoint text."""
    sigs = list(signed.note.signatures)
    for note in extra:
        if note.text != signed.note.text:
            raise InputError("a cosignature was made over another checkpoint")
        sigs.extend(s for s in note.signatures if s not in sigs)
    return SignedCheckpoint(signed.checkpoint, Note(signed.note.text, tuple(sigs)))
