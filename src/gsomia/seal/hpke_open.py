"""HPKE single-shot open (RFC 9180, base mode) around an X25519 exchange done elsewhere.

`cryptography`'s HPKE takes only its own in-memory private keys; when the X25519 key is in a
token (`gsomia.seal.token`), the token does the Diffie-Hellman and this module does the rest:
the KEM's shared secret (DHKEM(X25519, HKDF-SHA256) for `classic`, X-Wing, the
MLKEM768-X25519 KEM 0x647a of draft-ietf-hpke-pq, for `pq`, whose ML-KEM half stays in
software), the key schedule and AES-256-GCM. Hand-written for that reason only (ADR 0091);
tests open what `cryptography` itself sealed. Sealing still uses
`cryptography`: it needs only the partner's public key.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

Exchange = Callable[[x25519.X25519PublicKey], bytes]

KEM_X25519 = 0x0020
KEM_XWING = 0x647A
_KDF_HKDF_SHA256 = 0x0001
_AEAD_AES_256_GCM = 0x0002
_X25519_LEN = 32
_MLKEM768_CT = 1088
_XWING_LABEL = b"\\.//^\\"


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _labeled_extract(suite: bytes, label: bytes, ikm: bytes, salt: bytes = b"") -> bytes:
    return _extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, struct.pack(">H", length) + b"HPKE-v1" + suite + label + info, length)


def dhkem_x25519_secret(exchange: Exchange, public: bytes, enc: bytes) -> bytes:
    """DHKEM(X25519, HKDF-SHA256) Decap (RFC 9180 §4.1); `public` is the recipient's key."""
    dh = exchange(x25519.X25519PublicKey.from_public_bytes(enc))
    suite = b"KEM" + struct.pack(">H", KEM_X25519)
    prk = _labeled_extract(suite, b"eae_prk", dh)
    return _labeled_expand(suite, prk, b"shared_secret", enc + public, 32)


def xwing_secret(
    mlkem_key: mlkem.MLKEM768PrivateKey, exchange: Exchange, public_x: bytes, enc: bytes
) -> bytes:
    """X-Wing Decap: SHA3-256(ss_M ‖ ss_X ‖ ct_X ‖ pk_X ‖ label)."""
    ct_m, ct_x = enc[:_MLKEM768_CT], enc[_MLKEM768_CT:]
    ss_m = mlkem_key.decapsulate(ct_m)
    ss_x = exchange(x25519.X25519PublicKey.from_public_bytes(ct_x))
    return hashlib.sha3_256(ss_m + ss_x + ct_x + public_x + _XWING_LABEL).digest()


def open_base(kem_id: int, shared_secret: bytes, ciphertext: bytes, info: bytes) -> bytes:
    """KeySchedule (mode_base, no PSK) then Open with sequence number 0 and empty AAD."""
    suite = b"HPKE" + struct.pack(">HHH", kem_id, _KDF_HKDF_SHA256, _AEAD_AES_256_GCM)
    context = (
        b"\x00"
        + _labeled_extract(suite, b"psk_id_hash", b"")
        + _labeled_extract(suite, b"info_hash", info)
    )
    secret = _labeled_extract(suite, b"secret", b"", shared_secret)
    key = _labeled_expand(suite, secret, b"key", context, 32)
    nonce = _labeled_expand(suite, secret, b"base_nonce", context, 12)
    return AESGCM(key).decrypt(nonce, ciphertext, b"")


def open_x25519(exchange: Exchange, public: bytes, data: bytes, info: bytes) -> bytes:
    """`cryptography`'s `Suite(X25519, HKDF_SHA256, AES_256_GCM).decrypt`, the DH elsewhere."""
    if len(data) < _X25519_LEN:
        raise ValueError("HPKE ciphertext shorter than its encapsulation")
    enc, ct = data[:_X25519_LEN], data[_X25519_LEN:]
    return open_base(KEM_X25519, dhkem_x25519_secret(exchange, public, enc), ct, info)


def open_xwing(
    mlkem_key: mlkem.MLKEM768PrivateKey,
    exchange: Exchange,
    public_x: bytes,
    data: bytes,
    info: bytes,
) -> bytes:
    """`Suite(MLKEM768_X25519, HKDF_SHA256, AES_256_GCM).decrypt`, the X25519 DH elsewhere."""
    size = _MLKEM768_CT + _X25519_LEN
    if len(data) < size:
        raise ValueError("HPKE ciphertext shorter than its encapsulation")
    secret = xwing_secret(mlkem_key, exchange, public_x, data[:size])
    return open_base(KEM_XWING, secret, data[size:], info)
