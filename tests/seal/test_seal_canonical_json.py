"""`canonical_json` writes plain values with orjson (issue 14): the very bytes the standard
library wrote before, and the same refusals, for every value (a property over random ones)."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.seal.encoding import _reject_floats, canonical_json


def _before(value: Any) -> bytes:
    """canonical_json as it was: the standard library, after the float check."""
    _reject_floats(value)
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as error:
        raise InputError(f"not JSON-serialisable: {error}") from error
    return text.encode("utf-8")


def _outcome(encode: Any, value: Any) -> tuple[str, Any]:
    try:
        return "bytes", encode(value)
    except InputError as error:
        return "refused", error.message
    except UnicodeEncodeError:
        return "unencodable", None


_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    _text,
    st.floats(allow_nan=True),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(_text, inner, max_size=4),
        st.dictionaries(st.integers(0, 3), inner, min_size=1, max_size=2),
    ),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.dictionaries(_text, _values, max_size=5), st.lists(_values, max_size=5)))
def test_the_same_bytes_and_the_same_refusals_as_before(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(_before, value)


def _deep(levels: int) -> list[Any]:
    value: list[Any] = [1]
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    [
        {"big": 2**64},  # past orjson's integers
        {"lone": "\ud800"},  # a surrogate UTF-8 cannot carry
        OrderedDict(b=1, a=2),  # not exactly a dict
        {"deep": _deep(70)},  # deeper than the plain walk goes
    ],
)
def test_what_orjson_leaves_goes_the_standard_way(value: Any) -> None:
    assert _outcome(canonical_json, value) == _outcome(_before, value)
