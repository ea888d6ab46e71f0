"""Make tests/vectors/seal/envelopes.json: fixed keys, fixed CEK and IV, one envelope per profile.

Run from the repository root: `.venv/bin/python tests/vectors/seal/make_vectors.py`.

Keys come from fixed seeds (ML-KEM: the 64-byte FIPS 203 seed d||z; ML-DSA: the 32-byte FIPS 204
seed ξ; X25519/Ed25519: RFC 7748/8032 private bytes; P-256/P-384: a fixed scalar), so cards and
their fingerprints are reproducible: the TLS certificate on each card is signed with
deterministic ECDSA (RFC 6979) over a serial derived from the key, valid from NOW. The CEK and
content IV are fixed through the private `_cek`/`_iv` hook, so each JWE's `ciphertext` and
`tag` are reproducible too. What stays random by design: HPKE encapsulation (`ek`,
`encrypted_key`), ML-DSA's hedged signatures and ECDSA's nonces, and everything joserfc draws
for `classic`. Such fields are checked by opening.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa, mlkem, x25519

from gsomia.seal import NodeKeys, make_card, seal_envelope
from gsomia.seal.jose import recipient_structure
from gsomia.seal.link_keys import make_certificate

HERE = Path(__file__).parent
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
CEK = bytes(range(32))
IV = bytes.fromhex("000102030405060708090a0b")
CONTENT = b"DPRK launch track 0412Z, bearing 085, apogee 780 km"
LABEL = {
    "policy": "urn:gsomia:policy:KOR",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}


def seed(name: str, size: int) -> bytes:
    """A fixed seed: SHAKE-256 of the name (so the vector file stays readable)."""
    return hashlib.shake_256(name.encode()).digest(size)


def keys_from_seeds(profile: str, seeds: dict[str, str]) -> NodeKeys:
    """NodeKeys of `profile` from hex seeds."""
    b = {k: bytes.fromhex(v) for k, v in seeds.items()}
    curve = ec.SECP384R1() if profile == "cnsa2" else ec.SECP256R1()
    tls_key = ec.derive_private_key(int.from_bytes(b["tls"]), curve)
    link = (
        tls_key,
        make_certificate(tls_key, nation=None, not_before=NOW),
        b["storage"],
    )
    if profile == "pq":
        return NodeKeys(
            "pq",
            (
                mlkem.MLKEM768PrivateKey.from_seed_bytes(b["mlkem768"]),
                x25519.X25519PrivateKey.from_private_bytes(b["x25519"]),
            ),
            (
                ed25519.Ed25519PrivateKey.from_private_bytes(b["ed25519"]),
                mldsa.MLDSA65PrivateKey.from_seed_bytes(b["mldsa65"]),
            ),
            *link,
        )
    if profile == "cnsa2":
        return NodeKeys(
            "cnsa2",
            (
                mlkem.MLKEM1024PrivateKey.from_seed_bytes(b["mlkem1024"]),
                ec.derive_private_key(int.from_bytes(b["p384_kem"]), ec.SECP384R1()),
            ),
            (
                ec.derive_private_key(int.from_bytes(b["p384_sig"]), ec.SECP384R1()),
                mldsa.MLDSA87PrivateKey.from_seed_bytes(b["mldsa87"]),
            ),
            *link,
        )
    return NodeKeys(
        "classic",
        (x25519.X25519PrivateKey.from_private_bytes(b["x25519"]),),
        (ed25519.Ed25519PrivateKey.from_private_bytes(b["ed25519"]),),
        *link,
    )


SEED_SIZES = {
    "pq": {"mlkem768": 64, "x25519": 32, "ed25519": 32, "mldsa65": 32, "tls": 31, "storage": 32},
    "cnsa2": {
        "mlkem1024": 64,
        "p384_kem": 47,
        "p384_sig": 47,
        "mldsa87": 32,
        "tls": 47,
        "storage": 32,
    },
    "classic": {"x25519": 32, "ed25519": 32, "tls": 31, "storage": 32},
}


def make() -> dict[str, Any]:
    vectors: dict[str, Any] = {
        "source": "tests/vectors/seal/make_vectors.py (gsomia); formats in docs/adr/0020-0022",
        "recipient_structure_A256GCM": recipient_structure("A256GCM").hex(),
        "cek": CEK.hex(),
        "iv": IV.hex(),
        "content": CONTENT.hex(),
        "label": LABEL,
        "sealed_at": NOW.isoformat(),
        "profiles": {},
    }
    for profile, sizes in SEED_SIZES.items():
        nodes: dict[str, dict[str, Any]] = {}
        for nation in ("KOR", "JPN"):
            seeds = {k: seed(f"{profile}/{nation}/{k}", n).hex() for k, n in sizes.items()}
            keys = keys_from_seeds(profile, seeds)
            card = make_card(keys, nation=nation, name=f"{nation} vector node", created=NOW)
            nodes[nation] = {"seeds": seeds, "card": card.to_json(), "keys": keys}
        envelope = seal_envelope(
            CONTENT, label=LABEL, keys=nodes["KOR"]["keys"],
            recipients=[make_card(nodes["JPN"]["keys"], nation="JPN",
                                  name="JPN vector node", created=NOW)],
            now=NOW, media_type="text/plain", envelope_id=f"vector-{profile}",
            _cek=CEK, _iv=IV,
        )  # fmt: skip
        vectors["profiles"][profile] = {
            "sender": {k: v for k, v in nodes["KOR"].items() if k != "keys"},
            "recipient": {k: v for k, v in nodes["JPN"].items() if k != "keys"},
            "envelope": json.loads(envelope),
        }
    return vectors


if __name__ == "__main__":
    out = HERE / "envelopes.json"
    out.write_text(json.dumps(make(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")  # noqa: T201 - a script reporting what it wrote
