"""Make tests/vectors/seal/stream-<profile>.bin: one stream envelope (ADR 0022) per profile.

Run from the repository root: `.venv/bin/python tests/vectors/seal/make_vectors_stream.py`.

The keys and cards are those of envelopes.json (`make_vectors.keys_from_seeds`, the seeds stored
there). The content is SHAKE-256 of a fixed name, one full 64 KiB chunk and a short final one;
the stream key and nonce prefix are fixed through the private `_stream_key`/`_nonce_prefix` hook,
so every chunk frame is reproducible byte for byte. The header's HPKE encapsulation and the
trailer's hedged signatures stay random by design and are checked by opening.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
from pathlib import Path
from typing import Any

from gsomia.seal import parse_card
from gsomia.seal.stream import MIN_CHUNK, seal_stream

HERE = Path(__file__).parent
_SPEC = importlib.util.spec_from_file_location("make_vectors", HERE / "make_vectors.py")
assert _SPEC is not None
assert _SPEC.loader is not None
_MAKER = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_MAKER)

CONTENT = hashlib.shake_256(b"gsomia stream vector").digest(MIN_CHUNK + 1000)
STREAM_KEY = bytes(range(32, 64))
NONCE_PREFIX = bytes.fromhex("a0a1a2a3a4a5a6")
PROFILES = ("pq", "cnsa2", "classic")


def path(profile: str) -> Path:
    return HERE / f"stream-{profile}.bin"


def seal(profile: str, vector: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    seal_stream(
        io.BytesIO(CONTENT), out, label=_MAKER.LABEL,
        keys=_MAKER.keys_from_seeds(profile, vector["sender"]["seeds"]),
        recipients=[parse_card(json.dumps(vector["recipient"]["card"]))],
        now=_MAKER.NOW, media_type="application/octet-stream", chunk_size=MIN_CHUNK,
        envelope_id=f"stream-vector-{profile}",
        _stream_key=STREAM_KEY, _nonce_prefix=NONCE_PREFIX,
    )  # fmt: skip
    return out.getvalue()


if __name__ == "__main__":
    old = json.loads((HERE / "envelopes.json").read_text(encoding="utf-8"))
    for name in PROFILES:
        path(name).write_bytes(seal(name, old["profiles"][name]))
        print(f"wrote {path(name)}")  # noqa: T201 - a script reporting what it wrote
