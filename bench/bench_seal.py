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

import hashlib
import io
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bench.figures import Figure
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


def _rate(action: Callable[[], object], seconds: float) -> float:
    """Operations per second of `action`, best of three rounds of about `seconds` / 3."""
    action()
    best = 0.0
    for _ in range(3):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds / 3:
            action()
            count += 1
        best = max(best, count / elapsed)
    return best


def _floor(size: int) -> Callable[[], object]:
    content = os.urandom(size)
    recipient = hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate()
    )
    public = recipient.public_key()
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    ed, ml = ed25519.Ed25519PrivateKey.generate(), mldsa.MLDSA65PrivateKey.generate()
    ed_pub, ml_pub = ed.public_key(), ml.public_key()

    def once() -> object:
        cek, iv = AESGCM.generate_key(256), os.urandom(12)
        sealed = AESGCM(cek).encrypt(iv, content, None)
        wrapped = suite.encrypt(cek, public)
        digest = hashlib.sha256(content).digest()
        sigs = ed.sign(digest), ml.sign(digest)
        # the receiving side
        key = suite.decrypt(wrapped, recipient)
        plain = AESGCM(key).decrypt(iv, sealed, None)
        check = hashlib.sha256(plain).digest()
        ed_pub.verify(sigs[0], check)
        ml_pub.verify(sigs[1], check)
        return plain

    return once


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

        floor = _rate(_floor(size), 6.0)
        figures[name] = Figure(
            value=_rate(envelope, 6.0),
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
        floor = _rate(_floor(size), 12.0) * mb
        figures["seal_open_16m_mb_per_s"] = Figure(
            value=_rate(stream, 12.0) * mb,
            unit="MB/s",
            anchor="raw crypto floor on 16 MiB, same run",
            anchor_value=floor,
            note="stream envelope (1 MiB chunks), seal then verified open through a spool file; "
            "higher is better; goal ratio ≥ 0.9",
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
