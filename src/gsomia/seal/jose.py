"""The JOSE pieces of an envelope: JWE General JSON (RFC 7516 §7.2.1) with one recipient entry
per node, and JWS General JSON (RFC 7515 §7.2.1) with one signature per algorithm.

`classic` is sealed and signed by joserfc (ECDH-ES+A256KW, A256GCM, Ed25519). What joserfc
lacks or gets wrong is written here, small and explicit (docs/adr/0020):

* HPKE key encryption after draft-ietf-jose-hpke-encrypt-14: the recipient header carries
  `alg`, `kid` and `ek` (the HPKE encapsulated key); the JWE Encrypted Key is the HPKE ciphertext
  of the CEK; HPKE `info` is the Recipient_structure
  `"JOSE-HPKE rcpt" || 0xFF || enc || 0xFF` and HPKE `aad` is empty.
* ML-DSA signatures (draft-ietf-cose-dilithium JOSE names `ML-DSA-65`/`ML-DSA-87`, pure mode,
  empty context) and ES384 (RFC 7518 §3.4, r || s) beside Ed25519 (RFC 9864 name for
  RFC 8037 EdDSA over Ed25519).
* Opening `classic` (ECDH-ES+A256KW unwrap, then AES-GCM over the received protected header):
  joserfc 1.8 recomputes the AAD from its own re-serialised header and rejects other producers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, utils, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap
from joserfc import jwe as jf_jwe
from joserfc import jws as jf_jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.registry import HeaderParameter

from gsomia.errors import VerificationError
from gsomia.seal.counts import PQ_SIGNATURES
from gsomia.seal.encoding import b64u, b64u_decode, compact_json
from gsomia.seal.keys import NodeKeys, PublicKeys, SignPrivate, SignPublic
from gsomia.seal.profiles import CLASSIC, Profile

_SUITES = {
    "HPKE-MLKEM768X25519-SHA256-A256GCM-KE": hpke.Suite(
        hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM
    ),
    "HPKE-MLKEM1024P384-SHA384-A256GCM-KE": hpke.Suite(
        hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM
    ),
}
_ENC_LEN = {
    "HPKE-MLKEM768X25519-SHA256-A256GCM-KE": hpke.KEM.MLKEM768_X25519.enc_length(),
    "HPKE-MLKEM1024P384-SHA384-A256GCM-KE": hpke.KEM.MLKEM1024_P384.enc_length(),
}
_CLASSIC_ALGS = ["ECDH-ES+A256KW", "A256GCM"]
_PQ_SIGNERS = (mldsa.MLDSA65PrivateKey, mldsa.MLDSA87PrivateKey)
_PQ_VERIFIERS = (mldsa.MLDSA65PublicKey, mldsa.MLDSA87PublicKey)
# gsomia's own protected header parameters (stream envelopes), registered so joserfc's strict
# header check accepts them; a name outside this list is still refused.
_CLASSIC_REGISTRY = jf_jwe.JWERegistry(
    header_registry={
        "chunk_size": HeaderParameter("Stream chunk size", "int"),
        "nonce_prefix": HeaderParameter("Stream nonce prefix", "str"),
    },
    algorithms=_CLASSIC_ALGS,
)


class Mismatch(VerificationError):
    """Internal: one JOSE check failed; the envelope layer turns it into EnvelopeError."""


def recipient_structure(enc: str) -> bytes:
    """HPKE `info` for key encryption (draft-ietf-jose-hpke-encrypt-14 §Recipient_structure)."""
    return b"JOSE-HPKE rcpt\xff" + enc.encode("ascii") + b"\xff"


def protected_b64(header: dict[str, Any]) -> str:
    return b64u(compact_json(header, sort_keys=True))


# --- JWE ------------------------------------------------------------------------------------


def encrypt_jwe(
    plaintext: bytes,
    recipients: Sequence[PublicKeys],
    prof: Profile,
    protected: dict[str, Any],
    *,
    cek: bytes | None = None,
    iv: bytes | None = None,
) -> dict[str, Any]:
    """A JWE General JSON object of `plaintext` for `recipients` (`cek`/`iv` for test vectors)."""
    if prof.name == CLASSIC:
        return _encrypt_classic(plaintext, recipients, protected)
    import os  # noqa: PLC0415 - randomness only here, keeps the pure helpers above import-light

    cek = cek if cek is not None else AESGCM.generate_key(256)
    iv = iv if iv is not None else os.urandom(12)
    suite, enc_len = _SUITES[prof.key_alg], _ENC_LEN[prof.key_alg]
    info = recipient_structure(prof.enc)
    entries = []
    for recipient in recipients:
        sealed = suite.encrypt(cek, recipient.kem, info=info)
        header = {"alg": prof.key_alg, "kid": recipient.key_id, "ek": b64u(sealed[:enc_len])}
        entries.append({"header": header, "encrypted_key": b64u(sealed[enc_len:])})
    prot = protected_b64(protected)
    sealed_content = AESGCM(cek).encrypt(iv, plaintext, prot.encode("ascii"))
    return {
        "protected": prot,
        "recipients": entries,
        "iv": b64u(iv),
        "ciphertext": b64u(sealed_content[:-16]),
        "tag": b64u(sealed_content[-16:]),
    }


def _encrypt_classic(
    plaintext: bytes, recipients: Sequence[PublicKeys], protected: dict[str, Any]
) -> dict[str, Any]:
    obj = jf_jwe.GeneralJSONEncryption(dict(protected), plaintext)
    for recipient in recipients:
        key = OKPKey.import_key(recipient.jwks["kem"])
        obj.add_recipient({"alg": "ECDH-ES+A256KW", "kid": recipient.key_id}, key)
    return dict(jf_jwe.encrypt_json(obj, None, registry=_CLASSIC_REGISTRY))


def own_entry(jwe: dict[str, Any], kid: str) -> dict[str, Any]:
    """The recipient entry for `kid`; Mismatch if there is none or more than one."""
    mine = [r for r in jwe["recipients"] if r.get("header", {}).get("kid") == kid]
    if len(mine) != 1:
        raise Mismatch("envelope is not addressed to this node")
    entry: dict[str, Any] = mine[0]
    return entry


def unwrap_cek(jwe: dict[str, Any], keys: NodeKeys, prof: Profile) -> bytes:
    """The CEK from this node's recipient entry (HPKE profiles only)."""
    entry = own_entry(jwe, keys.key_id)
    header = entry["header"]
    if header.get("alg") != prof.key_alg or set(header) != {"alg", "kid", "ek"}:
        raise Mismatch("recipient header does not match the profile")
    ek = b64u_decode(header["ek"], what="ek")
    if len(ek) != _ENC_LEN[prof.key_alg]:
        raise Mismatch("ek has the wrong length")
    sealed = ek + b64u_decode(entry["encrypted_key"], what="encrypted_key")
    try:
        cek = keys.hpke_decrypt(_SUITES[prof.key_alg], sealed, recipient_structure(prof.enc))
    except Exception as error:  # InvalidTag or a malformed encapsulation: both mean "not ours"
        raise Mismatch("HPKE decryption of the CEK failed") from error
    if len(cek) != 32:
        raise Mismatch("CEK has the wrong length")
    return cek


def unwrap_classic_cek(jwe: dict[str, Any], keys: NodeKeys) -> bytes:
    """The CEK from this node's ECDH-ES+A256KW entry (RFC 7518 §4.6, X25519 per RFC 8037).

    Written out rather than left to joserfc 1.8, whose JSON decryption recomputes the content
    AAD from its own re-serialisation of the protected header instead of the received bytes,
    and so rejects valid JWEs from other producers (jwcrypto writes `{"enc": "A256GCM"}` with a
    space). See docs/adr/0020.
    """
    entry = own_entry(jwe, keys.key_id)
    header = entry["header"]
    if header.get("alg") != "ECDH-ES+A256KW" or not {"alg", "kid", "epk"} <= set(header) <= {
        "alg", "kid", "epk", "apu", "apv",
    }:  # fmt: skip
        raise Mismatch("recipient header does not match the profile")
    epk = header["epk"]
    if not isinstance(epk, dict) or {k: epk.get(k) for k in ("kty", "crv")} != {
        "kty": "OKP",
        "crv": "X25519",
    }:
        raise Mismatch("epk is not an X25519 key")
    try:
        shared = keys.kem[0].exchange(
            x25519.X25519PublicKey.from_public_bytes(b64u_decode(epk.get("x"), what="epk"))
        )
        other_info = b"".join(
            len(part).to_bytes(4, "big") + part
            for part in (
                b"ECDH-ES+A256KW",
                b64u_decode(header.get("apu", ""), what="apu"),
                b64u_decode(header.get("apv", ""), what="apv"),
            )
        ) + (256).to_bytes(4, "big")
        kek = ConcatKDFHash(hashes.SHA256(), 32, other_info).derive(shared)
        return aes_key_unwrap(kek, b64u_decode(entry["encrypted_key"], what="encrypted_key"))
    except (ValueError, InvalidUnwrap) as error:
        raise Mismatch("ECDH-ES+A256KW unwrap of the CEK failed") from error


def decrypt_jwe(jwe: dict[str, Any], keys: NodeKeys, prof: Profile) -> bytes:
    """The plaintext of `jwe` for this node; Mismatch (or InputError) when anything is off.

    The content AAD is the received encoded protected header, byte for byte (RFC 7516 §5.2).
    """
    cek = unwrap_classic_cek(jwe, keys) if prof.name == CLASSIC else unwrap_cek(jwe, keys, prof)
    iv = b64u_decode(jwe["iv"], what="iv")
    tag = b64u_decode(jwe["tag"], what="tag")
    if len(iv) != 12 or len(tag) != 16 or len(cek) != 32:
        raise Mismatch("iv, tag or CEK has the wrong length")
    try:
        return AESGCM(cek).decrypt(
            iv,
            b64u_decode(jwe["ciphertext"], what="ciphertext") + tag,
            jwe["protected"].encode("ascii"),
        )
    except Exception as error:
        raise Mismatch("content decryption failed") from error


# --- JWS ------------------------------------------------------------------------------------


def _sign_one(key: SignPrivate, data: bytes) -> bytes:
    if isinstance(key, _PQ_SIGNERS):
        PQ_SIGNATURES["sign"] += 1
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = utils.decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA384())))
        return r.to_bytes(48, "big") + s.to_bytes(48, "big")
    return key.sign(data)


def _verify_one(key: SignPublic, data: bytes, signature: bytes) -> None:
    if isinstance(key, _PQ_VERIFIERS):
        PQ_SIGNATURES["verify"] += 1
    if isinstance(key, ec.EllipticCurvePublicKey):
        if len(signature) != 96:
            raise InvalidSignature
        der = utils.encode_dss_signature(
            int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big")
        )
        key.verify(der, data, ec.ECDSA(hashes.SHA384()))
    else:
        key.verify(signature, data)


def sign_jws(payload: bytes, keys: NodeKeys, prof: Profile) -> dict[str, Any]:
    """JWS General JSON over `payload`, one signature per algorithm of the profile."""
    kid = keys.key_id
    first = keys.signers[0]
    if prof.name == CLASSIC and isinstance(first, ed25519.Ed25519PrivateKey):
        key = first
        jwk = {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64u(key.public_key().public_bytes_raw()),
            "d": b64u(key.private_bytes_raw()),
        }
        members = [{"protected": {"alg": "Ed25519", "kid": kid}}]
        return dict(
            jf_jws.serialize_json(members, payload, OKPKey.import_key(jwk), algorithms=["Ed25519"])  # type: ignore[arg-type]
        )
    payload_b64 = b64u(payload)
    signatures = []
    for alg, signer in zip(prof.signature_algs, keys.signers, strict=True):
        prot = protected_b64({"alg": alg, "kid": kid})
        signature = _sign_one(signer, f"{prot}.{payload_b64}".encode("ascii"))
        signatures.append({"protected": prot, "signature": b64u(signature)})
    return {"payload": payload_b64, "signatures": signatures}


def verify_jws(jws: Any, sender: PublicKeys, prof: Profile) -> bytes:
    """The payload of `jws` once every signature of the profile verified under `sender`'s keys.

    Exactly one signature per profile algorithm, in the profile's order, each with
    `{"alg", "kid"}` protected and `kid` = the sender's key id. Anything else is a Mismatch.
    """
    if not isinstance(jws, dict) or set(jws) != {"payload", "signatures"}:
        raise Mismatch("JWS must have exactly payload and signatures")
    payload_b64, signatures = jws["payload"], jws["signatures"]
    if not isinstance(signatures, list) or len(signatures) != len(prof.signature_algs):
        raise Mismatch("JWS does not carry the profile's signatures")
    payload = b64u_decode(payload_b64, what="JWS payload")
    for alg, key, entry in zip(prof.signature_algs, sender.verifiers, signatures, strict=True):
        if not isinstance(entry, dict) or set(entry) != {"protected", "signature"}:
            raise Mismatch("JWS signature entry must have exactly protected and signature")
        prot_b64 = entry["protected"]
        header = json.loads(b64u_decode(prot_b64, what="JWS protected header"))
        if header != {"alg": alg, "kid": sender.key_id}:
            raise Mismatch(f"JWS protected header is not {alg} by the sender")
        signature = b64u_decode(entry["signature"], what="JWS signature")
        if prof.name == CLASSIC:
            _verify_classic(jws, sender)
            continue
        try:
            _verify_one(key, f"{prot_b64}.{payload_b64}".encode("ascii"), signature)
        except InvalidSignature:
            raise Mismatch(f"{alg} signature did not verify") from None
    return payload


def _verify_classic(jws: dict[str, Any], sender: PublicKeys) -> None:
    key = OKPKey.import_key(sender.jwks["sig"][0])
    try:
        jf_jws.deserialize_json(jws, key, algorithms=["Ed25519"])  # type: ignore[call-overload]
    except (JoseError, ValueError) as error:
        raise Mismatch("Ed25519 signature did not verify") from error
