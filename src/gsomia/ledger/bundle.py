"""An inclusion proof that travels: the entry, its proof and the checkpoint it is proved under.

`gsomia audit prove` writes one; `gsomia audit check-proof` verifies it offline with nothing but
the bundle and the log's verifier key (from the node's identity card). Receipts carry one for
their "received" event, so a sender holds proof of delivery under the receiver's own key.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gsomia.errors import InputError, VerificationError
from gsomia.ledger.checkpoint import open_checkpoint
from gsomia.ledger.events import LogEvent
from gsomia.ledger.merkle import hash_leaf, verify_inclusion
from gsomia.ledger.note import NoteVerifier

FORMAT = "gsomia-inclusion-proof/v1"


@dataclass(frozen=True)
class ProofBundle:
    """Entry `index` of the log, its bytes, its RFC 9162 inclusion proof, and the checkpoint."""

    index: int
    entry: bytes
    proof: tuple[bytes, ...]
    checkpoint: bytes  # the signed note, cosignatures included

    def to_json(self) -> str:
        def b64(data: bytes) -> str:
            return base64.b64encode(data).decode("ascii")

        return json.dumps(
            {
                "format": FORMAT,
                "index": self.index,
                "entry": b64(self.entry),
                "proof": [b64(p) for p in self.proof],
                "checkpoint": self.checkpoint.decode("utf-8"),
            },
            indent=2,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ProofBundle:
        """Strict parse; InputError naming the problem."""
        try:
            raw: Any = json.loads(text)
            if raw.get("format") != FORMAT:
                raise InputError(f"not a {FORMAT} file")
            index = raw["index"]
            if type(index) is not int or index < 0:
                raise InputError("proof index must be a non-negative integer")
            proof = tuple(base64.b64decode(p, validate=True) for p in raw["proof"])
            return cls(
                index,
                base64.b64decode(raw["entry"], validate=True),
                proof,
                raw["checkpoint"].encode("utf-8"),
            )
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise InputError(f"proof file is malformed: {exc}") from None

    def verify(self, log_verifiers: Sequence[NoteVerifier], *, origin: str) -> LogEvent:
        """The event, once the checkpoint's signature and the inclusion proof both verify.

        VerificationError if either does not; InputError if the entry is not an event.
        """
        signed = None
        errors = []
        for verifier in log_verifiers:  # several while a log key is being rotated
            try:
                signed, _ = open_checkpoint(self.checkpoint, verifier, origin=origin)
                break
            except VerificationError as exc:
                errors.append(exc.message)
        if signed is None:
            raise VerificationError(
                "checkpoint does not verify: " + "; ".join(errors or ["no key"])
            )
        cp = signed.checkpoint
        verify_inclusion(self.index, cp.size, hash_leaf(self.entry), self.proof, cp.root)
        return LogEvent.decode(self.entry)
