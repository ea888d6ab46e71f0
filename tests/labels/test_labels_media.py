"""Media types by the RFC 6838 grammar: what is accepted, what is refused, what is shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gsomia.errors import InputError
from gsomia.labels.media import (
    MAX_MEDIA_TYPE,
    attachment_headers,
    check_media_type,
    shown_inline,
)


@pytest.mark.parametrize(
    "value",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/octet-stream",
        "application/vnd.nato.ism+xml",
        'text/plain;charset="utf-8"',
        "text/html",  # accepted, but never shown inline (see below)
        "image/svg+xml",
    ],
)
def test_media_types_by_the_grammar_are_accepted(value: str) -> None:
    assert check_media_type(value) == value


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("text/plain\r\nSet-Cookie: a=b", "line break"),
        ("text/plain\n", "line break"),
        ("text/plain; charset=utf-8\r", "line break"),
        ("", "not a media type"),
        ("text", "not a media type"),
        ("text/", "not a media type"),
        ("/plain", "not a media type"),
        ("text/plain; charset", "not a media type"),
        ("text/pl ain", "not a media type"),
        ("text/plain\x00", "not a media type"),
        ('text/plain; a="\x7f"', "not a media type"),
        ("tëxt/plain", "not a media type"),
        ("text/" + "a" * MAX_MEDIA_TYPE, "at most"),
    ],
)
def test_malformed_media_types_are_refused(value: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        check_media_type(value)


def test_a_media_type_is_a_string() -> None:
    with pytest.raises(InputError):
        check_media_type(None)


@given(st.text(max_size=60), st.sampled_from(["\r", "\n"]), st.text(max_size=60))
def test_no_line_break_ever_passes(before: str, line_break: str, after: str) -> None:
    with pytest.raises(InputError):
        check_media_type(before + line_break + after)


@given(st.text(max_size=80))
def test_what_passes_is_printable_ascii_with_a_slash(value: str) -> None:
    try:
        checked = check_media_type(value)
    except InputError:
        return
    assert "/" in checked
    assert all(" " <= c <= "~" or c == "\t" for c in checked)


@pytest.mark.parametrize(
    ("value", "inline"),
    [
        ("text/plain; charset=utf-8", True),
        ("TEXT/Plain", True),
        ("text/csv", True),
        ("text/html", False),
        ("text/xml", False),
        ("image/svg+xml", False),
        ("application/octet-stream", False),
    ],
)
def test_only_plain_text_is_shown_inline(value: str, inline: bool) -> None:
    assert shown_inline(value) is inline


def test_attachment_headers_sandbox_the_content() -> None:
    headers = attachment_headers("h-1")
    assert headers["Content-Disposition"] == 'attachment; filename="h-1"'
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"].startswith("sandbox")
