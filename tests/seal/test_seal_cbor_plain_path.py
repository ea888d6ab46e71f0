"""`cbor.loads` takes a plainly canonical value on a fast path (one walk of the heads, then
cbor2's C decoder) and everything else the strict way: the two agree on every input, so the
fast path refuses nothing less (issue 17). Properties over values and over damaged bytes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.seal import cbor

_keys = st.one_of(st.text(max_size=8), st.integers(-(2**64), 2**64 - 1), st.binary(max_size=4))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64 - 1),
    st.text(max_size=30),
    st.binary(max_size=30),
    st.floats(allow_nan=False),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=30,
)


def _verdict(decode: Any, data: bytes, **limits: int) -> tuple[str, Any]:
    try:
        return "value", decode(data, what="t", **limits)
    except InputError:
        return "refused", None


def _strict(data: bytes, *, what: str, limit: int, items: int, depth: int) -> Any:
    if len(data) > limit:
        raise InputError("over")
    return cbor._strict(data, what=what, items=items, depth=depth)


LIMITS = {"limit": 4096, "items": 40, "depth": 4}


@settings(max_examples=200)
@given(_values)
def test_a_canonical_value_decodes_the_same_both_ways(value: Any) -> None:
    data = cbor.dumps(value)
    assert _verdict(cbor.loads, data, **LIMITS) == _verdict(_strict, data, **LIMITS)


@settings(max_examples=300)
@given(_values, st.data())
def test_damaged_bytes_get_the_same_verdict_both_ways(value: Any, draw: st.DataObject) -> None:
    data = bytearray(cbor.dumps(value))
    for _ in range(draw.draw(st.integers(1, 3))):
        at = draw.draw(st.integers(0, len(data) - 1))
        data[at] = draw.draw(st.integers(0, 255))
    assert _verdict(cbor.loads, bytes(data), **LIMITS) == _verdict(_strict, bytes(data), **LIMITS)


@pytest.mark.parametrize(
    "data",
    [
        bytes.fromhex("a2616101616202"),  # {"a": 1, "b": 2}: plain
        bytes.fromhex("a2616201616101"),  # keys out of order
        bytes.fromhex("a2616101616102"),  # a key twice
        bytes.fromhex("a2f50101f6"),  # true and 1 as keys: equal in Python
        bytes.fromhex("1817"),  # 23 in two bytes: not the shortest form
        bytes.fromhex("5f41614162ff"),  # an indefinite byte string
        bytes.fromhex("c11a514b67b0"),  # a tag
        bytes.fromhex("f93c00"),  # 1.0 as a half float: the strict path decides
        bytes.fromhex("fa3f800000"),  # 1.0 as a single float: not the shortest
        bytes.fromhex("62c328"),  # not UTF-8
        bytes.fromhex("a1616101ff"),  # a byte after the value
        bytes.fromhex("83010203"),  # [1, 2, 3]
    ],
)
def test_each_kind_of_value_gets_the_strict_verdict(data: bytes) -> None:
    assert _verdict(cbor.loads, data, **LIMITS) == _verdict(_strict, data, **LIMITS)
