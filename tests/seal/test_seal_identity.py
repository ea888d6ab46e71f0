"""Identity cards: round trip, fingerprint, and every member validated on load."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from gsomia.errors import InputError
from gsomia.seal import (
    fingerprint_groups,
    generate_node_keys,
    make_card,
    parse_card,
    parse_held_card,
)
from gsomia.seal.encoding import b64u, b64u_decode, canonical_json

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # as in conftest.py
LABEL = {
    "policy": "urn:gsomia:policy:KOR-JPN:2016",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}


def test_card_round_trips_with_its_fingerprint(nodes: dict[tuple[str, str], Any]) -> None:
    node = nodes["pq", "KOR"]
    card = parse_card(node.card.to_bytes())
    assert card == node.card
    body = json.loads(node.card.to_bytes())
    fingerprint = body.pop("fingerprint")
    assert fingerprint == hashlib.sha256(canonical_json(body)).hexdigest()
    assert card.key_id == node.keys.key_id


def test_fingerprint_is_grouped_for_reading_aloud() -> None:
    assert fingerprint_groups("ab12cd34ef") == "AB12 CD34 EF"


def _tamper(card: bytes, member: str, value: Any) -> bytes:
    raw = json.loads(card)
    raw[member] = value
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("member", "value", "problem"),
    [
        ("nation", "Korea", "ISO 3166"),
        ("name", "", "name"),
        ("endpoints", ["ftp://x"], "endpoint"),
        ("created", "yesterday", "created"),
        ("profile", "quantum", "profile"),
        ("type", "card", "type"),
        ("key_id", "AAAA", "key_id"),
        ("fingerprint", "00" * 32, "fingerprint"),
        ("keys", {"kem": {}, "sig": []}, "signature keys"),
    ],
)
def test_bad_member_is_named(
    nodes: dict[tuple[str, str], Any], member: str, value: Any, problem: str
) -> None:
    with pytest.raises(InputError, match=problem):
        parse_card(_tamper(nodes["pq", "KOR"].card.to_bytes(), member, value))


def test_other_name_changes_the_fingerprint(nodes: dict[tuple[str, str], Any]) -> None:
    node = nodes["pq", "KOR"]
    other = make_card(node.keys, nation="KOR", name="other", created=NOW)
    assert other.fingerprint != node.card.fingerprint
    with pytest.raises(InputError, match="fingerprint"):
        parse_card(_tamper(node.card.to_bytes(), "name", "other"))


def test_short_public_key_is_refused(nodes: dict[tuple[str, str], Any]) -> None:
    raw = json.loads(nodes["pq", "KOR"].card.to_bytes())
    raw["keys"]["kem"]["pub"] = b64u(b64u_decode(raw["keys"]["kem"]["pub"])[:-6])
    with pytest.raises(InputError, match="1216 bytes"):
        parse_card(json.dumps(raw).encode())


def test_duplicate_keys_in_card_json_are_refused(nodes: dict[tuple[str, str], Any]) -> None:
    text = nodes["pq", "KOR"].card.to_bytes().decode()
    with pytest.raises(InputError, match="duplicate"):
        parse_card(text.replace('"name":', '"name": "x", "name":', 1))


# --- v2: the TLS certificate on the card -----------------------------------------------------


def _as_v1(card: bytes) -> bytes:
    """The same card as the first version made it: no `tls`, type /1, its own fingerprint."""
    raw = json.loads(card)
    del raw["tls"], raw["fingerprint"]
    raw["type"] = "gsomia-identity/1"
    raw["fingerprint"] = hashlib.sha256(canonical_json(raw)).hexdigest()
    return json.dumps(raw).encode()


@pytest.mark.parametrize(("profile", "curve"), [("pq", 256), ("classic", 256), ("cnsa2", 384)])
def test_the_card_carries_the_tls_certificate_and_its_pin(
    nodes: dict[tuple[str, str], Any], profile: str, curve: int
) -> None:
    node = nodes[profile, "KOR"]
    raw = json.loads(node.card.to_bytes())
    assert raw["type"] == "gsomia-identity/2"
    der = base64.b64decode(raw["tls"])
    assert der == node.card.tls_certificate == node.keys.tls_certificate
    certificate = x509.load_der_x509_certificate(der)
    public = certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.key_size == curve
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert node.card.tls_pin == hashlib.sha256(spki).hexdigest()


def test_the_fingerprint_covers_the_tls_certificate(nodes: dict[tuple[str, str], Any]) -> None:
    card = nodes["pq", "KOR"].card.to_bytes()
    other = json.loads(nodes["pq", "JPN"].card.to_bytes())["tls"]
    with pytest.raises(InputError, match="fingerprint"):
        parse_card(_tamper(card, "tls", other))


@pytest.mark.parametrize(
    ("value", "problem"),
    [("not base64!", "not base64"), (base64.b64encode(b"junk").decode(), "not a valid self")],
)
def test_a_bad_tls_member_is_named(
    nodes: dict[tuple[str, str], Any], value: str, problem: str
) -> None:
    with pytest.raises(InputError, match=problem):
        parse_card(_tamper(nodes["pq", "KOR"].card.to_bytes(), "tls", value))


def test_a_tls_key_of_the_wrong_curve_is_refused(nodes: dict[tuple[str, str], Any]) -> None:
    p384 = json.loads(nodes["cnsa2", "KOR"].card.to_bytes())["tls"]
    with pytest.raises(InputError, match="secp256r1"):
        parse_card(_tamper(nodes["pq", "KOR"].card.to_bytes(), "tls", p384))


def test_a_v1_card_is_refused_saying_what_to_do(nodes: dict[tuple[str, str], Any]) -> None:
    old = _as_v1(nodes["pq", "JPN"].card.to_bytes())
    with pytest.raises(InputError) as refused:
        parse_card(old)
    message = str(refused.value)
    assert "made before nodes pinned each other's TLS keys" in message
    assert "ask JPN's operator for its new card: `gsomia identity export`" in message


def test_a_v1_card_held_as_evidence_still_reads(nodes: dict[tuple[str, str], Any]) -> None:
    node = nodes["pq", "JPN"]
    held = parse_held_card(_as_v1(node.card.to_bytes()))
    assert held.tls_certificate is None
    assert held.key_id == node.card.key_id  # what it verified, it still verifies
    assert held.to_bytes() == parse_held_card(held.to_bytes()).to_bytes()
    with pytest.raises(InputError, match="made before"):
        _ = held.tls_pin


def test_the_tls_certificate_is_a_ten_year_end_entity_for_both_ends(tmp_path: Any) -> None:
    keys = generate_node_keys("pq", nation="KOR", hosts=["kor.example", "10.0.0.7"], now=NOW)
    certificate = x509.load_der_x509_certificate(keys.tls_certificate)
    assert certificate.subject.rfc4514_string() == "CN=gsomia node KOR"
    assert certificate.issuer == certificate.subject
    assert certificate.not_valid_before_utc == NOW.replace(microsecond=0)
    assert (certificate.not_valid_after_utc - NOW).days >= 3650
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost", "kor.example"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == [
        "127.0.0.1",
        "::1",
        "10.0.0.7",
    ]
    basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical
    assert not basic.value.ca
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign
    purposes = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(purposes) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
