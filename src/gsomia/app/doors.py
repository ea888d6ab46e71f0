"""The doors of the node's two applications: each route family's body cap and credential.

`gsomia.app.gate` keeps every door: a request names its door by method and path, and its body
is refused (`TooLarge`, 413) as soon as it passes the door's cap, before any route reads it,
and before anything is read at all if the credential the door asks for is missing. The caps
follow what a route can legitimately take:

* a partner's batch: up to 96 MB (a FLASH item of the largest size, sealed, with others);
* publishing: content of `node.publish.MAX_CONTENT` (32 MB) in base64 (× 4/3) with its fields;
* a translation or derivative: `node.control.copies.MAX_TEXT` characters of up to 4 bytes each;
* everything else, including a checkpoint to cosign and every form: 64 KB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from gsomia.exchange.wire import V2_PATH as PEER_BATCH_PATH
from gsomia.node.control.copies import MAX_TEXT
from gsomia.node.publish import MAX_CONTENT

SMALL = 64 << 10


class Credential(Enum):
    """What a request must carry before its body is read."""

    NONE = "none"  # the sign-in form, and requests without a body
    PARTNER = "partner"  # a pinned partner on the TLS link (the peer listener)
    TOKEN = "token"  # a valid API token  # noqa: S105 - a kind of credential, not a secret
    SESSION = "session"  # a signed-in web session
    TAXII = "taxii"  # HTTP Basic or a bearer token (a partner tool, `gsomia.api.taxii`)


@dataclass(frozen=True)
class Door:
    """A route family: its name (a fixed metric label), body cap, credential, and whether its
    body is spooled to disk rather than kept in memory while it arrives."""

    name: str
    cap: int
    credential: Credential
    spool: bool = False
    #: Where a person without a credential is sent instead of an error body (the pages).
    sign_in: str = ""


PEER_BATCH = Door("peer_batch", 96 << 20, Credential.PARTNER, spool=True)
PEER = Door("peer", SMALL, Credential.PARTNER)
PUBLISH = Door("publish", MAX_CONTENT * 4 // 3 + (1 << 20), Credential.TOKEN, spool=True)
TEXT = Door("text", MAX_TEXT * 4 + SMALL, Credential.TOKEN, spool=True)
API = Door("api", SMALL, Credential.TOKEN)
WEB_PUBLISH = Door("web_publish", PUBLISH.cap, Credential.SESSION, spool=True, sign_in="/login")
WEB_TEXT = Door("web_text", TEXT.cap, Credential.SESSION, spool=True, sign_in="/login")
WEB = Door("web", SMALL, Credential.SESSION, sign_in="/login")
OPEN = Door("open", SMALL, Credential.NONE)
#: A TAXII envelope of objects posted by a tool (`gsomia.api.taxii.MAX_ENVELOPE`).
TAXII = Door("taxii", 8 << 20, Credential.TAXII, spool=True)

_TEXT_PATHS = re.compile(r"^/(?:holdings/[^/]+/translations|derivatives)$")


def peer_door(path: str) -> Door:
    """The door of a request to the peer application."""
    return PEER_BATCH if path == PEER_BATCH_PATH else PEER


def user_door(method: str, path: str) -> Door:
    """The door of a request to the user application (the API, the pages, operations)."""
    if path.startswith("/api/"):
        return _api_door(method, path.removeprefix("/api/v1"))
    if path.startswith("/taxii2/"):
        return TAXII
    if method != "POST" or path in ("/login", "/logout"):
        return OPEN  # a page or an operation: no body it reads; signing in needs no session
    if path == "/items":
        return WEB_PUBLISH
    return WEB_TEXT if _TEXT_PATHS.match(path) else WEB


def _api_door(method: str, rest: str) -> Door:
    if method == "POST" and rest in ("/items", "/items:batch", "/intake/stix"):
        return PUBLISH
    return TEXT if method == "POST" and _TEXT_PATHS.match(rest) else API
