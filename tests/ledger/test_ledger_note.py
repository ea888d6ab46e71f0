"""Signed notes, checkpoints and cosignatures, against the Go implementations' vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.ledger.note_keys import (
    cosigner,
    ed25519_signer,
    parse_signer_key,
    verifier_from_key,
)

from gsomia.errors import InputError, VerificationError
from gsomia.ledger.checkpoint import (
    Checkpoint,
    add_signatures,
    open_checkpoint,
    sign_checkpoint,
)
from gsomia.ledger.cosignature import Cosignature
from gsomia.ledger.merkle import hash_leaf
from gsomia.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Note,
    NoteSignature,
    VerifierKey,
    b64decode,
    open_note,
    parse_note,
    sign_note,
)

VECTORS = Path(__file__).parents[1] / "vectors" / "ledger"
NOTE: dict[str, Any] = json.loads((VECTORS / "signed_note.json").read_text())
COSIG: dict[str, Any] = json.loads((VECTORS / "cosignature.json").read_text())
TEXT: str = NOTE["text"]
PETER_SIG: str = NOTE["signatures"]["PeterNeumann"]
ENOCH_SIG: str = NOTE["signatures"]["EnochRoot"]
PETER = verifier_from_key(NOTE["verifier_keys"]["PeterNeumann"])
ENOCH = verifier_from_key(NOTE["verifier_keys"]["EnochRoot"])


def test_go_signer_key_signs_the_published_note() -> None:
    signer = parse_signer_key(NOTE["signer_key"])
    assert signer.key_hash.hex() == "c74f20a3"
    assert str(signer.verifier_key()) == NOTE["verifier_keys"]["PeterNeumann"]
    note = sign_note(TEXT, [signer])
    assert note.to_bytes().decode() == TEXT + "\n" + PETER_SIG


def test_go_verifier_keys_round_trip() -> None:
    for key in NOTE["verifier_keys"].values():
        assert str(VerifierKey.parse(key)) == key


def test_mangled_verifier_keys_are_refused() -> None:
    """As TestNewVerifier: every strict substring and every one-byte change fails."""
    key = NOTE["verifier_keys"]["PeterNeumann"]
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(InputError):
                    VerifierKey.parse(key[i:j])
    for i in range(len(key)):
        mangled = key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :]
        with pytest.raises(InputError):
            VerifierKey.parse(mangled)
    for bad in NOTE["bad_verifier_keys"] + COSIG["bad_verifier_keys"]:
        with pytest.raises(InputError):
            VerifierKey.parse(bad)


def test_open_verifies_known_keys_and_keeps_others() -> None:
    note = parse_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode())
    opened = open_note(note, [PETER])
    assert note.text == TEXT
    assert [s.name for s in opened.verified] == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["EnochRoot"]
    both = open_note(note, [PETER, ENOCH])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    with pytest.raises(VerificationError, match="no valid signature"):
        open_note(note, [])


def test_altered_signature_from_known_key_fails() -> None:
    bad = TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(VerificationError, match="invalid signature for key PeterNeumann"):
        open_note(parse_note(bad.encode()), [PETER])
    altered_text = TEXT.replace("answer", "Answer") + "\n" + PETER_SIG
    with pytest.raises(VerificationError):
        open_note(parse_note(altered_text.encode()), [PETER])


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (TEXT, "no blank line"),
        (TEXT + "\n", "end with a newline"),
        (TEXT + "\n" + PETER_SIG[:-1], "end with a newline"),
        ("\x01" + TEXT + "\n" + PETER_SIG, "control character"),
        (TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"), "<name> <base64>"),
        (TEXT + "\n" + PETER_SIG + "Unexpected line.\n", "does not start with"),
        (TEXT + "\n" + PETER_SIG * 101, "more than 100"),
        (TEXT + "\n— PeterNeumann AAAA\n", "too short"),
        (TEXT + "\n— PeterNeumann @@@@\n", "not valid base64"),
    ],
)
def test_malformed_notes_name_the_problem(message: str, problem: str) -> None:
    """The Go test's bad messages, each refused with a reason."""
    with pytest.raises(InputError, match=problem):
        parse_note(message.encode())


def test_invalid_utf8_note() -> None:
    with pytest.raises(InputError, match="UTF-8"):
        parse_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode())


def test_go_tree_note_parses_as_checkpoint() -> None:
    tree = NOTE["tree_note"]
    checkpoint = Checkpoint.parse_body(tree["body"])
    assert checkpoint.origin == "go.sum database tree"
    assert checkpoint.size == tree["size"]
    assert checkpoint.root == hash_leaf(tree["record"].encode())
    assert checkpoint.body() == tree["body"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("log\n42\n", "origin, a size and a root"),
        ("log\n042\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "leading zeros"),
        ("log\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "decimal"),
        ("log\n1\nAAAA\n", "32 bytes"),
        ("\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "origin"),
        ("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "newline"),
        ("log\n99999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "64 bits"),
        ("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n", "extension"),
    ],
)
def test_malformed_checkpoints_name_the_problem(body: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        Checkpoint.parse_body(body)


def _log_key(name: str = "kor.gsomia.example/log") -> Any:
    return ed25519_signer(name, Ed25519PrivateKey.generate())


def test_checkpoint_sign_open_round_trip_with_extensions() -> None:
    signer = _log_key()
    checkpoint = Checkpoint(signer.name, 7, hash_leaf(b"x"), ("ext one",))
    signed = sign_checkpoint(checkpoint, signer)
    verifier = verifier_from_key(signer.verifier_key())
    again, opened = open_checkpoint(signed.to_bytes(), verifier)
    assert again.checkpoint == checkpoint
    assert opened.verified == signed.note.signatures
    with pytest.raises(VerificationError, match="origin"):
        open_checkpoint(signed.to_bytes(), verifier, origin="jpn.gsomia.example/log")
    other = verifier_from_key(_log_key().verifier_key())
    with pytest.raises(VerificationError):
        open_checkpoint(signed.to_bytes(), other)


def test_cosignature_vectors() -> None:
    (remora,) = COSIG["cosignature_verifier_keys"]
    assert VerifierKey.parse(remora).alg == ALG_COSIGNATURE_V1
    (ed,) = COSIG["ed25519_verifier_keys"]
    assert VerifierKey.parse(ed).alg == ALG_ED25519
    for case in COSIG["timestamped_signatures"]:
        blob = b64decode(case["base64"], "vector")
        cosig = Cosignature.from_note_signature(NoteSignature("w", blob[:4], blob[4:]))
        assert cosig.timestamp == case["time"]
        assert cosig.note_signature().signature == blob[4:]
    for b64 in COSIG["not_cosignatures"]:
        blob = b64decode(b64, "vector")
        with pytest.raises(InputError, match="not a cosignature"):
            Cosignature.from_note_signature(NoteSignature("w", blob[:4], blob[4:]))


def test_cosignature_covers_time_and_every_line() -> None:
    log = _log_key()
    witness = cosigner("jpn.gsomia.example/witness", Ed25519PrivateKey.generate())
    signed = sign_checkpoint(Checkpoint(log.name, 3, hash_leaf(b"y"), ("Extendo",)), log)
    line = witness.cosign(signed.note.text.encode(), 1_800_000_000)
    cosigned = add_signatures(signed, [Note(signed.note.text, (line,))])
    verifier = verifier_from_key(str(witness.verifier_key()))
    opened = open_note(parse_note(cosigned.to_bytes()), [verifier])
    assert Cosignature.from_note_signature(opened.verified[0]).timestamp == 1_800_000_000
    # the same key as a plain Ed25519 verifier has another key hash: not a match, no verification
    plain = verifier_from_key(VerifierKey(witness.name, ALG_ED25519, witness.public_key))
    with pytest.raises(VerificationError, match="no valid signature"):
        open_note(cosigned.note, [plain])
    moved = Cosignature.from_note_signature(line)
    later = NoteSignature(
        line.name,
        line.key_hash,
        moved.timestamp.to_bytes(8, "big")[:-1] + b"\x01" + moved.signature,
    )
    with pytest.raises(VerificationError):
        open_note(Note(signed.note.text, (later,)), [verifier])
    extended = signed.note.text.replace("Extendo", "Extendx")
    with pytest.raises(VerificationError):
        open_note(Note(extended, (line,)), [verifier])
    with pytest.raises(InputError, match="another checkpoint"):
        add_signatures(signed, [Note(extended, (line,))])
