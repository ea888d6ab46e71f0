"""Media types as the node accepts them: the RFC 6838 grammar, strictly, and which of them a
page may show inline.

A media type travels in the partner's signed envelope and comes back out as the
`Content-Type` of every read. A partner who signs `text/html` or a value with a CR/LF in it
is still a partner, so the signature proves nothing about the value: it is checked here, at
publication and at receipt, against the grammar alone (type "/" subtype, then `; name=value`
parameters), never by a looser "anything without a slash in the wrong place".
"""

from __future__ import annotations

import re

from gsomia.errors import InputError

MAX_MEDIA_TYPE = 200  # the width of the media_type columns

# RFC 6838 §4.2: restricted-name = restricted-name-first *126restricted-name-chars
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
# RFC 9110 §5.6.2 token, §5.6.4 quoted-string without obs-text or control characters.
_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t !#-\[\]-~]|\\[\t -~])*"'
_PARAMETER = rf"[ \t]*;[ \t]*{_TCHARS}=(?:{_TCHARS}|{_QUOTED})"
_MEDIA_TYPE = re.compile(rf"({_NAME})/({_NAME})((?:{_PARAMETER})*)")

#: What a page may show as text inside the node's own origin. Everything else (HTML, SVG,
#: XML, scripts, anything unknown) is only ever offered as a sandboxed download.
INLINE_TEXT = frozenset({"text/plain", "text/csv"})


def check_media_type(value: object) -> str:
    """`value` if it is a media type by the RFC 6838 grammar, at most `MAX_MEDIA_TYPE`
    characters; otherwise `InputError` naming the problem (a CR/LF is named as such, since
    it is the header-splitting attempt)."""
    if not isinstance(value, str):
        raise InputError("a media type is a string")
    if "\r" in value or "\n" in value:
        raise InputError("a media type may not contain a line break")
    if len(value) > MAX_MEDIA_TYPE:
        raise InputError(f"a media type is at most {MAX_MEDIA_TYPE} characters")
    if _MEDIA_TYPE.fullmatch(value) is None:
        raise InputError(
            f"{value!r} is not a media type",
            hint='use type/subtype with optional parameters, e.g. "text/plain; charset=utf-8"',
        )
    return value


def essence(media_type: str) -> str:
    """The type and subtype of a checked media type, lower-cased, without parameters."""
    return media_type.split(";", 1)[0].strip().lower()


def shown_inline(media_type: str) -> bool:
    """Whether a page may show content of `media_type` as text (escaped) rather than only
    offer it as an attachment."""
    return essence(media_type) in INLINE_TEXT


def attachment_headers(name: str) -> dict[str, str]:
    """The headers under which a partner's content leaves the node's origin: a download
    (never rendered in a page of the origin that holds the reader's session and token), its
    type not sniffed, and, should a browser render it anyway, in a sandbox with nothing to
    fetch and no script. `name` is an id of ours, so it needs no quoting beyond the quotes."""
    return {
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "no-store",
    }
