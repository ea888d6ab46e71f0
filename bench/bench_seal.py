"""Envelopes of the default profile (pq) against the raw-crypto floor measured in the same run.

The floor does, with `cryptography` directly and no envelope format, what an envelope cannot
avoid: AES-256-GCM encryption and decryption of the content, one hybrid HPKE
(MLKEM768-X25519) encapsulation and decapsulation of a 32-byte key, and Ed25519 and ML-DSA-65
signature and verification of the content — as signatures over large content are made, over
its SHA-256 digest (computed once by the signer, once by the verifier). Everything else an
envelope adds (JSON, base64url, the binding, the chunk framing, the spool) is what the ratio
measures.
"""

from __future__ import annotations

import io
import os
import tempfile
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from bench.figures import Figure, machine_load
from bench.floors import paired_rates
from bench.floors import seal_open_floor as _floor
from gsomia.seal import (
    generate_node_keys,
    make_card,
    open_envelope,
    open_stream,
    seal_envelope,
    seal_stream,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)
LABEL = {"classification": "군사II급비밀", "releasable_to": ["JPN", "KOR"], "purpose": "bench"}


def run() -> dict[str, Figure]:
    kor, jpn = generate_node_keys("pq"), generate_node_keys("pq")
    kor_card = make_card(kor, nation="KOR", name="bench", created=NOW)
    jpn_card = make_card(jpn, nation="JPN", name="bench", created=NOW)
    figures: dict[str, Figure] = {}

    for name, size in (("seal_open_1k_per_s", 1 << 10), ("seal_open_64k_per_s", 64 << 10)):
        content = os.urandom(size)

        def envelope(content: bytes = content) -> object:
            data = seal_envelope(content, label=LABEL, keys=kor, recipients=[jpn_card], now=NOW)
            return open_envelope(data, keys=jpn, senders=[kor_card])

        value, floor = paired_rates(envelope, _floor(size), 6.0)
        figures[name] = Figure(
            value=value,
            unit="envelopes/s",
            anchor="raw crypto floor (GCM + hybrid HPKE + Ed25519 + ML-DSA-65), same run",
            anchor_value=floor,
            note=f"{size} bytes, one recipient, seal then open; higher is better; goal ratio "
            + ("≥ 0.5" if size == 1 << 10 else "—"),
        )

    size = 16 << 20
    content = os.urandom(size)
    with tempfile.TemporaryDirectory() as tmp:
        spool = Path(tmp)

        def stream(content: bytes = content) -> object:
            sealed = io.BytesIO()
            seal_stream(
                io.BytesIO(content), sealed, label=LABEL, keys=kor, recipients=[jpn_card], now=NOW
            )
            sealed.seek(0)
            out = io.BytesIO()
            return open_stream(sealed, out, keys=jpn, senders=[kor_card], spool_dir=spool)

        mb = size / 1e6
        value, floor = paired_rates(stream, _floor(size), 12.0)
        figures["seal_open_16m_mb_per_s"] = Figure(
            value=value * mb,
            unit="MB/s",
            anchor="raw crypto floor on 16 MiB, same run",
            anchor_value=floor * mb,
            note="stream envelope (1 MiB chunks), seal then verified open through a spool; "
            "each the best of 6 rounds taken in turn with its floor's; "
            f"{machine_load()}; higher is better; goal ratio ≥ 0.9",
        )

        with (spool / "src").open("wb") as handle:
            handle.write(content)
        del content
        tracemalloc.start()
        with (spool / "src").open("rb") as src, (spool / "dst").open("wb") as dst:
            seal_stream(src, dst, label=LABEL, keys=kor, recipients=[jpn_card], now=NOW)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    figures["seal_16m_peak_mib"] = Figure(
        value=peak / (1 << 20),
        unit="MiB",
        anchor="3 × content size (16 MiB)",
        anchor_value=48.0,
        note="peak Python heap (tracemalloc) sealing 16 MiB file to file; lower is better, "
        "goal ratio < 1",
    )
    return figures
