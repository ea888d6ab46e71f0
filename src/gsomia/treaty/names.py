"""Names an operator types, checked as they are typed: nation codes and page languages.

A value that is checked only where it is used fails late and far from the person who typed
it: `--nationality KOREA` was stored and then matched no nationality rule, `--rel JNP` made an
item releasable to no one, `--language fr` gave English pages (issue 16). Each is refused here,
naming what is known, the way an unknown marking names the closest markings.

Nation codes are ISO 3166-1 alpha-3, the form STANAG 4774 labels and the agreements use; the
list is pycountry's copy of the ISO registry.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable

import pycountry

from gsomia.errors import InputError

#: The languages the node's pages and messages are written in.
LANGUAGES = ("en", "ko", "ja")


@functools.cache
def _countries() -> dict[str, str]:
    """ISO 3166-1 alpha-3 code → the country's name."""
    return {country.alpha_3: country.name for country in pycountry.countries}


def _closest(text: str, known: Iterable[str] = ()) -> list[str]:
    """Codes whose code or name is near `text`, those `known` here first: `KOREA` → KOR,
    PRK; `JNP` with JPN known → JPN first."""
    countries = _countries()
    key = text.strip().upper()
    ours = difflib.get_close_matches(key, sorted(known), n=2, cutoff=0.3)
    by_code = difflib.get_close_matches(key, list(countries), n=3, cutoff=0.6)
    names = {name.upper(): code for code, name in countries.items()}
    by_name = [names[name] for name in names if key and (name.startswith(key) or f" {key}" in name)]
    return list(dict.fromkeys([*ours, *by_code, *by_name]))[:4]


def nation_code(text: str, what: str, *, known: Iterable[str] = ()) -> str:
    """`text` as an ISO 3166-1 alpha-3 code (upper case); InputError naming `what` was
    typed and the closest codes, else the `known` ones, otherwise."""
    code = text.strip().upper()
    if code in _countries():
        return code
    closest = [c for c in _closest(text, known) if c in _countries()]
    if closest:
        hint = "did you mean " + ", ".join(f"{c} ({_countries()[c]})" for c in closest) + "?"
    else:
        hint = "use an ISO 3166-1 alpha-3 code" + (
            f", e.g. {', '.join(sorted(known))}" if known else ", e.g. KOR, JPN, USA"
        )
    raise InputError(f"{what} {text!r} is not an ISO 3166-1 alpha-3 nation code", hint=hint)


def language(text: str, what: str = "--language") -> str:
    """`text` if the pages are written in it; InputError naming the languages otherwise."""
    value = text.strip().lower()
    if value not in LANGUAGES:
        raise InputError(
            f"{what} {text!r} is not a language of the pages", hint="use " + ", ".join(LANGUAGES)
        )
    return value
