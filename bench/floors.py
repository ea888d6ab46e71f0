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
