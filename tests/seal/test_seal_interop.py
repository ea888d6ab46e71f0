"""The format is standard: an independent JOSE implementation (jwcrypto) reads and writes our
envelopes, and pure-Python ML-KEM (kyber-py) and ML-DSA (dilithium-py) agree with the
primitives the post-quantum profiles use. The HPKE hybrid combiner (X-Wing) is not in kyber-py,
so the ML-KEM-768 component is checked on its own."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import mldsa, mlkem
from dilithium_py.ml_dsa import ML_DSA_65, ML_DSA_87
from jwcrypto import jwe as jc_jwe
from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws
from kyber_py.ml_kem import ML_KEM_768

from gsomia.seal import ALL_PROFILES, open_envelope, seal_envelope
from gsomia.seal.binding import jwe_digest, make_binding
from gsomia.seal.encoding import b64u, b64u_decode, canonical_json
from gsomia.seal.keys import NodeKeys
from gsomia.seal.profiles import PROFILES

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # as in conftest.py
LABEL = {
    "policy": "urn:gsomia:policy:KOR-JPN:2016",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}

Nodes = dict[tuple[str, str], Any]  # conftest.Node: keys and card


def _okp_private(keys: NodeKeys, which: str) -> jc_jwk.JWK:
    key: Any = keys.kem[0] if which == "kem" else keys.signers[0]
    crv = "X25519" if which == "kem" else "Ed25519"
    return jc_jwk.JWK(
        kty="OKP",
        crv=crv,
        x=b64u(key.public_key().public_bytes_raw()),
        d=b64u(key.private_bytes_raw()),
    )


def test_classic_envelope_from_gsomia_opens_in_jwcrypto(nodes: Nodes) -> None:
    kor, jpn = nodes["classic", "KOR"], nodes["classic", "JPN"]
    usa = nodes["classic", "USA"]
    data = seal_envelope(
        b"launch track", label=LABEL, keys=kor.keys, recipients=[jpn.card, usa.card], now=NOW
    )
    envelope = json.loads(data)
    token = jc_jwe.JWE()
    token.deserialize(json.dumps(envelope["jwe"]), key=_okp_private(jpn.keys, "kem"))
    assert token.payload == b"launch track"
    signed = jc_jws.JWS()
    signed.deserialize(json.dumps(envelope["jws"]))
    signed.verify(jc_jwk.JWK(**kor.card.keys.jwks["sig"][0]), alg="Ed25519")
    binding = json.loads(signed.payload)
    assert binding["label"] == LABEL
    assert b64u_decode(binding["content"]["digest"]) == hashlib.sha256(b"launch track").digest()


def _jwcrypto_seal(kor: Any, recipients: list[Any], content: bytes) -> bytes:
    """An envelope made by jwcrypto alone, apart from gsomia's binding JSON."""
    token = jc_jwe.JWE(content, protected=json.dumps({"enc": "A256GCM", "cty": "text/plain"}))
    for node in recipients:
        token.add_recipient(
            jc_jwk.JWK(**node.card.keys.jwks["kem"]),
            header=json.dumps({"alg": "ECDH-ES+A256KW", "kid": node.card.key_id}),
        )
    jwe = json.loads(token.serialize())
    prof = PROFILES["classic"]
    payload = make_binding(
        envelope_id="jwcrypto-1",
        prof=prof,
        sealed_at=NOW,
        sender=kor.card.key_id,
        recipients=[n.card.key_id for n in recipients],
        label=LABEL,
        canonical_label=canonical_json,
        digest=hashlib.sha256(content).digest(),
        length=len(content),
        media_type="text/plain",
        jwe_digest=jwe_digest(jwe, prof),
    )
    signed = jc_jws.JWS(payload)
    signed.add_signature(
        _okp_private(kor.keys, "sig"),
        alg="Ed25519",
        protected=json.dumps({"alg": "Ed25519", "kid": kor.card.key_id}),
    )
    flat = json.loads(signed.serialize())  # jwcrypto writes one signature flattened (§7.2.2)
    jws = {"payload": flat.pop("payload"), "signatures": [flat]}  # the same JWS, general form
    return json.dumps({"gsomia": "envelope/1", "jwe": jwe, "jws": jws}).encode()


def test_classic_envelope_from_jwcrypto_opens_in_gsomia(nodes: Nodes) -> None:
    kor, jpn, usa = (nodes["classic", n] for n in ("KOR", "JPN", "USA"))
    data = _jwcrypto_seal(kor, [jpn, usa], b"early warning")
    opened = open_envelope(data, keys=usa.keys, senders=[kor.card], allowed_profiles=ALL_PROFILES)
    assert (opened.content, opened.label, opened.envelope_id) == (
        b"early warning",
        LABEL,
        "jwcrypto-1",
    )


def test_pq_signatures_verify_in_jwcrypto(nodes: Nodes) -> None:
    kor, jpn = nodes["pq", "KOR"], nodes["pq", "JPN"]
    data = seal_envelope(b"x", label=LABEL, keys=kor.keys, recipients=[jpn.card], now=NOW)
    jws = json.loads(data)["jws"]
    for entry, jwk in zip(jws["signatures"], kor.card.keys.jwks["sig"], strict=True):
        alg = json.loads(b64u_decode(entry["protected"]))["alg"]
        single = jc_jws.JWS()
        single.deserialize(json.dumps({"payload": jws["payload"], **entry}))
        single.verify(jc_jwk.JWK(**jwk), alg=alg)


@pytest.mark.parametrize(("profile", "oracle"), [("pq", ML_DSA_65), ("cnsa2", ML_DSA_87)])
def test_envelope_ml_dsa_signature_verifies_under_dilithium_py(
    nodes: Nodes, profile: str, oracle: Any
) -> None:
    kor, jpn = nodes[profile, "KOR"], nodes[profile, "JPN"]
    data = seal_envelope(b"x", label=LABEL, keys=kor.keys, recipients=[jpn.card], now=NOW)
    jws = json.loads(data)["jws"]
    entry = jws["signatures"][1]
    signing_input = f"{entry['protected']}.{jws['payload']}".encode()
    public = b64u_decode(kor.card.keys.jwks["sig"][1]["pub"])
    signature = b64u_decode(entry["signature"])
    assert oracle.verify(public, signing_input, signature)
    assert not oracle.verify(public, signing_input + b"!", signature)


def test_dilithium_py_signature_verifies_under_cryptography() -> None:
    public, secret = ML_DSA_65.keygen()
    signature = ML_DSA_65.sign(secret, b"binding")
    mldsa.MLDSA65PublicKey.from_public_bytes(public).verify(signature, b"binding")


def test_ml_kem_768_agrees_with_kyber_py_both_ways() -> None:
    ek, dk = ML_KEM_768.keygen()
    shared, ciphertext = mlkem.MLKEM768PublicKey.from_public_bytes(ek).encapsulate()
    assert ML_KEM_768.decaps(dk, ciphertext) == shared

    ours = mlkem.MLKEM768PrivateKey.generate()
    shared, ciphertext = ML_KEM_768.encaps(ours.public_key().public_bytes_raw())
    assert ours.decapsulate(ciphertext) == shared


def test_card_ml_kem_component_is_usable_by_kyber_py(nodes: Nodes) -> None:
    """The first 1184 bytes of a pq card's KEM key are a plain ML-KEM-768 encapsulation key."""
    jpn = nodes["pq", "JPN"]
    ek = b64u_decode(jpn.card.keys.jwks["kem"]["pub"])[:1184]
    shared, ciphertext = ML_KEM_768.encaps(ek)
    assert jpn.keys.kem[0].decapsulate(ciphertext) == shared
