"""Envelopes for content of any size, sealed and opened with bounded memory (docs/adr/0022).

A sealed stream is a sequence of typed frames after a magic line::

    stream  = "GSOMIA-STREAM/1\\n" frame(H) frame(C)* frame(F) frame(S)
    frame   = type (1 byte) || length (4 bytes, big-endian) || bytes

* `H` — JSON `{"jwe": …}`: a JWE General JSON whose plaintext is the 32-byte stream key, one
  recipient entry per node, exactly as in an in-memory envelope. Its protected header carries
  `chunk_size` and the 7-byte `nonce_prefix`.
* `C`/`F` — content chunks in the STREAM construction (Hoang et al., 2015): chunk *i* is
  AES-256-GCM under the stream key with nonce `nonce_prefix || u32(i) || flag`, flag 1 only on
  the last chunk (`F`), AAD = the JWE's encoded protected header. Reordering, dropping,
  truncating or extending the chunk sequence fails authentication. Every `C` chunk holds
  exactly `chunk_size` bytes of content; `F` holds the rest (possibly none).
* `S` — JSON `{"jws": …}`: the signed binding, as for in-memory envelopes, whose
  `jwe_digest` covers the header JWE and whose content digest covers the whole plaintext.

Opening decrypts into a spool the caller cannot see (an anonymous temporary file, or a
temporary file beside the destination that is renamed into place) and releases nothing until
the trailer's signatures, the binding and the content digest all verified.
"""

from __future__ import annotations

import contextlib
import io
import json
import mmap
import os
import struct
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from queue import SimpleQueue
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gsomia.errors import Error, UsageError
from gsomia.seal import jose
from gsomia.seal.binding import LabelCanon
from gsomia.seal.encoding import b64u, b64u_decode, canonical_json, parse_json_object
from gsomia.seal.envelope import DEFAULT_MEDIA_TYPE
from gsomia.seal.identity import IdentityCard
from gsomia.seal.keys import NodeKeys
from gsomia.seal.opening import (
    MALFORMED,
    Opener,
    check_content,
    check_recipients,
    open_signed,
    reject,
    sign_binding,
)
from gsomia.seal.profiles import ALL_PROFILES, POST_QUANTUM_PROFILES, Profile, profile

if TYPE_CHECKING:
    import hashlib

MAGIC = b"GSOMIA-STREAM/1\n"
KEY_CTY = "application/vnd.gsomia.stream-key"
DEFAULT_CHUNK = 1 << 20
MIN_CHUNK, MAX_CHUNK = 64 << 10, 1 << 20
_TAG = 16
_FRAME = struct.Struct(">cI")
_JSON_LIMIT = 1 << 20
SPOOL_IN_MEMORY = 32 << 20
_HUGE_PAGE = 2 << 20
#: Plaintext buffers a stream takes in turn: one being hashed, one queued for hashing, one being
#: read or decrypted into (`_Digest`).
_RING = 3


@dataclass(frozen=True)
class StreamOpened:
    """What a verified stream held, except the content (which went to the destination)."""

    label: dict[str, Any]
    media_type: str
    envelope_id: str
    profile: str
    sealed_at: datetime
    sender: IdentityCard
    recipients: tuple[str, ...]
    length: int


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _fill(src: BinaryIO, buffer: memoryview) -> int:
    """Read into `buffer` until it is full or the stream ends; the number of bytes read."""
    readinto = getattr(src, "readinto", None)
    done = 0
    while done < len(buffer):
        if readinto is not None:
            got = readinto(buffer[done:])
        else:  # a reader without readinto: one copy more
            part = src.read(len(buffer) - done)
            got = len(part)
            buffer[done : done + got] = part
        if not got:
            break
        done += got
    return done


def _memory(size: int) -> memoryview:
    """`size` bytes of zeroed memory of their own: an anonymous private mapping, rounded up to
    whole 2 MiB and advised to take transparent huge pages where the kernel offers them.

    Fresh objects from the heap cost a page fault per 4 KiB whenever the allocator had given the
    pages back, which it does after every large stream: 4,096 faults, 10-20 ms of system time,
    for a 16 MiB spool on this machine, more than the AES-GCM of the content; in huge pages, 8
    faults. Unmapped when the last view of it goes, so plaintext does not linger in the heap.
    """
    length = -(-size // _HUGE_PAGE) * _HUGE_PAGE
    region = mmap.mmap(-1, length, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    with contextlib.suppress(AttributeError, OSError):  # no THP here: small pages, still fine
        region.madvise(mmap.MADV_HUGEPAGE)
    return memoryview(region)[:size]


class _Digest:
    """The content's digest (SHA-256 or SHA-384, the profile's), computed on a thread of its own
    while the calling thread reads, encrypts or decrypts, and writes the next chunks (ADR 0133).

    The digest is most of a stream's cost: SHA-256 runs at about a seventh of AES-GCM's speed on
    this hardware even with SHA-NI, and the signed binding must name the whole plaintext's
    digest (a signature over the GCM tags would not bind the content: any recipient holds the
    stream key and could make other ciphertext with the same tags). hashlib lets go of the GIL
    while it hashes a large buffer, so hashing overlaps the cipher and the copies.

    The caller hands chunks over in order with `update`, which never waits, and before it
    reuses a chunk's buffer calls `hashed(n)`, which returns once the first `n` chunks are
    hashed. When it has to wait it waits for one chunk more, if one is queued: a wait per chunk
    (a future per chunk, tried first) cost two thread wake-ups per MiB, which on this loaded
    machine took longer than the hashing they overlapped; this way the caller wakes every
    second chunk and the hashing thread always has the next chunk queued.
    """

    def __init__(self, hasher: Callable[[bytes], hashlib._Hash]) -> None:
        self._hash = hasher(b"")
        self._chunks: SimpleQueue[memoryview | None] = SimpleQueue()
        self._sent = self._done = self._wanted = 0
        self._failed: BaseException | None = None
        self._progress = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="gsomia-stream-digest")
        self._thread.start()

    def _run(self) -> None:
        try:
            while (chunk := self._chunks.get()) is not None:
                self._hash.update(chunk)
                with self._progress:
                    self._done += 1
                    if self._done >= self._wanted:
                        self._progress.notify()
        except BaseException as error:  # handed to the caller, who raises it
            with self._progress:
                self._failed = error
                self._progress.notify()

    def update(self, chunk: memoryview) -> None:
        """Queue `chunk` for hashing; the caller must not change it until `hashed` says so."""
        self._sent += 1
        self._chunks.put(chunk)

    def hashed(self, count: int) -> None:
        """Return once the first `count` chunks handed over are hashed."""
        if self._done >= count:
            return
        with self._progress:
            self._wanted = min(self._sent, count + 1)
            self._progress.wait_for(lambda: self._done >= self._wanted or bool(self._failed))
        if self._failed is not None:
            raise self._failed

    def digest(self) -> bytes:
        self.hashed(self._sent)
        return self._hash.digest()

    def __enter__(self) -> _Digest:
        return self

    def __exit__(self, *_: object) -> None:
        # Never return (and so let a caller reuse or unmap a buffer) while the thread reads one.
        self._chunks.put(None)
        self._thread.join()


def _read_full(src: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, fewer only at end of stream (pipes may return short reads)."""
    parts, missing = [], size
    while missing:
        part = src.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def _frame(kind: bytes, payload: bytes) -> bytes:
    return _FRAME.pack(kind, len(payload)) + payload


def _write_frame(dst: BinaryIO, kind: bytes, payload: bytes | memoryview) -> None:
    dst.write(_FRAME.pack(kind, len(payload)))  # two writes: no copy of a 1 MiB chunk
    dst.write(payload)


def seal_stream(
    src: BinaryIO,
    dst: BinaryIO,
    *,
    label: Mapping[str, Any],
    keys: NodeKeys,
    recipients: list[IdentityCard],
    now: datetime,
    media_type: str = DEFAULT_MEDIA_TYPE,
    allowed_profiles: Collection[str] = ALL_PROFILES,
    canonical_label: LabelCanon = canonical_json,
    chunk_size: int = DEFAULT_CHUNK,
    envelope_id: str | None = None,
    _stream_key: bytes | None = None,
    _nonce_prefix: bytes | None = None,
) -> str:
    """Seal everything `src` yields into `dst` as a stream envelope; return the envelope id.

    Memory stays at about four chunks whatever the content size (ADR 0133). `_stream_key` and
    `_nonce_prefix` are a private hook for deterministic test vectors; never pass them.
    """
    prof = check_recipients(keys, recipients, allowed_profiles)
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise UsageError(f"chunk_size must be within {MIN_CHUNK}..{MAX_CHUNK} bytes")
    envelope_id = envelope_id or b64u(os.urandom(16))
    stream_key = _stream_key or AESGCM.generate_key(256)
    prefix = _nonce_prefix or os.urandom(7)
    protected = {
        "enc": prof.enc,
        "cty": KEY_CTY,
        "chunk_size": chunk_size,
        "nonce_prefix": b64u(prefix),
    }
    key_jwe = jose.encrypt_jwe(stream_key, [c.keys for c in recipients], prof, protected)
    aad = key_jwe["protected"].encode("ascii")
    dst.write(MAGIC + _frame(b"H", json.dumps({"jwe": key_jwe}).encode("ascii")))
    aead, length, index = AESGCM(stream_key), 0, 0
    # Plaintext buffers taken in turn (the chunk read ahead tells whether this one is the last;
    # the digest's thread hashes behind) and one for the sealed chunk, all reused: a fresh
    # 1 MiB object per chunk faulted in new pages on every chunk, which cost more than the
    # AES-GCM itself (ADR 0125).
    memory = _memory((_RING + 1) * chunk_size + _TAG)
    plain = [memory[n * chunk_size : (n + 1) * chunk_size] for n in range(_RING)]
    sealed = memory[_RING * chunk_size :]
    size = _fill(src, plain[0])
    with _Digest(prof.hasher()) as digest:
        while True:
            chunk = plain[index % _RING][:size]
            digest.update(chunk)  # hashed on its thread while this one encrypts it (ADR 0133)
            following = 0
            if size == chunk_size:  # the next chunk's buffer held chunk index + 1 - _RING
                digest.hashed(index + 2 - _RING)
                following = _fill(src, plain[(index + 1) % _RING])
            last = not following
            length += size
            out = sealed[: size + _TAG]
            aead.encrypt_into(_nonce(prefix, index, last), chunk, aad, out)
            _write_frame(dst, b"F" if last else b"C", out)
            if last:
                break
            size, index = following, index + 1
        content_digest = digest.digest()
    jws = sign_binding(
        keys,
        prof,
        recipients,
        key_jwe,
        envelope_id=envelope_id,
        sealed_at=now,
        label=label,
        canonical_label=canonical_label,
        digest=content_digest,
        length=length,
        media_type=media_type,
    )
    trailer = {"jws": jws}
    dst.write(_frame(b"S", json.dumps(trailer).encode("ascii")))
    return envelope_id


def _read_frame(src: BinaryIO, limit: int) -> tuple[bytes, bytes]:
    head = _read_full(src, _FRAME.size)
    if len(head) != _FRAME.size:
        reject("stream is truncated")
    kind, size = _FRAME.unpack(head)
    if size > limit:
        reject("stream frame is too large")
    body = _read_full(src, size)
    if len(body) != size:
        reject("stream is truncated")
    return kind, body


def _read_json(src: BinaryIO, kind: bytes, member: str) -> dict[str, Any]:
    got, body = _read_frame(src, _JSON_LIMIT)
    if got != kind:
        reject(f"expected a {kind.decode()} frame")
    try:
        raw = parse_json_object(body, what="stream frame", limit=_JSON_LIMIT)
    except Error as error:
        reject(error.message, error)
    if set(raw) != {member} or not isinstance(raw[member], dict):
        reject(f"{kind.decode()} frame members are wrong")
    value: dict[str, Any] = raw[member]
    return value


def _read_header(
    src: BinaryIO, keys: NodeKeys, prof: Profile
) -> tuple[dict[str, Any], int, bytes, bytes]:
    """The header JWE, chunk size, nonce prefix and stream key of a stream."""
    if _read_full(src, len(MAGIC)) != MAGIC:
        reject("not a gsomia stream")
    key_jwe = _read_json(src, b"H", "jwe")
    try:
        protected = json.loads(b64u_decode(key_jwe.get("protected"), what="protected"))
        chunk_size = protected["chunk_size"]
        prefix = b64u_decode(protected["nonce_prefix"], what="nonce_prefix")
        expected = {"enc": prof.enc, "cty": KEY_CTY, "chunk_size": chunk_size}
        if protected != {**expected, "nonce_prefix": protected["nonce_prefix"]}:
            reject("stream header does not match the profile")
        if not isinstance(chunk_size, int) or not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
            reject("stream chunk size is out of range")
        if len(prefix) != 7:
            reject("stream nonce prefix has the wrong length")
        stream_key = jose.decrypt_jwe(key_jwe, keys, prof)
    except (Error, *MALFORMED) as error:
        reason = error.message if isinstance(error, Error) else "stream header is malformed"
        reject(reason, error)
    if len(stream_key) != 32:
        reject("stream key has the wrong length")
    return key_jwe, chunk_size, prefix, stream_key


def _open_into(src: BinaryIO, out: _Sink, opener: Opener) -> StreamOpened:
    keys = opener.keys
    prof = profile(keys.profile)
    if prof.name not in opener.allowed_profiles:
        reject(f"profile {prof.name} is not allowed here")
    key_jwe, chunk_size, prefix, stream_key = _read_header(src, keys, prof)
    aead, aad = AESGCM(stream_key), key_jwe["protected"].encode("ascii")
    length, index = 0, 0
    body = _memory(chunk_size + _TAG)  # reused for every chunk (ADR 0125)
    with _Digest(prof.hasher()) as digest:
        while True:
            head = _read_full(src, _FRAME.size)
            if len(head) != _FRAME.size:
                reject("stream is truncated")
            kind, size = _FRAME.unpack(head)
            if kind not in (b"C", b"F"):
                reject("stream ends before its last chunk")
            last = kind == b"F"
            if size > chunk_size + _TAG or size < _TAG or (not last and size != chunk_size + _TAG):
                reject("stream chunk has the wrong size")
            if _fill(src, body[:size]) != size:
                reject("stream is truncated")
            if out.reuses:  # its buffer for this chunk held chunk index - reuses
                digest.hashed(index + 1 - out.reuses)
            try:
                chunk = out.decrypt(aead, _nonce(prefix, index, last), body[:size], aad)
            except InvalidTag as error:  # altered, reordered or foreign chunk
                reject(f"stream chunk {index} did not authenticate", error)
            # Hashed on the digest's thread while this one reads and decrypts the next chunk.
            digest.update(chunk)
            length += len(chunk)
            if last:
                break
            index += 1
        # The trailer's signatures are verified while the last chunk is still being hashed.
        jws = _read_json(src, b"S", "jws")
        if src.read(1):
            reject("stream has data after its signature")
        binding, card, _ = open_signed(jws, key_jwe, opener)
        check_content(binding, digest.digest(), length)
    return StreamOpened(
        label=binding.label,
        media_type=binding.media_type,
        envelope_id=binding.envelope_id,
        profile=prof.name,
        sealed_at=binding.sealed_at,
        sender=card,
        recipients=binding.recipients,
        length=length,
    )


def open_stream(
    src: BinaryIO,
    dst: BinaryIO,
    *,
    keys: NodeKeys,
    senders: Iterable[IdentityCard],
    revoked: Collection[str] = frozenset(),
    allowed_profiles: Collection[str] = POST_QUANTUM_PROFILES,
    canonical_label: LabelCanon = canonical_json,
    spool_dir: Path | None = None,
) -> StreamOpened:
    """Verify a stream envelope and only then copy its content to `dst`.

    The content is decrypted into a spool — memory up to 32 MiB, beyond that an anonymous
    temporary file in `spool_dir` (default: the system's) that disappears on close — and `dst`
    receives nothing if anything fails.
    """
    with _Spool(SPOOL_IN_MEMORY, spool_dir) as spool:
        opener = Opener(keys, senders, revoked, allowed_profiles, canonical_label)
        opened = _open_into(src, spool, opener)
        spool.copy_to(dst)
    return opened


class _Sink(Protocol):
    @property
    def reuses(self) -> int:
        """0 if every chunk decrypts into memory of its own; else the number of buffers taken
        in turn, so the next chunk's buffer held the chunk that many before it (which the
        digest's thread must have hashed first)."""
        ...

    def decrypt(self, aead: AESGCM, nonce: bytes, body: memoryview, aad: bytes) -> memoryview:
        """Decrypt `body` (which authenticates or raises `InvalidTag`) into held storage and
        return the plaintext, for hashing; nothing held is released before the trailer verified."""
        ...


class _FileSink:
    """Decrypts each chunk into one of `_RING` reused buffers, in turn, and writes it to a file
    the caller cannot see yet (a spill file, or the temporary file beside `open_file`'s
    destination); several, so that the digest's thread hashes earlier chunks meanwhile."""

    reuses = _RING

    def __init__(self, file: IO[bytes], size: int) -> None:
        memory = _memory(_RING * size)
        self._file, self._turn = file, 0
        self._buffers = [memory[n * size : (n + 1) * size] for n in range(_RING)]

    def decrypt(self, aead: AESGCM, nonce: bytes, body: memoryview, aad: bytes) -> memoryview:
        plain = self._buffers[self._turn][: len(body) - _TAG]
        self._turn = (self._turn + 1) % _RING
        aead.decrypt_into(nonce, body, aad, plain)
        self._file.write(plain)
        return plain


class _Spool:
    """Decrypted chunks held until the stream verified: up to `limit` bytes in memory of their
    own (reserved at the first chunk, touched only as far as it is used; see `_memory`),
    beyond it in an anonymous temporary file in `spool_dir` that disappears on close."""

    @property
    def reuses(self) -> int:
        return 0 if self._spill is None else self._spill.reuses

    def __init__(self, limit: int, spool_dir: Path | None) -> None:
        self._limit, self._dir = limit, spool_dir
        self._held: memoryview | None = None
        self._size = 0
        self._file: io.BufferedRandom | None = None
        self._spill: _FileSink | None = None

    def decrypt(self, aead: AESGCM, nonce: bytes, body: memoryview, aad: bytes) -> memoryview:
        end = self._size + len(body) - _TAG
        if self._spill is None and end <= self._limit:
            if self._held is None:
                self._held = _memory(self._limit)
            plain = self._held[self._size : end]
            aead.decrypt_into(nonce, body, aad, plain)
            self._size = end
            return plain
        if self._spill is None:
            where = None if self._dir is None else str(self._dir)
            self._file = tempfile.TemporaryFile(dir=where)  # noqa: SIM115 - closed by __exit__
            if self._held is not None:
                self._file.write(self._held[: self._size])
            self._spill = _FileSink(self._file, MAX_CHUNK + _TAG)
        return self._spill.decrypt(aead, nonce, body, aad)

    def copy_to(self, dst: BinaryIO) -> None:
        if self._held is not None and self._file is None:
            dst.write(self._held[: self._size])
        if self._file is not None:
            self._file.seek(0)
            buffer = _memory(MAX_CHUNK)
            while got := self._file.readinto(buffer):
                dst.write(buffer[:got])

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *_: object) -> None:
        self._held = self._spill = None
        if self._file is not None:
            self._file.close()


def open_file(
    src: Path,
    dst: Path,
    *,
    keys: NodeKeys,
    senders: Iterable[IdentityCard],
    revoked: Collection[str] = frozenset(),
    allowed_profiles: Collection[str] = POST_QUANTUM_PROFILES,
    canonical_label: LabelCanon = canonical_json,
) -> StreamOpened:
    """Verify the stream envelope in file `src` and write its content to `dst` (mode 0600).

    Decrypts into a temporary file beside `dst` and renames it into place only after every
    check passed; on failure the temporary file is removed and `dst` is untouched.
    """
    fd, tmp_name = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with src.open("rb") as source, os.fdopen(fd, "wb") as spool:
            opener = Opener(keys, senders, revoked, allowed_profiles, canonical_label)
            opened = _open_into(source, _FileSink(spool, MAX_CHUNK + _TAG), opener)
        tmp.replace(dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return opened
