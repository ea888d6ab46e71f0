"""Stream envelopes: any size, bounded memory, nothing released before verification."""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gsomia.errors import UsageError
from gsomia.seal import ALL_PROFILES, EnvelopeError, stream
from gsomia.seal.stream import MAGIC, MIN_CHUNK, open_file, open_stream, seal_stream

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # as in conftest.py
LABEL = {
    "policy": "urn:gsomia:policy:KOR-JPN:2016",
    "classification": "군사II급비밀",
    "releasable_to": ["JPN", "KOR"],
    "purpose": "missile warning",
}

Nodes = dict[tuple[str, str], Any]  # conftest.Node: keys and card
CHUNK = MIN_CHUNK


def seal(nodes: Nodes, content: bytes, profile: str = "pq", **kw: Any) -> bytes:
    out = io.BytesIO()
    seal_stream(
        io.BytesIO(content),
        out,
        label=LABEL,
        keys=nodes[profile, "KOR"].keys,
        recipients=[nodes[profile, "JPN"].card],
        now=NOW,
        chunk_size=kw.pop("chunk_size", CHUNK),
        **kw,
    )
    return out.getvalue()


def open_(nodes: Nodes, data: bytes, profile: str = "pq", **kw: Any) -> tuple[bytes, Any]:
    out = io.BytesIO()
    kw.setdefault("senders", [nodes[profile, "KOR"].card])
    opened = open_stream(
        io.BytesIO(data), out, keys=nodes[profile, "JPN"].keys, allowed_profiles=ALL_PROFILES, **kw
    )
    return out.getvalue(), opened


def frames(data: bytes) -> list[tuple[bytes, bytes]]:
    """Split a sealed stream into its (type, body) frames."""
    result, pos = [], len(MAGIC)
    while pos < len(data):
        kind, size = struct.unpack(">cI", data[pos : pos + 5])
        result.append((kind, data[pos + 5 : pos + 5 + size]))
        pos += 5 + size
    return result


def join(parts: list[tuple[bytes, bytes]]) -> bytes:
    return MAGIC + b"".join(struct.pack(">cI", k, len(b)) + b for k, b in parts)


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
@pytest.mark.parametrize("profile", ["pq", "classic"])
def test_round_trip_at_chunk_boundaries(nodes: Nodes, size: int, profile: str) -> None:
    content = os.urandom(size)
    data = seal(nodes, content, profile)
    kinds = [k for k, _ in frames(data)]
    assert kinds == [b"H"] + [b"C"] * (
        size // CHUNK if size % CHUNK else max(size // CHUNK - 1, 0)
    ) + [b"F", b"S"]
    plain, opened = open_(nodes, data, profile)
    assert plain == content
    assert opened.length == size
    assert opened.label == LABEL


@pytest.fixture(scope="module")
def three_chunks(nodes: Nodes) -> bytes:
    return seal(nodes, os.urandom(3 * CHUNK + 10))


def _rejects(nodes: Nodes, data: bytes, reason: str) -> None:
    out = io.BytesIO()
    with pytest.raises(EnvelopeError) as caught:
        open_stream(
            io.BytesIO(data), out, keys=nodes["pq", "JPN"].keys, senders=[nodes["pq", "KOR"].card]
        )
    assert reason in caught.value.reason
    assert out.getvalue() == b"", "no plaintext may reach the caller"


def test_truncated_stream_fails(nodes: Nodes, three_chunks: bytes) -> None:
    parts = frames(three_chunks)
    _rejects(nodes, join(parts[:3]), "truncated")
    _rejects(nodes, three_chunks[:-10], "truncated")
    # Dropping the last chunk and relabelling the previous one as final: nonce flag differs.
    _rejects(nodes, join([*parts[:2], (b"F", parts[2][1]), parts[-1]]), "did not authenticate")


def test_reordered_chunks_fail(nodes: Nodes, three_chunks: bytes) -> None:
    parts = frames(three_chunks)
    _rejects(nodes, join([parts[0], parts[2], parts[1], *parts[3:]]), "chunk 0 did not auth")


def test_tampered_chunk_fails_before_anything_is_released(
    nodes: Nodes, three_chunks: bytes
) -> None:
    data = bytearray(three_chunks)
    data[len(data) // 2] ^= 0x40
    _rejects(nodes, bytes(data), "did not authenticate")


def test_extra_data_after_signature_fails(nodes: Nodes, three_chunks: bytes) -> None:
    _rejects(nodes, three_chunks + b"\x00", "after its signature")


def test_stream_from_an_untrusted_sender_releases_nothing(nodes: Nodes) -> None:
    data = seal(nodes, b"secret")
    out = io.BytesIO()
    with pytest.raises(EnvelopeError):
        open_stream(io.BytesIO(data), out, keys=nodes["pq", "JPN"].keys, senders=[])
    assert out.getvalue() == b""


def test_open_file_renames_only_after_verification(nodes: Nodes, tmp_path: Path) -> None:
    data = seal(nodes, b"a" * (CHUNK + 5))
    (tmp_path / "env.gss").write_bytes(data)
    opened = open_file(
        tmp_path / "env.gss", tmp_path / "out.bin",
        keys=nodes["pq", "JPN"].keys, senders=[nodes["pq", "KOR"].card],
    )  # fmt: skip
    assert (tmp_path / "out.bin").read_bytes() == b"a" * (CHUNK + 5)
    assert opened.length == CHUNK + 5
    (tmp_path / "bad.gss").write_bytes(data[:-1])
    with pytest.raises(EnvelopeError):
        open_file(
            tmp_path / "bad.gss", tmp_path / "bad.bin",
            keys=nodes["pq", "JPN"].keys, senders=[nodes["pq", "KOR"].card],
        )  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.gss", "env.gss", "out.bin"]


def test_chunk_size_out_of_range_is_a_usage_error(nodes: Nodes) -> None:
    with pytest.raises(UsageError, match="chunk_size"):
        seal(nodes, b"x", chunk_size=1024)


@pytest.mark.parametrize("limit", [0, CHUNK + 5, 1 << 30])
def test_content_past_the_memory_spool_spills_to_a_file_and_arrives_whole(
    nodes: Nodes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """Held in memory, spilled at once, or spilled after the first chunk: the same content."""
    monkeypatch.setattr(stream, "SPOOL_IN_MEMORY", limit)
    content = os.urandom(3 * CHUNK + 10)
    out = io.BytesIO()
    opened = open_stream(
        io.BytesIO(seal(nodes, content)),
        out,
        keys=nodes["pq", "JPN"].keys,
        senders=[nodes["pq", "KOR"].card],
        spool_dir=tmp_path,
    )
    assert out.getvalue() == content
    assert opened.length == len(content)
    assert list(tmp_path.iterdir()) == []  # the spill file is anonymous and gone


class _Trickle:
    """A reader that hands out at most `step` bytes a call, as pipes and sockets do; with
    `readinto` or (like some wrappers) without it."""

    def __init__(self, data: bytes, step: int, *, readinto: bool) -> None:
        self._data, self._pos, self._step = data, 0, step
        if readinto:
            self.readinto = self._readinto

    def read(self, size: int = -1) -> bytes:
        size = self._step if size < 0 else min(size, self._step)
        part = self._data[self._pos : self._pos + size]
        self._pos += len(part)
        return part

    def _readinto(self, buffer: memoryview) -> int:
        part = self.read(len(buffer))
        buffer[: len(part)] = part
        return len(part)


@pytest.mark.parametrize("readinto", [True, False])
def test_short_reads_seal_and_open_the_same_content(nodes: Nodes, readinto: bool) -> None:
    content = os.urandom(2 * CHUNK + 17)
    sealed = io.BytesIO()
    seal_stream(
        _Trickle(content, 4093, readinto=readinto),  # type: ignore[arg-type]
        sealed,
        label=LABEL,
        keys=nodes["pq", "KOR"].keys,
        recipients=[nodes["pq", "JPN"].card],
        now=NOW,
        chunk_size=CHUNK,
    )
    assert [kind for kind, _ in frames(sealed.getvalue())] == [b"H", b"C", b"C", b"F", b"S"]
    out = io.BytesIO()
    open_stream(
        _Trickle(sealed.getvalue(), 4093, readinto=readinto),  # type: ignore[arg-type]
        out,
        keys=nodes["pq", "JPN"].keys,
        senders=[nodes["pq", "KOR"].card],
    )
    assert out.getvalue() == content


def test_a_chunk_frame_too_short_for_its_tag_is_refused(nodes: Nodes) -> None:
    parts = frames(seal(nodes, os.urandom(10)))
    _rejects(nodes, join([parts[0], (b"F", b"short"), parts[-1]]), "wrong size")


def _tampered(nodes: Nodes, data: bytes) -> dict[str, bytes]:
    """The attack's tamperings of a three-chunk stream (ADR 0129), each a stream that must not
    open: since ADR 0125 chunks are decrypted in place into reused buffers, so each is tried
    against every sink (memory spool, spill file, `open_file`)."""
    parts = frames(data)
    other = frames(seal(nodes, os.urandom(3 * CHUNK + 10)))  # same sender, same recipient
    tag = bytearray(parts[2][1])
    tag[-1] ^= 0x01  # the tag alone
    big = struct.pack(">cI", b"C", CHUNK + 17) + b"\x00" * (CHUNK + 17)
    return {
        "chunk from another stream": join([*parts[:2], other[2], *parts[3:]]),
        "tag flipped": join([*parts[:2], (b"C", bytes(tag)), *parts[3:]]),
        "last chunk dropped": join([*parts[:3], parts[-1]]),
        "final chunk repeated": join([*parts[:-1], parts[-2], parts[-1]]),
        "a chunk twice": join([parts[0], parts[1], parts[1], *parts[2:]]),
        "oversized frame": data[: len(MAGIC) + 5 + len(parts[0][1])] + big,
        "other stream's trailer": join([*parts[:-1], other[-1]]),
    }


@pytest.mark.parametrize("limit", [0, CHUNK + 5, 1 << 30])
def test_no_tampering_opens_nor_releases_a_byte_from_any_sink(
    nodes: Nodes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(stream, "SPOOL_IN_MEMORY", limit)
    data = seal(nodes, os.urandom(3 * CHUNK + 10))
    for what, bad in _tampered(nodes, data).items():
        out = io.BytesIO()
        with pytest.raises(EnvelopeError):
            open_stream(
                io.BytesIO(bad), out, keys=nodes["pq", "JPN"].keys,
                senders=[nodes["pq", "KOR"].card], spool_dir=tmp_path,
            )  # fmt: skip
        assert out.getvalue() == b"", what
        assert list(tmp_path.iterdir()) == [], what
        (tmp_path / "bad.gss").write_bytes(bad)
        with pytest.raises(EnvelopeError):
            open_file(
                tmp_path / "bad.gss", tmp_path / "bad.bin",
                keys=nodes["pq", "JPN"].keys, senders=[nodes["pq", "KOR"].card],
            )  # fmt: skip
        assert [p.name for p in tmp_path.iterdir()] == ["bad.gss"], what
        (tmp_path / "bad.gss").unlink()


class _SlowSha256:
    """SHA-256 that lets go of the GIL and takes its time on every chunk, so that a caller
    reusing a buffer before `_Digest.hashed` allowed it would change what gets hashed."""

    def __init__(self, data: bytes = b"") -> None:
        self._hash = hashlib.sha256(data)

    def update(self, data: Any) -> None:
        time.sleep(0.002)  # the hashing thread falls behind the caller
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.digest()


def _slow_sha256(data: bytes = b"") -> hashlib._Hash:
    return cast("hashlib._Hash", _SlowSha256(data))


def test_the_digest_thread_hashes_every_chunk_as_it_was_handed_over() -> None:
    """The buffer discipline the stream follows (ADR 0133): a ring of buffers, each refilled
    only once `hashed` says the chunk it held is done; the digest is the content's."""
    chunks = [os.urandom(4096) for _ in range(40)]
    ring = [bytearray(4096) for _ in range(stream._RING)]
    with stream._Digest(_slow_sha256) as digest:
        for index, chunk in enumerate(chunks):
            digest.hashed(index + 1 - stream._RING)
            buffer = ring[index % stream._RING]
            buffer[:] = chunk
            digest.update(memoryview(buffer))
        assert digest.digest() == hashlib.sha256(b"".join(chunks)).digest()


@pytest.mark.parametrize("limit", [0, 5 * CHUNK + 5, 1 << 30])
def test_many_chunks_with_the_digest_behind_arrive_whole_from_every_sink(
    nodes: Nodes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """Twelve chunks through the buffers taken in turn on both sides while the digest's thread
    lags: sealed, then opened into the memory spool, a spill file, and `open_file`."""
    monkeypatch.setattr(stream, "SPOOL_IN_MEMORY", limit)
    slow = stream._Digest.__init__

    def lagging(self: stream._Digest, hasher: Any) -> None:
        slow(self, _slow_sha256)

    monkeypatch.setattr(stream._Digest, "__init__", lagging)
    content = os.urandom(12 * CHUNK - 7)
    data = seal(nodes, content)
    out = io.BytesIO()
    open_stream(
        io.BytesIO(data), out, keys=nodes["pq", "JPN"].keys,
        senders=[nodes["pq", "KOR"].card], spool_dir=tmp_path,
    )  # fmt: skip
    assert out.getvalue() == content
    (tmp_path / "env.gss").write_bytes(data)
    open_file(
        tmp_path / "env.gss", tmp_path / "out.bin",
        keys=nodes["pq", "JPN"].keys, senders=[nodes["pq", "KOR"].card],
    )  # fmt: skip
    assert (tmp_path / "out.bin").read_bytes() == content


@pytest.mark.parametrize("limit", [0, 1 << 30])
def test_a_recipient_holding_the_stream_key_cannot_change_the_content(
    nodes: Nodes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """Found held by the attack on ADR 0133 (ADR 0136): every recipient unwraps the stream key,
    so one recipient can encrypt other plaintext under the same key, nonces and associated
    data; each chunk then authenticates, and only the signed digest of the content tells. The
    digest now runs on a thread of its own; this is what keeps it from being dropped as cost.
    Tried while that thread lags, into every sink."""
    monkeypatch.setattr(stream, "SPOOL_IN_MEMORY", limit)
    key, prefix = os.urandom(32), os.urandom(7)
    content = os.urandom(3 * CHUNK + 10)
    parts = frames(seal(nodes, content, _stream_key=key, _nonce_prefix=prefix))
    aad = json.loads(parts[0][1])["jwe"]["protected"].encode("ascii")
    forged_plain = bytearray(content[CHUNK : 2 * CHUNK])
    forged_plain[:9] = b"forged!!!"
    forged = AESGCM(key).encrypt(stream._nonce(prefix, 1, False), bytes(forged_plain), aad)
    bad = join([parts[0], parts[1], (b"C", forged), *parts[3:]])
    slow = stream._Digest.__init__

    def lagging(self: stream._Digest, hasher: Any) -> None:
        slow(self, _slow_sha256)

    monkeypatch.setattr(stream._Digest, "__init__", lagging)
    with pytest.raises(EnvelopeError) as caught:
        open_(nodes, bad, spool_dir=tmp_path)
    assert "signed digest" in caught.value.reason
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "forged.gss").write_bytes(bad)
    with pytest.raises(EnvelopeError) as caught:
        open_file(
            tmp_path / "forged.gss", tmp_path / "forged.bin",
            keys=nodes["pq", "JPN"].keys, senders=[nodes["pq", "KOR"].card],
        )  # fmt: skip
    assert "signed digest" in caught.value.reason
    assert [p.name for p in tmp_path.iterdir()] == ["forged.gss"]
