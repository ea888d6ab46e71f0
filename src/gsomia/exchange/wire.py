"""The peer protocol on the wire: paths, media types, limits, and the answer statuses.

Envelope v2 (ADR 0070) is the only format: a partner posts one sealed CBOR batch to
`V2_PATH` (`gsomia.seal.sealed`) and gets the signed answer document sealed back. v1's JSON
batch of base64url envelopes at `PATH` is refused with `UPGRADE`; its parser is gone.

Each answer is `{"id", "status": "received" | "rejected", ...}`; a rejection carries the
reason and the treaty article. A message is applied at most once: a repeat gets the answer
the first delivery got.
"""

from __future__ import annotations

from dataclasses import dataclass

PATH = "/peer/v1/messages"
#: Envelope v2 (ADR 0070): the body is one sealed batch (`gsomia.seal.sealed`), in CBOR; the
#: answer is the signed answer document, sealed back to the sender.
V2_PATH = "/peer/v2/batches"
CBOR = "application/cbor"
SEALED_ANSWERS = "application/octet-stream"
#: A batch's bytes, at most: under the peer API's body cap, with room for the envelope.
MAX_BATCH_BYTES = 32 << 20
UPGRADE = (
    "this node accepts envelope v2 batches only (POST /peer/v2/batches, ADR 0070); "
    "upgrade the sending node"
)
#: A node that starts says hello to its partners; they retry what they queued for it at once.
HELLO_PATH = "/peer/v1/hello"
#: A scheduling hint the FLASH lane puts on its requests, so the partner's node handles the
#: batch first (`gsomia.exchange.precedence`); it orders work only, and decides nothing.
PRECEDENCE_HEADER = "X-Gsomia-Precedence"
MAX_BATCH = 256
RECEIVED = "received"
REJECTED = "rejected"


@dataclass(frozen=True)
class WireMessage:
    id: str
    kind: str
    body: bytes
