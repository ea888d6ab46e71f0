"""In-memory envelopes: round trip in every profile, and every kind of failure is one error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gsomia.errors import UsageError, VerificationError
from gsomia.seal import ALL_PROFILES, EnvelopeError, open_envelope, seal_envelope
from gsomia.seal.encoding import b64u, b64u_decode
from gsomia.seal.opening import GENERIC_MESSAGE

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # as in conftest.py
LABEL = {
    "policy": "urn:gsomia:policy:KOR-JPN:2016",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}


class Blob(bytes):
    """Bytes with a short repr (a sealed envelope shown in a Hypothesis report)."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes>"


Nodes = dict[tuple[str, str], Any]  # conftest.Node: keys and card


def seal(
    nodes: Nodes, profile: str = "pq", content: bytes = b"DPRK launch track", **kw: Any
) -> bytes:
    to = kw.pop("to", ("JPN",))
    return seal_envelope(
        content,
        label=kw.pop("label", LABEL),
        keys=nodes[profile, "KOR"].keys,
        recipients=[nodes[profile, n].card for n in to],
        now=NOW,
        **kw,
    )


def open_as(nodes: Nodes, data: bytes, profile: str = "pq", who: str = "JPN", **kw: Any) -> Any:
    kw.setdefault("senders", [nodes[profile, "KOR"].card])
    kw.setdefault("allowed_profiles", ALL_PROFILES)
    return open_envelope(data, keys=nodes[profile, who].keys, **kw)


@pytest.mark.parametrize("profile", ["pq", "cnsa2", "classic"])
def test_round_trip_for_every_recipient(nodes: Nodes, profile: str) -> None:
    data = seal(nodes, profile, to=("JPN", "USA"), media_type="text/plain")
    for who in ("JPN", "USA"):
        opened = open_as(nodes, data, profile, who)
        assert opened.content == b"DPRK launch track"
        assert opened.label == LABEL
        assert opened.media_type == "text/plain"
        assert opened.sender == nodes[profile, "KOR"].card
        assert opened.profile == profile
        assert opened.sealed_at == NOW


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.binary(max_size=4096),
    label=st.dictionaries(
        st.text(max_size=12),
        st.one_of(st.text(max_size=20), st.integers(), st.lists(st.text(max_size=5), max_size=3)),
        max_size=5,
    ),
)
def test_any_content_and_label_round_trip(
    nodes: Nodes, content: bytes, label: dict[str, Any]
) -> None:
    opened = open_as(nodes, seal(nodes, content=content, label=label))
    assert (opened.content, opened.label) == (content, label)


@pytest.fixture(scope="module")
def sealed_pq(nodes: Nodes) -> bytes:
    return Blob(seal(nodes, to=("JPN", "USA")))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(0, 1 << 20), bit=st.integers(0, 7))
def test_flipping_any_bit_fails(nodes: Nodes, sealed_pq: bytes, position: int, bit: int) -> None:
    index = position % len(sealed_pq)
    tampered = bytearray(sealed_pq)
    tampered[index] ^= 1 << bit
    with pytest.raises(EnvelopeError) as caught:
        open_as(nodes, bytes(tampered))
    assert str(caught.value) == GENERIC_MESSAGE


def _edit(data: bytes, path: tuple[Any, ...], change: Any) -> bytes:
    raw = json.loads(data)
    node = raw
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = change(node[path[-1]])
    return json.dumps(raw).encode()


def _flip_b64(text: str) -> str:
    raw = bytearray(b64u_decode(text))
    raw[len(raw) // 2] ^= 1
    return b64u(bytes(raw))


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (("jwe", "ciphertext"), "content decryption failed"),
        (("jwe", "tag"), "content decryption failed"),
        (("jwe", "iv"), "JWE header does not match"),
        (("jwe", "protected"), "JWE header does not match"),
        (("jwe", "recipients", 0, "encrypted_key"), "JWE header does not match"),
        (("jwe", "recipients", 1, "header", "ek"), "JWE header does not match"),
        (("jws", "payload"), "signature did not verify"),
        (("jws", "signatures", 0, "signature"), "Ed25519 signature did not verify"),
        (("jws", "signatures", 1, "signature"), "ML-DSA-65 signature did not verify"),
    ],
)
def test_tampered_field_fails_with_a_reason(
    nodes: Nodes, sealed_pq: bytes, path: tuple[Any, ...], reason: str
) -> None:
    with pytest.raises(EnvelopeError, match=GENERIC_MESSAGE) as caught:
        open_as(nodes, _edit(sealed_pq, path, _flip_b64))
    assert reason in caught.value.reason


def test_tampered_label_fails(nodes: Nodes, sealed_pq: bytes) -> None:
    def relabel(payload: str) -> str:
        binding = json.loads(b64u_decode(payload))
        binding["label"]["classification"] = "대외비"
        return b64u(json.dumps(binding).encode())

    with pytest.raises(EnvelopeError) as caught:
        open_as(nodes, _edit(sealed_pq, ("jws", "payload"), relabel))
    assert "signature did not verify" in caught.value.reason


def test_dropping_one_signature_fails(nodes: Nodes, sealed_pq: bytes) -> None:
    with pytest.raises(EnvelopeError) as caught:
        open_as(nodes, _edit(sealed_pq, ("jws", "signatures"), lambda s: s[:1]))
    assert "profile's signatures" in caught.value.reason


@pytest.mark.parametrize(
    ("kwargs", "who", "reason"),
    [
        ({}, "KOR", "not a recipient"),
        ({"senders": []}, "JPN", "not a trusted sender"),
        ({"revoked": "KOR"}, "JPN", "revoked"),
    ],
)
def test_wrong_recipient_unknown_or_revoked_signer_fail(
    nodes: Nodes, kwargs: dict[str, Any], who: str, reason: str
) -> None:
    data = seal(nodes)
    if kwargs.get("revoked") == "KOR":
        kwargs = {"revoked": {nodes["pq", "KOR"].card.key_id}}
    with pytest.raises(EnvelopeError) as caught:
        open_as(nodes, data, who=who, **kwargs)
    assert reason in caught.value.reason
    assert isinstance(caught.value, VerificationError)


def test_signer_impersonating_a_trusted_kid_fails(nodes: Nodes) -> None:
    """USA signs but names KOR's kid: KOR's keys do not verify USA's signatures."""
    data = seal_envelope(
        b"x", label=LABEL, keys=nodes["pq", "USA"].keys,
        recipients=[nodes["pq", "JPN"].card], now=NOW,
    )  # fmt: skip
    usa_kid, kor_kid = nodes["pq", "USA"].card.key_id, nodes["pq", "KOR"].card.key_id
    forged = data.replace(usa_kid.encode(), kor_kid.encode())
    with pytest.raises(EnvelopeError):
        open_as(nodes, forged)


def test_classic_is_refused_unless_allowed(nodes: Nodes) -> None:
    data = seal(nodes, "classic")
    with pytest.raises(EnvelopeError) as caught:
        open_as(nodes, data, "classic", allowed_profiles={"pq", "cnsa2"})
    assert "not allowed" in caught.value.reason
    with pytest.raises(UsageError, match="not allowed"):
        seal(nodes, "classic", allowed_profiles={"pq"})


def test_profile_clash_and_empty_or_duplicate_recipients_are_usage_errors(nodes: Nodes) -> None:
    with pytest.raises(UsageError, match="profile classic"):
        seal_envelope(
            b"x", label=LABEL, keys=nodes["pq", "KOR"].keys,
            recipients=[nodes["classic", "JPN"].card], now=NOW,
        )  # fmt: skip
    with pytest.raises(UsageError, match="at least one"):
        seal(nodes, to=())
    with pytest.raises(UsageError, match="twice"):
        seal(nodes, to=("JPN", "JPN"))


@pytest.mark.parametrize(
    "garbage", [b"", b"[]", b"{}", b"null", b'{"gsomia":"envelope/1"}', b"\xff"]
)
def test_garbage_fails_the_same_way(nodes: Nodes, garbage: bytes) -> None:
    with pytest.raises(EnvelopeError, match=GENERIC_MESSAGE):
        open_as(nodes, garbage)
