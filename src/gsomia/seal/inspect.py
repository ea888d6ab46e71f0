"""Describe an envelope without keys and without decrypting: for operators, never for decisions.

Nothing here is verified — the summary says what the envelope *claims*. Only `open_envelope`
and `open_stream` establish that a signer really sealed it.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

from gsomia.errors import Error, InputError
from gsomia.seal.binding import Binding, parse_binding
from gsomia.seal.encoding import b64u_decode, parse_json_object
from gsomia.seal.stream import MAGIC

_FRAME = struct.Struct(">cI")


@dataclass(frozen=True)
class Summary:
    """What an envelope claims: its binding and the algorithms it names."""

    format: str  # "envelope/1" or "stream/1"
    binding: Binding
    key_algs: tuple[str, ...]
    signature_algs: tuple[str, ...]
    size: int
    chunks: int


def _algs(jwe: Any, jws: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keys = tuple(str(r.get("header", {}).get("alg")) for r in jwe["recipients"])
    sigs = tuple(
        str(json.loads(b64u_decode(s["protected"], what="protected")).get("alg"))
        for s in jws["signatures"]
    )
    return keys, sigs


def describe_envelope(data: bytes) -> Summary:
    """Summarise an in-memory envelope; InputError if it is not one."""
    try:
        raw = parse_json_object(data, what="envelope", limit=1 << 30)
        jwe, jws = raw["jwe"], raw["jws"]
        binding = parse_binding(b64u_decode(jws["payload"], what="payload"))
        keys, sigs = _algs(jwe, jws)
    except Error:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise InputError(f"not a gsomia envelope ({type(error).__name__}: {error})") from error
    return Summary("envelope/1", binding, keys, sigs, len(data), 1)


def describe_stream(src: BinaryIO) -> Summary:
    """Summarise a stream envelope, reading its frames (chunks are skipped, not decrypted)."""
    if src.read(len(MAGIC)) != MAGIC:
        raise InputError("not a gsomia stream")
    size, chunks, header, trailer = len(MAGIC), 0, b"", b""
    while True:
        head = src.read(_FRAME.size)
        if len(head) < _FRAME.size:
            raise InputError("stream is truncated")
        kind, length = _FRAME.unpack(head)
        size += _FRAME.size + length
        if kind in (b"C", b"F"):
            chunks += 1
            src.seek(length, 1)
            continue
        body = src.read(length)
        if kind == b"H":
            header = body
        elif kind == b"S":
            trailer = body
            break
        else:
            raise InputError(f"unknown frame type {kind!r}")
    try:
        jwe = json.loads(header)["jwe"]
        jws = json.loads(trailer)["jws"]
        binding = parse_binding(b64u_decode(jws["payload"], what="payload"))
        keys, sigs = _algs(jwe, jws)
    except Error:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise InputError(f"not a gsomia stream ({type(error).__name__}: {error})") from error
    return Summary("stream/1", binding, keys, sigs, size, chunks)
