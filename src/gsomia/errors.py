"""One error hierarchy for all of gsomia, sorted by whose fault it is.

```
Error
├── InputError          bad input from outside (a partner, a user, a file): names the problem
│   ├── NotFound        the thing asked for does not exist here
│   ├── Conflict        the request contradicts the current state (illegal transition, duplicate)
│   ├── TooLarge        a body over the cap of its route, refused before it is read whole
│   ├── NotAcceptable   the client accepts no media type the route answers in
│   ├── UnsupportedMediaType  a body in a media type the route does not read
│   └── DamagedBundle   a courier bundle damaged or truncated in transit: nothing is stored
├── Unauthenticated     no valid credential came with the request
├── VerificationError   a signature, binding, proof or envelope did not verify; no oracle
├── PolicyDenied        a treaty decision said no; carries the decision's reason and article
├── UsageError          local misuse by the operator: bad config, missing key, wrong passphrase
├── Unavailable         a dependency (peer, database) cannot be reached right now; retry later
│   └── RateLimited     this sender asked more often than its allowance; retry after a pause
└── StoreDamaged        the database does not read back what was written (a corrupted page)
```

`HTTP_STATUS` and `EXIT_CODE` map every branch once, for the API and the CLI.
"""

from __future__ import annotations


class Error(Exception):
    """Root of every error gsomia raises on purpose.

    `hint` says what to do next; it is shown to the person who hit the error.
    """

    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message} ({self.hint})"


class InputError(Error):
    """Input from outside is malformed or names something unknown."""

    code = "bad_input"


class NotFound(InputError):
    code = "not_found"


class Conflict(InputError):
    code = "conflict"


class TooLarge(InputError):
    """A request body exceeds the cap of its route (`gsomia.app.doors`)."""

    code = "too_large"


class NotAcceptable(InputError):
    """The request's Accept takes no media type the route answers in (TAXII 2.1: 406)."""

    code = "not_acceptable"


class UnsupportedMediaType(InputError):
    """A body in a media type the route does not read (TAXII 2.1: 415)."""

    code = "unsupported_media_type"


class DamagedBundle(InputError):
    """A courier or air-gapped bundle does not read whole (`gsomia.exchange.bundle`, R27)."""

    code = "damaged_bundle"


class Unauthenticated(Error):
    """The request carries no valid credential."""

    code = "unauthenticated"


class VerificationError(Error):
    """Something that must verify did not.

    The message is fit for the log; callers facing a remote sender must not reveal which
    step failed beyond what the message already says.
    """

    code = "verification_failed"


class PolicyDenied(Error):
    """A treaty decision denied the request."""

    code = "denied"

    def __init__(self, message: str, *, article: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.article = article

    def __str__(self) -> str:
        return f"{super().__str__()} [{self.article}]"


class UsageError(Error):
    """The local operator misused the tool or the configuration is wrong."""

    code = "usage"


class Unavailable(Error):
    """A dependency cannot be reached now; the same request may succeed later."""

    code = "unavailable"


class RateLimited(Unavailable):
    """A sender went over its allowance (`gsomia.node.throttle`); `retry_after` seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class StoreDamaged(Error):
    """The database is damaged: a page or index no longer reads back as written. Nothing can
    be trusted or written until it is restored; retrying will not help."""

    code = "store_damaged"


def _lookup(table: dict[type[Error], int], error: Error) -> int:
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    return table[Error]  # pragma: no cover - Error is in every table


_HTTP_STATUS: dict[type[Error], int] = {
    Error: 500,
    InputError: 400,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    NotAcceptable: 406,
    UnsupportedMediaType: 415,
    Unauthenticated: 401,
    VerificationError: 422,
    PolicyDenied: 403,
    UsageError: 400,
    Unavailable: 503,
    StoreDamaged: 500,
    RateLimited: 429,
}

_EXIT_CODE: dict[type[Error], int] = {
    Error: 1,
    InputError: 2,
    NotFound: 2,
    Conflict: 2,
    TooLarge: 2,
    Unauthenticated: 77,
    VerificationError: 3,
    PolicyDenied: 4,
    UsageError: 64,
    Unavailable: 69,
    StoreDamaged: 74,  # EX_IOERR (sysexits.h)
    RateLimited: 75,  # EX_TEMPFAIL: try again later
}


def http_status(error: Error) -> int:
    """The HTTP status the API answers `error` with."""
    return _lookup(_HTTP_STATUS, error)


def exit_code(error: Error) -> int:
    """The process exit code the CLI ends with on `error`."""
    return _lookup(_EXIT_CODE, error)
