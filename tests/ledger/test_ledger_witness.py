"""The partner as witness: cosign only consistent extensions, refuse rollbacks and forks."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.ledger.note_keys import cosigner, ed25519_signer, verifier_from_key

from gsomia.errors import InputError, VerificationError
from gsomia.ledger.checkpoint import Checkpoint, sign_checkpoint
from gsomia.ledger.cosignature import accept_cosignatures
from gsomia.ledger.memory import MemoryHashes
from gsomia.ledger.merkle import hash_leaf
from gsomia.ledger.note import Note, open_note
from gsomia.ledger.note_keys import CallableSigner
from gsomia.ledger.witness import (
    AddCheckpoint,
    Cosigned,
    RefusalReason,
    Refused,
    WitnessState,
    add_checkpoint,
)

ORIGIN = "kor.gsomia.example/log"
LOG_KEY = ed25519_signer(ORIGIN, Ed25519PrivateKey.generate())
LOG_VERIFIER = verifier_from_key(LOG_KEY.verifier_key())
WITNESS = cosigner("jpn.gsomia.example/witness", Ed25519PrivateKey.generate())
NOW = 1_800_000_000


def _log(n: int, salt: bytes = b"") -> MemoryHashes:
    log = MemoryHashes()
    log.append([hash_leaf(salt + i.to_bytes(4, "big")) for i in range(n)])
    return log


def _checkpoint(log: MemoryHashes, size: int, key: CallableSigner = LOG_KEY) -> bytes:
    return sign_checkpoint(Checkpoint(ORIGIN, size, log.root(size)), key).to_bytes()


def _add(request: AddCheckpoint, state: WitnessState | None) -> Cosigned | Refused:
    return add_checkpoint(
        request, state=state, log_verifiers=[LOG_VERIFIER], cosigner=WITNESS, now=NOW
    )


def _cosigned(outcome: Cosigned | Refused) -> Cosigned:
    assert isinstance(outcome, Cosigned), outcome
    return outcome


def _refused(outcome: Cosigned | Refused, reason: RefusalReason) -> Refused:
    assert isinstance(outcome, Refused), outcome
    assert outcome.reason is reason, outcome.message
    return outcome


def test_first_then_consistent_checkpoints_are_cosigned() -> None:
    log = _log(20)
    first = _cosigned(_add(AddCheckpoint(0, (), _checkpoint(log, 5)), None))
    assert (first.state.size, first.state.root) == (5, log.root(5))
    text = first.checkpoint.body()
    witness_verifier = verifier_from_key(WITNESS.verifier_key())
    opened = open_note(Note(text, (first.cosignature,)), [witness_verifier])
    assert opened.verified == (first.cosignature,)

    proof = tuple(log.consistency_proof(5, 20))
    second = _cosigned(_add(AddCheckpoint(5, proof, _checkpoint(log, 20)), first.state))
    assert second.state.size == 20
    again = _cosigned(_add(AddCheckpoint(20, (), _checkpoint(log, 20)), second.state))
    assert again.state.root == second.state.root


def test_stale_old_size_is_a_conflict_not_an_alert() -> None:
    log = _log(10)
    state = _cosigned(_add(AddCheckpoint(0, (), _checkpoint(log, 8)), None)).state
    refused = _refused(
        _add(AddCheckpoint(5, tuple(log.consistency_proof(5, 10)), _checkpoint(log, 10)), state),
        RefusalReason.STALE,
    )
    assert (refused.status, refused.witness_size, refused.alert) == (409, 8, False)


def test_rollback_is_refused_with_evidence() -> None:
    log = _log(10)
    state = _cosigned(_add(AddCheckpoint(0, (), _checkpoint(log, 10)), None)).state
    smaller = _checkpoint(log, 6)
    refused = _refused(_add(AddCheckpoint(0, (), smaller), state), RefusalReason.ROLLBACK)
    assert refused.alert
    assert refused.evidence is not None
    assert (refused.evidence.cosigned, refused.evidence.offered) == (state.checkpoint, smaller)


def test_same_size_other_root_is_a_fork() -> None:
    honest, forked = _log(10), _log(10, b"rewritten")
    state = _cosigned(_add(AddCheckpoint(0, (), _checkpoint(honest, 10)), None)).state
    refused = _refused(
        _add(AddCheckpoint(10, (), _checkpoint(forked, 10)), state), RefusalReason.FORK
    )
    assert refused.alert
    assert refused.status == 422
    assert refused.evidence is not None


def test_rebuilt_log_fails_the_consistency_proof() -> None:
    """A node that rebuilt its log differently cannot get its partner to cosign again."""
    honest = _log(10)
    state = _cosigned(_add(AddCheckpoint(0, (), _checkpoint(honest, 10)), None)).state
    rebuilt = _log(10, b"edited")
    rebuilt.append([hash_leaf(b"more")])
    proof = tuple(rebuilt.consistency_proof(10, 11))
    refused = _refused(
        _add(AddCheckpoint(10, proof, _checkpoint(rebuilt, 11)), state), RefusalReason.FORK
    )
    assert refused.evidence is not None
    assert refused.evidence.proof == proof


def test_unknown_origin_bad_signature_and_malformed() -> None:
    log = _log(3)
    request = AddCheckpoint(0, (), _checkpoint(log, 3))
    unknown = add_checkpoint(request, state=None, log_verifiers=None, cosigner=WITNESS, now=NOW)
    assert _refused(unknown, RefusalReason.UNKNOWN_ORIGIN).status == 404
    impostor = ed25519_signer(ORIGIN, Ed25519PrivateKey.generate())
    forged = AddCheckpoint(0, (), _checkpoint(log, 3, impostor))
    assert _refused(_add(forged, None), RefusalReason.BAD_SIGNATURE).status == 403
    _refused(_add(AddCheckpoint(0, (), b"junk"), None), RefusalReason.MALFORMED)
    with_proof = AddCheckpoint(0, (log.root(1),), _checkpoint(log, 3))
    assert _refused(_add(with_proof, None), RefusalReason.MALFORMED).status == 400
    above = AddCheckpoint(4, (), _checkpoint(log, 3))
    assert _refused(_add(above, None), RefusalReason.MALFORMED).status == 400


def test_request_round_trip_and_strict_parse() -> None:
    log = _log(9)
    request = AddCheckpoint(4, tuple(log.consistency_proof(4, 9)), _checkpoint(log, 9))
    assert AddCheckpoint.parse(request.to_bytes()) == request
    assert request.origin == ORIGIN
    for bad in [b"old 4\n", b"old 04\n\n", b"new 4\n\n", b"old 4\n!!!!\n\n", b"old x\n\n"]:
        with pytest.raises(InputError):
            AddCheckpoint.parse(bad)


@pytest.mark.parametrize(
    ("reason", "kept", "alert"),
    [
        (RefusalReason.MALFORMED, False, False),
        (RefusalReason.UNKNOWN_ORIGIN, False, False),
        (RefusalReason.STALE, False, False),
        (RefusalReason.BAD_SIGNATURE, False, False),  # no one signed it: proves nothing
        (RefusalReason.ROLLBACK, True, True),
        (RefusalReason.FORK, True, True),
    ],
)
def test_what_a_witness_keeps_as_evidence_and_what_alerts(
    reason: RefusalReason, kept: bool, alert: bool
) -> None:
    refused = Refused(reason, "why", ORIGIN, 3)
    assert (refused.kept, refused.alert) == (kept, alert)


def test_the_log_accepts_only_cosignatures_of_its_own_checkpoint() -> None:
    log = _log(4)
    cosigned = _cosigned(_add(AddCheckpoint(0, (), _checkpoint(log, 4)), None))
    text, line = cosigned.checkpoint.body(), cosigned.cosignature
    witness = verifier_from_key(WITNESS.verifier_key())
    assert accept_cosignatures(text, [line], witness) == [line]
    assert accept_cosignatures(text, [], witness) == []
    other_text = Checkpoint(ORIGIN, 4, log.root(3)).body()
    stranger = cosigner(WITNESS.name, Ed25519PrivateKey.generate())
    altered = replace(line, signature=line.signature[:-1] + bytes([line.signature[-1] ^ 1]))
    for text_, line_ in [
        (other_text, line),  # a cosignature of another checkpoint
        (text, stranger.cosign(text.encode(), NOW)),  # the witness's name, another key
        (text, altered),
    ]:
        with pytest.raises(VerificationError):
            accept_cosignatures(text_, [line, line_], witness)
