"""Make tests/vectors/seal/batches_v2.json: one envelope-v2 batch of two messages per profile.

Run from the repository root: `.venv/bin/python tests/vectors/seal/make_vectors_v2.py`.

The keys are those of envelopes.json (`make_vectors.keys_from_seeds`, the seeds stored there).
Salts and the batch id come from a fixed counter through the private `_random` hook, so every
leaf, the root and the padded plaintexts are reproducible; HPKE encapsulation and the hedged
signatures stay random by design and are checked by opening.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gsomia.seal import cbor as cbor_codec
from gsomia.seal import parse_card
from gsomia.seal.sealed import Plain, seal_batch

HERE = Path(__file__).parent
_SPEC = importlib.util.spec_from_file_location("make_vectors", HERE / "make_vectors.py")
assert _SPEC is not None
assert _SPEC.loader is not None
_MAKER = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_MAKER)

MESSAGES = [
    Plain(
        "vector-1",
        "item",
        {"type": "gsomia-item/1", "label": _MAKER.LABEL, "item": {"title": "track 0412"}},
        _MAKER.CONTENT,
        "text/plain",
    ),
    Plain("vector-2", "visit_request", {"type": "gsomia-message/1"}, b'{"visit":1}'),
]


def counter() -> Callable[[int], bytes]:
    state = [0]

    def draw(n: int) -> bytes:
        state[0] += 1
        return hashlib.sha256(b"gsomia-v2-vector-%d" % state[0]).digest()[:n]

    return draw


def make() -> dict[str, Any]:
    old = json.loads((HERE / "envelopes.json").read_text(encoding="utf-8"))
    profiles = {}
    for profile, vector in old["profiles"].items():
        keys = _MAKER.keys_from_seeds(profile, vector["sender"]["seeds"])
        recipient = parse_card(json.dumps(vector["recipient"]["card"]))
        data = seal_batch(
            MESSAGES, keys=keys, sender="KOR", recipient=recipient, now=_MAKER.NOW,
            _random=counter(),
        )  # fmt: skip
        head = cbor_codec.loads(data, what="batch", limit=1 << 24)["head"]
        profiles[profile] = {"batch": data.hex(), "root": head["root"].hex()}
    return {
        "comment": "envelope v2 batches (ADR 0070); keys and cards are those of envelopes.json",
        "sealed_at": _MAKER.NOW.isoformat(),
        "messages": [
            {
                "id": m.id,
                "kind": m.kind,
                "header": m.header,
                "content": m.content.hex(),
                "media_type": m.media_type,
            }
            for m in MESSAGES
        ],
        "profiles": profiles,
    }


if __name__ == "__main__":
    text = json.dumps(make(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    (HERE / "batches_v2.json").write_text(text, encoding="utf-8")
