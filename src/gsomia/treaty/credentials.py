"""Whether a credential still stands for its person: API tokens' lifetime, scope and carrier.

A token is a bearer credential: whoever holds the string is the person. So it lives a bounded
time (`[auth] token_hours`, 12 by default, a shift), it can be revoked, and it is accepted only
where its scope says: `api` and `console` tokens in the `Authorization` header on every route;
a `stream` token only on the one route a browser's EventSource cannot send a header to, and
only there in the query string, where it is written into proxies' and servers' access logs.
Decided here, with `now` given; the shell looks the token up and asks.

A write reads its request's credentials again in its own transaction (ADR 0154): whether the
person a password admitted is still there and not disabled (`may_stand_by_password`), and
whether the person's terms are still the ones the request was decided on (`may_write_on`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from gsomia.treaty.decision import Decision

__all__ = [
    "DEFAULT_TOKEN_HOURS",
    "MAX_LIVE_TOKENS",
    "REUSE_MARGIN",
    "Carrier",
    "Scope",
    "Terms",
    "TokenState",
    "may_stand_by_password",
    "may_use_token",
    "may_write_on",
    "reusable",
    "standing_until",
    "to_retire",
    "token_expiry",
]

ARTICLE, REQUIREMENT = "Art. 6(e)", "R16"  # the node's personnel-security administration
DEFAULT_TOKEN_HOURS = 12
#: A console token with less than this left is replaced rather than reused, so that a command
#: does not start with a token that expires under it.
REUSE_MARGIN = timedelta(minutes=10)
MAX_TOKEN_HOURS = 24 * 30
#: Tokens in force a person may hold at once; issuing one more retires the oldest (node policy,
#: not the treaty: it bounds what a person, or a script of theirs, leaves behind).
MAX_LIVE_TOKENS = 16


class Scope(StrEnum):
    API = "api"  # issued by an operator (`gsomia user token`) or by the person (`POST /tokens`)
    CONSOLE = "console"  # the CLI on the node's machine (`--home DIR --as USER`)
    STREAM = "stream"  # the alerts stream only, the one route that takes it in the query


class Carrier(StrEnum):
    HEADER = "header"
    QUERY = "query"


@dataclass(frozen=True)
class TokenState:
    """What the node keeps of a token: never the token itself."""

    scope: Scope
    created_at: datetime
    expires_at: datetime | None  # None: issued before tokens had a lifetime
    revoked_at: datetime | None
    # A stream token stands only while the token that issued it does (ADR 0086): that token's
    # state, or `orphan` when it named one the node no longer knows.
    parent: TokenState | None = None
    orphan: bool = False


def token_expiry(now: datetime, hours: float) -> datetime:
    """When a token issued at `now` for `hours` expires; `ValueError` outside (0, 30 days]."""
    if not 0 < hours <= MAX_TOKEN_HOURS:
        raise ValueError(f"a token lives more than 0 and at most {MAX_TOKEN_HOURS} hours")
    return now + timedelta(hours=hours)


def _deny(reason: str) -> Decision:
    return Decision.deny(reason, ARTICLE, REQUIREMENT)


def may_use_token(
    token: TokenState | None, now: datetime, *, carrier: Carrier, stream_route: bool
) -> Decision:
    """May this token stand for its person on this request? Denied if unknown, revoked,
    expired or without a lifetime; a query-string token only as a `stream` token on the
    stream route, and a `stream` token nowhere else."""
    if token is None:
        return _deny("the token is not one this node issued")
    refusal = _standing(token, now) or _carried(token, carrier, stream_route=stream_route)
    if refusal:
        return _deny(refusal)
    return Decision.allow(f"a {token.scope.value} token in force", ARTICLE, REQUIREMENT)


def _standing(token: TokenState, now: datetime) -> str:
    """Why `token` no longer stands at `now`, or ""."""
    if token.revoked_at is not None and token.revoked_at <= now:
        return "the token was revoked"
    if token.expires_at is None:
        return "the token was issued before tokens had a lifetime; issue a new one"
    if token.expires_at <= now:
        return "the token has expired"
    if token.orphan:
        return "the token that issued this one is unknown"
    if token.parent is not None and (why := _standing(token.parent, now)):
        return f"the token that issued this one no longer stands: {why.removeprefix('the ')}"
    return ""


def standing_until(token: TokenState | None, now: datetime) -> datetime | None:
    """Until when `token` stands, unless revoked first: its expiry or its issuer's, whichever
    comes first; None if it does not stand at `now`. What an open stream waits on."""
    if token is None or _standing(token, now):
        return None
    ends = [t.expires_at for t in (token, token.parent) if t is not None and t.expires_at]
    return min(ends)


def to_retire(
    live: Sequence[tuple[str, datetime]], cap: int = MAX_LIVE_TOKENS, *, keep: str | None = None
) -> list[str]:
    """Of a person's tokens in force (id, issued at), those to retire, oldest first, so that one
    more leaves them `cap` at most; never `keep`, the token asking for the new one."""
    excess = len(live) + 1 - cap
    others = sorted((t for t in live if t[0] != keep), key=lambda t: (t[1], t[0]))
    return [ident for ident, _ in others[: max(excess, 0)]]


def _carried(token: TokenState, carrier: Carrier, *, stream_route: bool) -> str:
    """Why `token` may not be used on this route or carried this way, or ""."""
    if carrier is Carrier.QUERY and not (stream_route and token.scope is Scope.STREAM):
        return "a token in the query string is accepted only as a stream token on the stream"
    if token.scope is Scope.STREAM and not stream_route:
        return "a stream token opens the alerts stream only"
    return ""


def reusable(token: TokenState | None, now: datetime) -> bool:
    """Whether a console token kept on the node's machine may serve one more command."""
    return (
        token is not None
        and token.scope is Scope.CONSOLE
        and token.revoked_at is None
        and token.expires_at is not None
        and token.expires_at - REUSE_MARGIN > now
    )


@dataclass(frozen=True)
class Terms:
    """What the decisions on a person's request were taken on: who they are, the clearance
    and its expiry, need-to-know, categories, roles, the register, and whether disabled."""

    name: str
    nationality: str
    clearance: str
    clearance_expires: date
    communities: frozenset[str]
    roles: frozenset[str]
    registered: bool
    categories: frozenset[str]
    disabled: bool


#: Said to a person whose password admitted a request and who was disabled or removed before
#: its write: they proved the password a moment ago, so this tells them nothing new about it.
PERSON_WITHDRAWN = "the person the name and password admitted was disabled or removed since"
#: A write decided on terms that no longer hold: refused whole, as one that came a moment
#: later would be; sent again, it is decided on the terms as they are now.
TERMS_CHANGED = (
    "your clearance, roles or need-to-know changed while the request was in hand: nothing was "
    "written; send it again"
)


def may_stand_by_password(terms: Terms | None) -> Decision:
    """May the person HTTP Basic credentials admitted still stand for the request, read again
    in its write (`terms`, None if no longer there)? Not if removed or disabled since. The
    password is not checked again: one Argon2id check a request (ADR 0137)."""
    if terms is None or terms.disabled:
        return _deny(PERSON_WITHDRAWN)
    return Decision.allow("the person the password admitted is still enabled", ARTICLE, REQUIREMENT)


def may_write_on(admitted: Terms, now: Terms) -> Decision:
    """May a write decided on `admitted`'s terms commit, the person read again as `now` in its
    transaction? Only if nothing changed: a clearance lowered or a role taken away while the
    request was in hand would otherwise commit what the terms now refuse (ADR 0154). A change
    that grants more refuses too: the write was not decided on it, and sent again it is."""
    if now != admitted:
        return _deny(TERMS_CHANGED)
    return Decision.allow("the terms the request was decided on still hold", ARTICLE, REQUIREMENT)
