"""Each route family's door: its cap and the credential asked before its body is read."""

from __future__ import annotations

import pytest

from gsomia.app import doors
from gsomia.app.doors import Credential, peer_door, user_door
from gsomia.exchange.wire import V2_PATH
from gsomia.node.control.copies import MAX_TEXT
from gsomia.node.publish import MAX_CONTENT


@pytest.mark.parametrize(
    ("method", "path", "door"),
    [
        ("POST", "/api/v1/items", doors.PUBLISH),
        ("POST", "/api/v1/items:batch", doors.PUBLISH),
        ("POST", "/api/v1/holdings/h1/translations", doors.TEXT),
        ("POST", "/api/v1/derivatives", doors.TEXT),
        ("POST", "/api/v1/consents", doors.API),
        ("GET", "/api/v1/items", doors.API),
        ("POST", "/items", doors.WEB_PUBLISH),
        ("POST", "/holdings/h1/translations", doors.WEB_TEXT),
        ("POST", "/holdings/h1/consent", doors.WEB),
        ("POST", "/login", doors.OPEN),
        ("POST", "/logout", doors.OPEN),
        ("GET", "/items/i1", doors.OPEN),
        ("GET", "/metrics", doors.OPEN),
    ],
)
def test_user_doors(method: str, path: str, door: doors.Door) -> None:
    assert user_door(method, path) == door


def test_peer_doors() -> None:
    assert peer_door(V2_PATH) == doors.PEER_BATCH
    assert peer_door("/peer/v1/messages") == doors.PEER  # v1 is refused, small
    assert peer_door("/peer/v1/log/add-checkpoint").cap == doors.SMALL == 64 << 10
    assert peer_door("/peer/v1/hello").credential is Credential.PARTNER


def test_caps_follow_what_the_routes_take() -> None:
    assert doors.PUBLISH.cap >= MAX_CONTENT * 4 // 3  # the largest content, in base64
    assert doors.PUBLISH.cap < 44 << 20
    assert doors.TEXT.cap >= MAX_TEXT * 4
    assert doors.PEER_BATCH.cap == 96 << 20
    assert all(d.spool for d in (doors.PEER_BATCH, doors.PUBLISH, doors.TEXT))
