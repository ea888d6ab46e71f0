"""C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), timestamped cosignature/v1.

A witness signs `"cosignature/v1\ntime <t>\n" + checkpoint text` and publishes a note
signature line whose bytes are `key hash (4) || timestamp (8, big-endian) || Ed25519 signature`,
under a key hash computed with algorithm byte 0x04. The timestamp is a parameter: this module
never reads a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gsomia.errors import InputError
from gsomia.ledger.note import Note, NoteSignature, NoteVerifier, open_note

_TIMESTAMP_SIZE = 8


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """The bytes a cosignature/v1 signature covers."""
    if not 0 <= timestamp < 2**64:
        raise InputError(f"cosignature timestamp {timestamp} is outside 0..2**64-1")
    return b"cosignature/v1\ntime " + str(timestamp).encode("ascii") + b"\n" + text


def pack(timestamp: int, signature: bytes) -> bytes:
    """The signature part of a cosignature line (after the key hash)."""
    return timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + signature


@dataclass(frozen=True)
class Cosignature:
    """A parsed cosignature/v1: who, when (Unix seconds), and the Ed25519 signature."""

    name: str
    key_hash: bytes
    timestamp: int
    signature: bytes

    @classmethod
    def from_note_signature(cls, sig: NoteSignature) -> Cosignature:
        """InputError unless the line is shaped like a cosignature/v1 (8 + 64 bytes)."""
        if len(sig.signature) != _TIMESTAMP_SIZE + 64:
            raise InputError(
                f"signature by {sig.name} is {len(sig.signature)} bytes, not a cosignature/v1 (72)"
            )
        timestamp = int.from_bytes(sig.signature[:_TIMESTAMP_SIZE], "big")
        return cls(sig.name, sig.key_hash, timestamp, sig.signature[_TIMESTAMP_SIZE:])

    def note_signature(self) -> NoteSignature:
        return NoteSignature(self.name, self.key_hash, pack(self.timestamp, self.signature))


def accept_cosignatures(
    checkpoint_text: str, lines: Sequence[NoteSignature], witness: NoteVerifier
) -> list[NoteSignature]:
    """`lines` as `witness`'s cosignatures of the checkpoint `checkpoint_text`, each verified
    with its key: a log keeps only what its witness really signed. VerificationError at the
    first line that is not one (another text, another key, altered bytes)."""
    for line in lines:
        open_note(Note(checkpoint_text, (line,)), [witness])
    return list(lines)
