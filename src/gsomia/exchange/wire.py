"""The peer protocol on the wire: a batch of messages in, a signed answer document out.

```
POST /peer/v1/messages
{"sender": "KOR", "messages": [{"id": "…", "kind": "item", "body": "<base64url envelope>"}]}
→ 200 {"head": {...}, "jws": {...}, "answers": [{"answer": {...}, "index": 0, "proof": [...]}]}
```

Each `answer` is `{"id", "status": "received" | "rejected", ...}`; a rejection carries the
reason and the treaty article. A message is applied at most once: a repeat gets the answer
the first delivery got.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from gsomia.errors import InputError

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

    def to_json(self) -> dict[str, str]:
        body = base64.urlsafe_b64encode(self.body).rstrip(b"=").decode("ascii")
        return {"id": self.id, "kind": self.kind, "body": body}


def parse_batch(data: Any) -> tuple[str, list[WireMessage]]:
    """The sender nation and messages of a batch; InputError naming what is wrong."""
    if not isinstance(data, dict) or set(data) != {"sender", "messages"}:
        raise InputError("a message batch has exactly the members sender and messages")
    sender, messages = data["sender"], data["messages"]
    if not isinstance(sender, str) or not (3 <= len(sender) <= 4):
        raise InputError("the batch's sender must be a nation code")
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_BATCH:
        raise InputError(f"a batch holds 1 to {MAX_BATCH} messages")
    parsed = []
    for position, entry in enumerate(messages):
        if not isinstance(entry, dict) or set(entry) != {"id", "kind", "body"}:
            raise InputError(f"message {position} must have exactly id, kind and body")
        if not all(isinstance(entry[k], str) for k in ("id", "kind", "body")):
            raise InputError(f"message {position}: id, kind and body must be strings")
        if not 1 <= len(entry["id"]) <= 64:
            raise InputError(f"message {position}: id must be 1 to 64 characters")
        try:
            body = base64.urlsafe_b64decode(entry["body"] + "=" * (-len(entry["body"]) % 4))
        except ValueError as exc:
            raise InputError(f"message {position}: body is not base64url") from exc
        parsed.append(WireMessage(entry["id"], entry["kind"], body))
    return sender, parsed
