"""Messages at rest (`gsomia.seal.held`): written in cbor2's default encoding since issue 14
(only this node reads them, after AES-GCM under its own key), read whichever way they were
written, and bound to their row as before."""

from __future__ import annotations

from typing import Any

import pytest

from gsomia.errors import VerificationError
from gsomia.seal import cbor
from gsomia.seal.held import _plain, _queued_for, queued, unqueued
from gsomia.seal.sealed import Plain
from gsomia.seal.storage import seal_at_rest

PLAIN = Plain(
    "m-1",
    "item",
    {"type": "gsomia-item/1", "label": {"b": 1, "a": [{"zz": 2, "y": 3}]}, "title": "track"},
    b"content",
    "text/plain",
)


def test_a_queued_message_opens_for_its_peer_only(nodes: Any) -> None:
    keys = nodes["pq", "KOR"].keys
    body = queued(keys, PLAIN, "JPN")
    assert unqueued(keys, "m-1", body, "JPN") == PLAIN
    with pytest.raises(VerificationError):
        unqueued(keys, "m-1", body, "USA")
    with pytest.raises(VerificationError):
        unqueued(keys, "m-2", body, "JPN")


def test_a_message_queued_in_the_deterministic_encoding_before_still_opens(nodes: Any) -> None:
    keys = nodes["pq", "KOR"].keys
    before = seal_at_rest(keys, cbor.dumps(_plain(PLAIN)), _queued_for("m-1", "JPN"))
    assert unqueued(keys, "m-1", before, "JPN") == PLAIN


def test_sealed_bytes_that_are_not_cbor_are_refused(nodes: Any) -> None:
    keys = nodes["pq", "KOR"].keys
    body = seal_at_rest(keys, b"\xff\x00", _queued_for("m-1", "JPN"))
    with pytest.raises(VerificationError, match="not CBOR"):
        unqueued(keys, "m-1", body, "JPN")
