"""`b64u` and `b64u_decode` run on pybase64, an envelope's JSON is written by orjson (ADR 0133):
the very text the standard library wrote before, and the same values and refusals when
decoding, for every input (properties over random bytes, random near-base64url text and random
JSON values). A binding's time is read by `fromisoformat`: every time `make_binding` writes
reads back, and nothing else does."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.seal.binding import BINDING_TYPE, parse_binding
from gsomia.seal.encoding import b64u, b64u_decode, compact_json

_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _decode_before(text: object) -> bytes | None:
    """b64u_decode as it was (binascii, strict mode); None where it refused."""
    if not isinstance(text, str) or not text.isascii() or len(text) % 4 == 1:
        return None
    raw = text.encode("ascii")
    if b"+" in raw or b"/" in raw or b"=" in raw:
        return None
    try:
        data = binascii.a2b_base64(
            raw.translate(_TO_STANDARD) + b"=" * (-len(raw) % 4), strict_mode=True
        )
    except (binascii.Error, ValueError):
        return None
    rest = len(text) % 4
    if rest and _ALPHABET.index(text[-1]) & {2: 0x0F, 3: 0x03}[rest]:
        return None
    return data


def _decode_now(text: object) -> bytes | None:
    try:
        return b64u_decode(text)
    except InputError:
        return None


@settings(max_examples=400)
@given(st.binary(max_size=300))
def test_encoding_is_the_standard_librarys_and_decodes_back(data: bytes) -> None:
    text = b64u(data)
    assert text == base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    assert b64u_decode(text) == data


def _mutations(text: str) -> st.SearchStrategy[str]:
    """`text`, or `text` with one character replaced, inserted or dropped."""
    spots = st.integers(0, len(text))
    chars = st.sampled_from([*_ALPHABET, "+", "/", "=", " ", "\n", "é"])
    return st.one_of(
        st.just(text),
        st.tuples(spots, chars).map(lambda p: text[: p[0]] + p[1] + text[p[0] + 1 :]),
        st.tuples(spots, chars).map(lambda p: text[: p[0]] + p[1] + text[p[0] :]),
        spots.map(lambda i: text[:i] + text[i + 1 :]),
    )


# Text near base64url: its alphabet, the standard one's two characters, padding, whitespace,
# other ASCII and a little beyond.
_near = st.text(st.sampled_from([*_ALPHABET, "+", "/", "=", " ", "\n", ".", "é", "\x00"]))


@settings(max_examples=1500)
@given(st.one_of(_near, st.binary(max_size=40).map(b64u).flatmap(_mutations)))
def test_decoding_accepts_and_refuses_exactly_what_it_did(text: str) -> None:
    assert _decode_now(text) == _decode_before(text)


@pytest.mark.parametrize(
    "text", ["QQ==", "QQ", "Q+==", "ab+d", "ab/d", "QR", "QUI", "QUJ", "QUJD\n", "", "Q"]
)
def test_the_known_cases(text: str) -> None:
    assert _decode_now(text) == _decode_before(text)
    if text in ("QQ", "QUI", ""):
        assert _decode_now(text) is not None
    else:
        assert _decode_now(text) is None


_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**65), 2**65),
        st.text(st.characters(codec=None, exclude_categories=())),
        st.text(st.characters(max_codepoint=0x80)),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(st.characters(max_codepoint=0x80), max_size=4), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=600)
@given(st.dictionaries(st.text(max_size=4), _json, max_size=4), st.booleans())
def test_the_envelopes_json_is_the_standard_librarys(value: dict[str, Any], sort: bool) -> None:
    standard = json.dumps(value, separators=(",", ":"), sort_keys=sort).encode("ascii")
    assert compact_json(value, sort_keys=sort) == standard


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)))
def test_a_binding_reads_back_every_time_it_was_sealed_at(moment: datetime) -> None:
    text = moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert _sealed_at(text) == moment.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-1-27T00:00:00.000000Z",  # strptime read one-digit fields
        "2026-11-27T00:00:00.5Z",  # and fewer fraction digits
        "2026-11-27T00:00:00Z",
        "2026-11-27T00:00:00.000000",
        "2026-11-27T00:00:00.000000+00:00",
        "2026-11-27 00:00:00.000000Z",
        "2026-13-27T00:00:00.000000Z",
        "2026-02-30T00:00:00.000000Z",
        "２０２６-11-27T00:00:00.000000Z",  # full-width digits, which strptime read
    ],
)
def test_a_binding_sealed_at_any_other_shape_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="sealed_at"):
        _sealed_at(text)


def _sealed_at(text: str) -> datetime:
    binding = {
        "typ": BINDING_TYPE, "id": "e", "profile": "pq", "sealed_at": text, "sender": "s",
        "recipients": ["r"], "label": {}, "label_digest": "d", "jwe_digest": "j",
        "content": {"digest_alg": "sha-256", "digest": "d", "length": 0, "media_type": "m"},
    }  # fmt: skip
    return parse_binding(json.dumps(binding).encode()).sealed_at
