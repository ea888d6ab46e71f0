"""Signed answers to a batch of peer messages: one signature, a Merkle proof per answer.

A "received" answer may carry, in its `log` member, the receiver's proof that its log holds
the receipt (`gsomia.exchange.witness.verify_receipts`); it is checked here too.

Post-quantum signatures cost about a millisecond each here, so a receiver signs the RFC 6962
root over all answers of a batch once, and every answer carries its inclusion proof. A single
stored answer (with the batch head and its signatures) is still non-repudiable proof of what
the receiver said about that one message.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gsomia.errors import VerificationError
from gsomia.exchange.witness import verify_receipts
from gsomia.ledger.events import canonical_json
from gsomia.ledger.memory import MemoryHashes
from gsomia.ledger.merkle import hash_leaf, verify_inclusion
from gsomia.seal import IdentityCard, NodeKeys, sign_payload, verified_payload

BATCH_TYPE = "gsomia-answers/1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_answers(
    answers: Sequence[dict[str, Any]], *, keys: NodeKeys, now: datetime
) -> dict[str, Any]:
    """The signed answer document for `answers`, in order."""
    tree = MemoryHashes()
    tree.append(hash_leaf(canonical_json(answer)) for answer in answers)
    size = len(answers)
    head = {
        "type": BATCH_TYPE,
        "signer": keys.key_id,
        "at": now.isoformat(),
        "size": size,
        "root": _b64(tree.root(size)),
    }
    jws = sign_payload(keys, canonical_json(head))
    proofs = [[_b64(h) for h in tree.inclusion_proof(i, size)] for i in range(size)]
    return {
        "head": head,
        "jws": jws,
        "answers": [
            {"answer": answer, "index": i, "proof": proof}
            for i, (answer, proof) in enumerate(zip(answers, proofs, strict=True))
        ],
    }


def verify_answers(document: Any, *, signer: IdentityCard) -> list[dict[str, Any]]:
    """Each answer of `document` once its batch signature and inclusion proof verified.

    Returned entries are `{"answer", "index", "proof", "head", "jws"}`: enough for the sender
    to keep each one as standalone evidence.
    """
    try:
        head, jws, entries = document["head"], document["jws"], document["answers"]
        payload = verified_payload(jws, signer)
        if json.loads(payload) != head or head["type"] != BATCH_TYPE:
            raise VerificationError("the signed head differs from the head sent")
        if head["signer"] != signer.key_id or len(entries) != head["size"]:
            raise VerificationError("the answer batch names another signer or size")
        root = _unb64(head["root"])
        verified = []
        for entry in entries:
            leaf = hash_leaf(canonical_json(entry["answer"]))
            proof = [_unb64(p) for p in entry["proof"]]
            verify_inclusion(entry["index"], head["size"], leaf, proof, root)
            verified.append({**entry, "head": head, "jws": jws})
        # A "received" answer carries the receiver's proof that it logged the receipt.
        verify_receipts(verified, signer)
    except VerificationError:
        raise
    except Exception as exc:  # any malformed member: the peer's answer is not evidence
        raise VerificationError(f"the peer's answer is malformed: {exc!r}") from exc
    return verified
