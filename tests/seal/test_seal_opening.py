"""One opening sequence for envelopes and streams: each refusal is the same in both."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gsomia.seal import EnvelopeError, open_envelope, open_stream, seal_envelope, seal_stream
from gsomia.seal.encoding import b64u
from gsomia.seal.stream import MAGIC, MIN_CHUNK

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # as in conftest.py
LABEL = {"policy": "urn:gsomia:policy:KOR-JPN:2016", "purpose": "missile warning"}

Nodes = dict[tuple[str, str], Any]  # conftest.Node: keys and card
#: Seals `content` from `sender` to `to` in `profile`; opens `data` as `who` with options.
Sealer = Callable[[Nodes, str, str, str], bytes]
Opener = Callable[..., Any]


def _seal_envelope(nodes: Nodes, profile: str, sender: str, to: str) -> bytes:
    return seal_envelope(
        b"DPRK launch track",
        label=LABEL,
        keys=nodes[profile, sender].keys,
        recipients=[nodes[profile, to].card],
        now=NOW,
    )


def _seal_stream(nodes: Nodes, profile: str, sender: str, to: str) -> bytes:
    out = io.BytesIO()
    seal_stream(
        io.BytesIO(b"DPRK launch track"),
        out,
        label=LABEL,
        keys=nodes[profile, sender].keys,
        recipients=[nodes[profile, to].card],
        now=NOW,
        chunk_size=MIN_CHUNK,
    )
    return out.getvalue()


def _open_envelope(nodes: Nodes, data: bytes, profile: str, who: str, **kw: Any) -> Any:
    return open_envelope(data, keys=nodes[profile, who].keys, **kw)


def _open_stream(nodes: Nodes, data: bytes, profile: str, who: str, **kw: Any) -> Any:
    out = io.BytesIO()
    try:
        return open_stream(io.BytesIO(data), out, keys=nodes[profile, who].keys, **kw)
    finally:
        assert out.getvalue() in (b"", b"DPRK launch track")


WAYS = pytest.mark.parametrize(
    ("seal", "open_"),
    [(_seal_envelope, _open_envelope), (_seal_stream, _open_stream)],
    ids=["envelope", "stream"],
)


def _refusal(nodes: Nodes, seal: Sealer, open_: Opener, **case: Any) -> str:
    profile = case.pop("profile", "pq")
    data = seal(nodes, profile, case.pop("sender", "KOR"), case.pop("to", "JPN"))
    case.setdefault("senders", [nodes[profile, "KOR"].card])
    with pytest.raises(EnvelopeError) as caught:
        open_(nodes, case.pop("edit", bytes)(data), profile, case.pop("who", "JPN"), **case)
    reason: str = caught.value.reason
    return reason


@WAYS
def test_every_opening_refusal_is_the_same_for_envelopes_and_streams(
    nodes: Nodes, seal: Sealer, open_: Opener
) -> None:
    kor, usa = nodes["pq", "KOR"].card, nodes["pq", "USA"].card
    cases: list[tuple[dict[str, Any], str]] = [
        ({"senders": [usa]}, "is not a trusted sender"),
        ({"revoked": {kor.key_id}}, "is revoked"),
    ]
    for case, words in cases:
        assert words in _refusal(nodes, seal, open_, **case)


@WAYS
def test_a_signer_of_a_profile_not_allowed_here_is_refused(
    nodes: Nodes, seal: Sealer, open_: Opener
) -> None:
    data = seal(nodes, "classic", "KOR", "JPN")
    senders = [nodes["classic", "KOR"].card]
    with pytest.raises(EnvelopeError) as caught:
        open_(nodes, data, "classic", "JPN", senders=senders, allowed_profiles={"pq", "cnsa2"})
    assert "profile classic is not allowed here" in caught.value.reason


def _stream_jws(data: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """`data` with its trailer's JWS changed by `edit`."""
    frames, pos = [], len(MAGIC)
    while pos < len(data):
        kind, size = struct.unpack(">cI", data[pos : pos + 5])
        frames.append((kind, data[pos + 5 : pos + 5 + size]))
        pos += 5 + size
    trailer = json.loads(frames[-1][1])
    edit(trailer["jws"])
    frames[-1] = (b"S", json.dumps(trailer).encode())
    return MAGIC + b"".join(struct.pack(">cI", k, len(b)) + b for k, b in frames)


def _envelope_jws(data: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    envelope = json.loads(data)
    edit(envelope["jws"])
    return json.dumps(envelope).encode()


def _kid_list(jws: dict[str, Any]) -> None:
    jws["signatures"][0]["protected"] = b64u(b'{"alg": "Ed25519", "kid": ["x"]}')


@pytest.mark.parametrize(
    ("seal", "open_", "edit"),
    [
        (_seal_envelope, _open_envelope, lambda d: _envelope_jws(d, _kid_list)),
        (_seal_stream, _open_stream, lambda d: _stream_jws(d, _kid_list)),
    ],
    ids=["envelope", "stream"],
)
def test_a_key_id_that_is_not_a_string_is_refused_not_a_crash(
    nodes: Nodes, seal: Sealer, open_: Opener, edit: Callable[[bytes], bytes]
) -> None:
    """It used to escape as a TypeError (unhashable), failing a partner's whole batch."""
    assert "names no key id" in _refusal(nodes, seal, open_, edit=edit)
