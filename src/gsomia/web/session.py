"""Browser sessions: a signed cookie naming the user, with a per-session CSRF token.

The cookie holds `{sid, user, csrf}`, signed (HMAC-SHA256 via itsdangerous) with a 256-bit key
kept in the node home (`web-session.key`, mode 0600, made on first use), and expires after
`MAX_AGE` seconds. A session without a user exists before login, so the login form carries a
CSRF token too; logging in issues a new session id and token (no fixation). A signed-in
session stands only while its row in the database does (`gsomia.node.sessions`): logging
out, a password change or disabling the person ends it for good, restarts included
(ADR 0050, ADR 0082).
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "gsomia_session"
#: The last signed-in reader's language, for the pages a signed-out browser sees.
LANGUAGE_COOKIE = "gsomia_language"
MAX_AGE = 8 * 3600  # one working shift
KEY_FILE = "web-session.key"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Session:
    """What the cookie says: the session's id, its user (None before login), its CSRF token."""

    sid: str
    user: str | None
    csrf: str

    @staticmethod
    def fresh(user: str | None = None) -> Session:
        return Session(secrets.token_urlsafe(16), user, secrets.token_urlsafe(32))

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")


def load_key(home: Path) -> bytes:
    """The node's cookie-signing key, created with owner-only permissions on first use."""
    path = home / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


class SessionSigner:
    """Signs and checks session cookies. Whether a signed-in session still stands is the
    database's to say (`gsomia.node.sessions.resume`), not this process's memory."""

    def __init__(self, key: bytes, *, max_age: int = MAX_AGE) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="gsomia-web-session")
        self.max_age = max_age

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps({"sid": session.sid, "u": session.user, "c": session.csrf})

    def loads(self, cookie: str | None) -> Session | None:
        """The session in `cookie`, or None if it is absent, forged or too old."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        sid, user, csrf = data.get("sid"), data.get("u"), data.get("c")
        if not isinstance(sid, str) or not isinstance(csrf, str):
            return None
        if user is not None and not isinstance(user, str):
            return None
        return Session(sid, user, csrf)
