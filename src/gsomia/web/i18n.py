"""The pages' static texts in English, Korean and Japanese, from `messages/<lang>.json`.

Markings, names and reasons from the treaty are shown as they are; only the interface's own
words are translated. A key missing in a language falls back to English, and a key missing in
English shows as itself, so a gap is visible rather than blank.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from gsomia.treaty import names

LANGUAGES = names.LANGUAGES  # checked where a person's language is set
DEFAULT = "en"


@cache
def catalogue(language: str) -> dict[str, str]:
    """The messages of `language` (English for an unknown one)."""
    if language not in LANGUAGES:
        language = DEFAULT
    text = resources.files("gsomia.web").joinpath("messages", f"{language}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(text)
    return data


class Translator:
    """`t("key", name=...)` in one language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self._own = catalogue(self.language)
        self._fallback = catalogue(DEFAULT)

    def __call__(self, key: str, **values: object) -> str:
        text = self._own.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text


def pick_language(accept_language: str) -> str:
    """The first of our languages an `Accept-Language` header names (before login)."""
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
