"""A partner's log witnessed: C2SP tlog-witness (https://c2sp.org/tlog-witness), pure.

The witness keeps, per log origin, the last checkpoint it cosigned. It cosigns a new one only
when the log's key signed it and a consistency proof links it to that last one; the caller then
persists the returned state in the same transaction that records the cosignature. Anything
else is refused; a rollback or a fork carries the evidence (both signed checkpoints and the
proof) so officers can be alerted and the partner confronted with its own signatures.

The HTTP binding (`POST /add-checkpoint`, status codes) belongs to the node; `Refused.status`
gives the code tlog-witness prescribes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from gsomia.errors import Error, InputError, VerificationError
from gsomia.ledger.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint, parse_checkpoint
from gsomia.ledger.merkle import EMPTY_ROOT, verify_consistency
from gsomia.ledger.note import NoteSignature, NoteVerifier, b64decode, b64encode

MAX_PROOF_HASHES = 63


class Cosigner(Protocol):
    """The witness key (e.g. `note_keys.CosignatureV1Signer`)."""

    @property
    def name(self) -> str: ...

    def cosign(self, text: bytes, timestamp: int) -> NoteSignature: ...


@dataclass(frozen=True)
class AddCheckpoint:
    """A tlog-witness add-checkpoint request: `old <size>`, proof lines, blank, checkpoint."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes

    def to_bytes(self) -> bytes:
        head = [f"old {self.old_size}", *(b64encode(p) for p in self.proof)]
        return ("\n".join(head) + "\n\n").encode("ascii") + self.checkpoint

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpoint:
        """Strict parse (InputError naming the problem)."""
        head, sep, checkpoint = body.partition(b"\n\n")
        if not sep:
            raise InputError("add-checkpoint request has no blank line before the checkpoint")
        try:
            lines = head.decode("ascii").split("\n")
        except UnicodeDecodeError:
            raise InputError("add-checkpoint request header is not ASCII") from None
        old = lines[0].removeprefix("old ")
        if old == lines[0] or not old.isdigit() or (old != "0" and old.startswith("0")):
            raise InputError("add-checkpoint request does not start with 'old <size>'")
        if len(lines) - 1 > MAX_PROOF_HASHES:
            raise InputError(f"add-checkpoint proof has more than {MAX_PROOF_HASHES} hashes")
        proof = tuple(b64decode(line, f"proof line {i + 1}") for i, line in enumerate(lines[1:]))
        return cls(int(old), proof, checkpoint)

    @property
    def origin(self) -> str:
        """The log origin the checkpoint names (to look up the witness state first)."""
        return parse_checkpoint(self.checkpoint).checkpoint.origin


@dataclass(frozen=True)
class WitnessState:
    """The last checkpoint cosigned for a log: what must be persisted atomically."""

    origin: str
    size: int
    root: bytes
    checkpoint: bytes  # the signed note, kept as evidence
    cosigned_at: int


class RefusalReason(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_ORIGIN = "unknown_origin"
    BAD_SIGNATURE = "bad_signature"
    STALE = "stale"  # the log's idea of our last size is out of date: it should retry
    ROLLBACK = "rollback"
    FORK = "fork"


_STATUS = {
    RefusalReason.MALFORMED: 400,
    RefusalReason.UNKNOWN_ORIGIN: 404,
    RefusalReason.BAD_SIGNATURE: 403,
    RefusalReason.STALE: 409,
    RefusalReason.ROLLBACK: 409,
    RefusalReason.FORK: 422,
}


@dataclass(frozen=True)
class Evidence:
    """What proves the log misbehaved: the checkpoint we cosigned, the one offered, the proof."""

    cosigned: bytes
    offered: bytes
    old_size: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Refused:
    """The witness will not cosign; `alert` says officers must hear of it."""

    reason: RefusalReason
    message: str
    origin: str | None
    witness_size: int  # the size we last cosigned (the 409 body)
    evidence: Evidence | None = None

    @property
    def alert(self) -> bool:
        return self.reason in (RefusalReason.ROLLBACK, RefusalReason.FORK)

    @property
    def kept(self) -> bool:
        """Whether the refusal is evidence to keep and log: the log misbehaved (a rollback, a
        fork), under its own valid signature. A malformed, stale or unknown request, and one
        whose signature does not verify, is answered, counted and forgotten: what no partner
        signed proves nothing about anyone, and storing it would let anyone write into this
        node's log in a partner's name (issue 13)."""
        return self.alert

    @property
    def status(self) -> int:
        return _STATUS[self.reason]


@dataclass(frozen=True)
class Cosigned:
    """Cosign: persist `state`, then answer with `cosignature` (a note signature line)."""

    state: WitnessState
    checkpoint: Checkpoint
    cosignature: NoteSignature


def _evidence(state: WitnessState, request: AddCheckpoint) -> Evidence:
    return Evidence(state.checkpoint, request.checkpoint, request.old_size, request.proof)


def add_checkpoint(
    request: AddCheckpoint,
    *,
    state: WitnessState | None,
    log_verifiers: Sequence[NoteVerifier] | None,
    cosigner: Cosigner,
    now: int,
) -> Cosigned | Refused:
    """Decide on one add-checkpoint request (tlog-witness §add-checkpoint), given our state.

    `state` is the last cosigned checkpoint for the request's origin (None: never cosigned);
    `log_verifiers` the keys we know for that origin (None: not a log we witness).
    """
    try:
        parsed = parse_checkpoint(request.checkpoint)
    except InputError as exc:
        return Refused(RefusalReason.MALFORMED, exc.message, None, 0)
    cp = parsed.checkpoint
    if log_verifiers is None:
        return Refused(RefusalReason.UNKNOWN_ORIGIN, f"not a witness for {cp.origin}", cp.origin, 0)
    if state is not None and state.origin != cp.origin:
        raise InputError(f"witness state for {state.origin} given for {cp.origin}")  # caller bug
    signed = _verify_signature(request.checkpoint, cp.origin, log_verifiers)
    if isinstance(signed, Error):
        size = 0 if state is None else state.size
        return Refused(RefusalReason.BAD_SIGNATURE, signed.message, cp.origin, size)
    refused = _check_growth(request, cp, state)
    if refused is not None:
        return refused
    new_state = WitnessState(cp.origin, cp.size, cp.root, request.checkpoint, now)
    cosignature = cosigner.cosign(signed.note.text.encode("utf-8"), now)
    return Cosigned(new_state, cp, cosignature)


def _check_growth(
    request: AddCheckpoint, cp: Checkpoint, state: WitnessState | None
) -> Refused | None:
    """The size and consistency rules, once the checkpoint is known to be the log's."""
    size = 0 if state is None else state.size
    if request.old_size > cp.size:
        message = f"old size {request.old_size} is above the checkpoint size {cp.size}"
        return Refused(RefusalReason.MALFORMED, message, cp.origin, size)
    if state is not None and cp.size < state.size:
        message = f"{cp.origin} signed size {cp.size}, below size {state.size} we cosigned"
        return Refused(RefusalReason.ROLLBACK, message, cp.origin, size, _evidence(state, request))
    if request.old_size != size:
        message = f"we last cosigned size {size}, not {request.old_size}"
        return Refused(RefusalReason.STALE, message, cp.origin, size)
    try:
        old_root = EMPTY_ROOT if state is None else state.root
        verify_consistency(size, cp.size, old_root, cp.root, request.proof)
    except VerificationError as exc:
        if state is None:
            return Refused(RefusalReason.MALFORMED, str(exc), cp.origin, 0)
        message = f"{cp.origin} at size {cp.size} does not extend size {state.size}: {exc}"
        return Refused(RefusalReason.FORK, message, cp.origin, size, _evidence(state, request))
    return None


def _verify_signature(
    data: bytes, origin: str, verifiers: Sequence[NoteVerifier]
) -> SignedCheckpoint | Error:
    for verifier in verifiers:
        try:
            signed, _ = open_checkpoint(data, verifier, origin=origin)
        except (InputError, VerificationError) as exc:
            last: Error = exc
            continue
        return signed
    return last if verifiers else VerificationError(f"no key known for {origin}")
