"""Partners' logs between nodes: their keys from identity cards, receipts, tlog-witness glue.

A node's log is named by its identity card alone: origin `gsomia/<nation>/<first 16 hex of the
card fingerprint>`, checkpoints signed with the card's Ed25519 key (note algorithm 0x01), and
the same key cosigns partners' checkpoints as a witness (cosignature/v1, algorithm 0x04; the
signed messages differ by their `cosignature/v1` prefix, so the two uses cannot be confused).
So an auditor holding a card can check a checkpoint, an inclusion proof or a cosignature with
nothing else.

On the wire (C2SP tlog-witness, https://c2sp.org/tlog-witness): the log POSTs
`old <size>`, the consistency proof lines, a blank line and its checkpoint to the partner's
`/peer/v1/log/add-checkpoint`; a 200 carries the cosignature line(s); a 409 carries, as
`text/x.tlog.size`, the size the witness last cosigned, to retry from.
"""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from gsomia.errors import InputError, UsageError, VerificationError
from gsomia.ledger.bundle import FORMAT as BUNDLE_FORMAT
from gsomia.ledger.bundle import ProofBundle
from gsomia.ledger.checkpoint import Checkpoint, open_checkpoint
from gsomia.ledger.events import EventKind
from gsomia.ledger.merkle import hash_leaf, verify_inclusion
from gsomia.ledger.note import NoteSignature, parse_note
from gsomia.ledger.note_keys import CosignatureV1Verifier, Ed25519NoteVerifier
from gsomia.ledger.witness import AddCheckpoint
from gsomia.seal import IdentityCard, ed25519_verify

ADD_CHECKPOINT_PATH = "/peer/v1/log/add-checkpoint"
SIZE_CONTENT_TYPE = "text/x.tlog.size"
RECEIPT_MEMBER = "log"
_ORIGIN_PREFIX = "gsomia"


def log_origin(card: IdentityCard) -> str:
    """The origin line of the checkpoints of the node this card names."""
    return f"{_ORIGIN_PREFIX}/{card.nation}/{card.fingerprint[:16]}"


def ed25519_public_key(card: IdentityCard) -> bytes:
    """The card's raw Ed25519 public key; UsageError if its profile has none (cnsa2)."""
    for jwk in card.keys.jwks.get("sig", []):
        if isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            raw = base64.urlsafe_b64decode(str(jwk["x"]) + "=" * (-len(str(jwk["x"])) % 4))
            if len(raw) == 32:
                return raw
    raise UsageError(
        f"the {card.profile} card of {card.nation} has no Ed25519 key to sign log checkpoints",
        hint="log checkpoints need the pq or classic profile (ADR 0034)",
    )


def log_verifier(card: IdentityCard) -> Ed25519NoteVerifier:
    """Verifies the checkpoints of the node this card names."""
    return Ed25519NoteVerifier(log_origin(card), ed25519_public_key(card), ed25519_verify)


def cosignature_verifier(card: IdentityCard) -> CosignatureV1Verifier:
    """Verifies the cosignatures the node this card names makes as a witness."""
    return CosignatureV1Verifier(log_origin(card), ed25519_public_key(card), ed25519_verify)


# --- the log's side of add-checkpoint -------------------------------------------------------


def add_checkpoint_body(old_size: int, proof: Sequence[bytes], checkpoint: bytes) -> bytes:
    """The request body for a witness that last cosigned `old_size`."""
    return AddCheckpoint(old_size, tuple(proof), checkpoint).to_bytes()


def parse_cosignatures(checkpoint_text: str, body: bytes) -> list[NoteSignature]:
    """The cosignature lines of a 200 answer, parsed as signatures of our checkpoint's note."""
    note = parse_note(checkpoint_text.encode("utf-8") + b"\n" + body)
    if not note.signatures:
        raise InputError("the witness answered 200 without a cosignature")
    return list(note.signatures)


def parse_size(body: bytes) -> int:
    """The witness's last cosigned size from a 409 answer (`text/x.tlog.size`)."""
    text = body.decode("ascii", "replace").strip()
    if not text.isdigit() or len(text) > 20:
        raise InputError(f"the witness's 409 answer is not a tree size: {text[:40]!r}")
    return int(text)


# --- receipts: proof that a partner logged what it received ---------------------------------


def receipt_member(bundle: ProofBundle) -> dict[str, Any]:
    """The `log` member of a "received" answer: the receiver's event, proof and checkpoint."""
    return {
        "format": BUNDLE_FORMAT,
        "index": bundle.index,
        "entry": base64.b64encode(bundle.entry).decode("ascii"),
        "proof": [base64.b64encode(h).decode("ascii") for h in bundle.proof],
        "checkpoint": bundle.checkpoint.decode("utf-8"),
    }


def _bundle(member: Any) -> ProofBundle:
    """A receipt's `log` member as a bundle; InputError naming what is malformed."""
    try:
        index = member["index"]
        if member["format"] != BUNDLE_FORMAT or type(index) is not int or index < 0:
            raise InputError("the receipt's log member is not an inclusion proof")
        return ProofBundle(
            index,
            base64.b64decode(member["entry"], validate=True),
            tuple(base64.b64decode(p, validate=True) for p in member["proof"]),
            member["checkpoint"].encode("utf-8"),
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InputError(f"the receipt's log member is malformed: {exc!r}") from None


def verify_receipts(entries: Sequence[Mapping[str, Any]], card: IdentityCard) -> list[int | None]:
    """Check the `log` member of every answer that has one against the receiver's card.

    Each must prove, under a checkpoint signed by the receiver's log key, a `receipt` event of
    the receiver's log that names the answered message. One signature check per checkpoint (a
    batch carries one), then a hash path per answer. The receiver's log indices (None for an
    answer without a member); VerificationError at the first failure.
    """
    origin = log_origin(card)
    opened: dict[bytes, Checkpoint] = {}
    indices: list[int | None] = []
    for entry in entries:
        answer = entry["answer"]
        member = answer.get(RECEIPT_MEMBER) if isinstance(answer, Mapping) else None
        if member is None:
            indices.append(None)
            continue
        bundle = _bundle(member)
        checkpoint = opened.get(bundle.checkpoint)
        if checkpoint is None:
            verifier = log_verifier(card)  # here, so cards without Ed25519 pass without receipts
            signed, _ = open_checkpoint(bundle.checkpoint, verifier, origin=origin)
            checkpoint = opened[bundle.checkpoint] = signed.checkpoint
        verify_inclusion(
            bundle.index, checkpoint.size, hash_leaf(bundle.entry), bundle.proof, checkpoint.root
        )
        # The entry is the receiver's, authenticated by the proof: read what it says.
        try:
            event = json.loads(bundle.entry)
            receipt = event["kind"] == EventKind.RECEIPT.value and answer["id"] in event["subjects"]
        except (ValueError, KeyError, TypeError):
            receipt = False
        if not receipt:
            raise VerificationError(
                f"the receipt for {answer.get('id')!r} proves another event of the partner's log"
            )
        indices.append(bundle.index)
    return indices


async def post_add_checkpoint(
    session: aiohttp.ClientSession, endpoint: str, body: bytes, link: ssl.SSLContext | None
) -> tuple[int, bytes]:
    """POST an add-checkpoint request to a partner's node over its pinned `link` (None: plain
    HTTP, the development flag); its status and body."""
    async with session.post(
        endpoint.rstrip("/") + ADD_CHECKPOINT_PATH,
        data=body,
        headers={"content-type": "text/plain; charset=utf-8"},
        ssl=link or True,
    ) as response:
        return response.status, await response.read()
