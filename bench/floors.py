"""Floors shared by the benchmarks: what raw `cryptography` does for one item, no format.

One seal+open of `size` bytes: AES-256-GCM encryption and decryption, one hybrid HPKE
(MLKEM768-X25519) encapsulation and decapsulation of the key, Ed25519 and ML-DSA-65
signatures made and verified over the content's SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa, mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def rate(action: Callable[[], object], seconds: float) -> float:
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


def paired_rates(
    action: Callable[[], object], anchor: Callable[[], object], seconds: float, rounds: int = 6
) -> tuple[float, float]:
    """Operations per second of `action` and of its `anchor`, each the best of `rounds` short
    rounds taken in turn (action, anchor, action, …), `seconds` in all for each.

    On a shared machine the load swings within seconds: measured one after the other, the
    figure and its anchor saw different machines (the 16 MiB stream's ratio went from 0.66 to
    2.4 between consecutive pairs at load 10); in alternating rounds both see the same ones.
    """
    action()
    anchor()
    best = [0.0, 0.0]
    for _ in range(rounds):
        for n, each in enumerate((action, anchor)):
            count, start = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - start) < seconds / rounds:
                each()
                count += 1
            best[n] = max(best[n], count / elapsed)
    return best[0], best[1]


def seal_open_floor(size: int) -> Callable[[], object]:
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


def stream_floor(size: int) -> Callable[[], object]:
    """One seal+open of `size` bytes with nothing but what a stream envelope's format requires.

    The sender hashes the content once (SHA-256: the signed binding names the whole content's
    digest), encrypts it with AES-256-GCM, wraps the 32-byte stream key once with hybrid HPKE
    (MLKEM768-X25519) and signs the digest with Ed25519 and ML-DSA-65; the receiver unwraps the
    key, decrypts, hashes the plaintext once and verifies both signatures. GCM runs over the
    whole content in one call (the format's per-chunk nonces cost it a little more). The
    ciphertext and plaintext go into buffers the process already holds, as the product's stream
    writes into the caller's destination: a fresh 16 MiB object per call measured the
    allocator's page faults instead (≈ 20 ms of system time per call, depending on what else
    the heap held, in the floor and the product alike; ADR 0125).
    """
    content = os.urandom(size)
    recipient = hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate()
    )
    public = recipient.public_key()
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    ed, ml = ed25519.Ed25519PrivateKey.generate(), mldsa.MLDSA65PrivateKey.generate()
    ed_pub, ml_pub = ed.public_key(), ml.public_key()
    sealed, plain = bytearray(size + 16), bytearray(size)

    def once() -> object:
        key, iv = AESGCM.generate_key(256), os.urandom(12)
        digest = hashlib.sha256(content).digest()
        AESGCM(key).encrypt_into(iv, content, None, sealed)
        wrapped = suite.encrypt(key, public)
        sigs = ed.sign(digest), ml.sign(digest)
        # the receiving side
        AESGCM(suite.decrypt(wrapped, recipient)).decrypt_into(iv, sealed, None, plain)
        check = hashlib.sha256(plain).digest()
        ed_pub.verify(sigs[0], check)
        ml_pub.verify(sigs[1], check)
        return plain

    return once


# The exchange floor: each node's own crypto, at the product's signature count --------------

#: How often the product makes each operation, per item, on each side, for items published in
#: bursts of `burst` and delivered in batches of `batch` (envelope v2, ADR 0070):
#: the originator binds a burst with one signature pair; the sender seals each message to the
#: partner (HPKE) and signs each batch once; the receiver verifies the batch and the binding's
#: head (cached, so about one per batch, plus one where a batch straddles two bursts), opens
#: each message, signs the answers once and the log checkpoint once (Ed25519), seals the
#: answers back; the sender opens them and verifies both signatures. Items are sealed at rest
#: on both sides (AES-256-GCM) and opened from rest once by the sender to seal them.
SENDER = "sender"
RECEIVER = "receiver"


def _counts(batch: int, burst: int) -> dict[str, dict[str, float]]:
    per_batch, per_burst = 1 / batch, 1 / burst
    return {
        SENDER: {
            "aes_seal": 1,
            "aes_open": 1,
            "hpke_seal": 1,
            "sha256": 1,
            "sign_pair": per_burst + per_batch,
            "hpke_open_small": per_batch,
            "verify_pair": per_batch,
            "ed_verify": per_batch,
        },
        RECEIVER: {
            "aes_seal": 1,
            "hpke_open": 1,
            "sha256": 1,
            "verify_pair": per_batch + per_batch + per_burst,
            "hpke_open_small": per_batch,
            "sign_pair": per_batch,
            "ed_sign": per_batch,
            "hpke_seal_small": per_batch,
        },
    }


def operation_seconds(size: int, seconds: float) -> dict[str, float]:
    """Seconds per call of each raw operation the exchange floor counts, measured now."""
    content, small = os.urandom(size), os.urandom(256)
    recipient = hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate()
    )
    public = recipient.public_key()
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    sealed, sealed_small = suite.encrypt(content, public), suite.encrypt(small, public)
    ed, ml = ed25519.Ed25519PrivateKey.generate(), mldsa.MLDSA65PrivateKey.generate()
    digest = hashlib.sha256(content).digest()
    sigs = ed.sign(digest), ml.sign(digest)
    ed_pub, ml_pub = ed.public_key(), ml.public_key()
    aes, iv = AESGCM(AESGCM.generate_key(256)), os.urandom(12)
    at_rest = aes.encrypt(iv, content, None)
    actions: dict[str, Callable[[], object]] = {
        "aes_seal": lambda: aes.encrypt(iv, content, None),
        "aes_open": lambda: aes.decrypt(iv, at_rest, None),
        "hpke_seal": lambda: suite.encrypt(content, public),
        "hpke_open": lambda: suite.decrypt(sealed, recipient),
        "hpke_seal_small": lambda: suite.encrypt(small, public),
        "hpke_open_small": lambda: suite.decrypt(sealed_small, recipient),
        "sha256": lambda: hashlib.sha256(content).digest(),
        "sign_pair": lambda: (ed.sign(digest), ml.sign(digest)),
        "verify_pair": lambda: (ed_pub.verify(sigs[0], digest), ml_pub.verify(sigs[1], digest)),
        "ed_sign": lambda: ed.sign(digest),
        "ed_verify": lambda: ed_pub.verify(sigs[0], digest),
    }
    each = seconds / len(actions)
    return {name: 1 / rate(action, each) for name, action in actions.items()}


def side_seconds(ops: dict[str, float], *, batch: int, burst: int) -> dict[str, float]:
    """Each side's crypto seconds per item, at the product's signature count."""
    return {
        side: sum(ops[name] * count for name, count in counts.items())
        for side, counts in _counts(batch, burst).items()
    }
