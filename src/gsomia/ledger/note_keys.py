"""Note signers and verifiers: named keys in the signed-note and cosignature/v1 formats, pure.

The ledger imports no crypto library. A signer holds a key's name, its raw public key and a
`sign(message) -> signature` callable its owner gives (the private key never reaches the
ledger); a verifier holds a name, a raw public key and the `check(public_key, message,
signature)` function of its algorithm. `gsomia.seal.notes` gives both for Ed25519, the only
algorithm of checkpoints (note algorithm 0x01) and witness cosignatures (cosignature/v1,
algorithm 0x04) here. What this module adds is the format around them: key hashes, verifier
keys, the cosigned message and its timestamped signature line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from gsomia.errors import InputError
from gsomia.ledger.cosignature import Cosignature, cosigned_message, pack
from gsomia.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    NoteSignature,
    VerifierKey,
    b64decode,
    check_key_name,
    key_hash,
)

#: Signs a message with a private key held elsewhere; the signature bytes.
Sign = Callable[[bytes], bytes]
#: `check(public_key, message, signature)`: whether the signature is valid.
Check = Callable[[bytes, bytes, bytes], bool]


class SigningKey(Protocol):
    """A key held outside the ledger: its raw public key, and a way to sign with it."""

    @property
    def public_key(self) -> bytes: ...

    @property
    def sign(self) -> Sign: ...


@dataclass(frozen=True)
class CallableSigner:
    """A note signer over any `sign(message) -> signature` the caller owns."""

    name: str
    public_key: bytes
    sign_message: Sign = field(repr=False)
    alg: int = ALG_ED25519

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.alg, self.public_key)

    def sign(self, text: bytes) -> bytes:
        return self.sign_message(text)

    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, self.alg, self.public_key)


def parse_signer_key(text: str, seed_key: Callable[[bytes], SigningKey]) -> CallableSigner:
    """Parse a Go-format `PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>` (test keys).

    `seed_key` turns the Ed25519 seed into its key (`gsomia.seal.notes.seed_key`); the key
    hash the text names must be that key's.
    """
    parts = text.split("+", 4)  # base64 may hold '+'; the name may not
    if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
        raise InputError("a signer key is 'PRIVATE+KEY+<name>+<key hash>+<base64 key>'")
    name, hash_hex, blob64 = parts[2:]
    blob = b64decode(blob64, "signer key")
    if len(blob) != 33 or blob[0] != ALG_ED25519:
        raise InputError("signer key is not an Ed25519 seed")
    key = seed_key(blob[1:])
    signer = CallableSigner(name, key.public_key, key.sign)
    if signer.key_hash.hex() != hash_hex:
        raise InputError(f"signer key hash {hash_hex} does not match the key")
    return signer


@dataclass(frozen=True)
class Ed25519NoteVerifier:
    """Verifies plain Ed25519 note signatures (algorithm 0x01)."""

    name: str
    public_key: bytes
    check: Check = field(repr=False, compare=False)

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, ALG_ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        return self.check(self.public_key, text, signature)


@dataclass(frozen=True)
class CosignatureV1Signer:
    """A witness key; `cosign` gives its cosignature/v1 line at one cosigning instant."""

    name: str
    public_key: bytes
    sign_message: Sign = field(repr=False)

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def cosign(self, text: bytes, timestamp: int) -> NoteSignature:
        """The cosignature/v1 line over checkpoint `text` at `timestamp` (Unix seconds)."""
        signature = self.sign_message(cosigned_message(text, timestamp))
        return NoteSignature(self.name, self.key_hash, pack(timestamp, signature))

    def verifier_key(self) -> VerifierKey:
        return VerifierKey(self.name, ALG_COSIGNATURE_V1, self.public_key)


@dataclass(frozen=True)
class CosignatureV1Verifier:
    """Verifies cosignature/v1 lines (algorithm 0x04) over a checkpoint's text."""

    name: str
    public_key: bytes
    check: Check = field(repr=False, compare=False)

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, ALG_COSIGNATURE_V1, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            cosig = Cosignature.from_note_signature(NoteSignature(self.name, b"", signature))
        except InputError:
            return False
        message = cosigned_message(text, cosig.timestamp)
        return self.check(self.public_key, message, cosig.signature)


NoteKeyVerifier = Ed25519NoteVerifier | CosignatureV1Verifier


def verifier_from_key(key: VerifierKey | str, check: Check) -> NoteKeyVerifier:
    """The verifier a verifier key string names, by its algorithm byte; both algorithms are
    Ed25519 underneath, checked with `check` (`gsomia.seal.notes.ed25519_verify`)."""
    parsed = VerifierKey.parse(key) if isinstance(key, str) else key
    if parsed.alg == ALG_COSIGNATURE_V1:
        return CosignatureV1Verifier(parsed.name, parsed.public_key, check)
    return Ed25519NoteVerifier(parsed.name, parsed.public_key, check)
