"""Banner colours by level, their contrast (WCAG 2.1 AA), and the message catalogues."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from gsomia.treaty import load_schemes
from gsomia.web.i18n import LANGUAGES, Translator, catalogue, pick_language
from gsomia.web.marking import TIERS, marking, tier_of

CSS = resources.files("gsomia.web").joinpath("static", "gsomia.css").read_text("utf-8")
AA_NORMAL_TEXT = 4.5  # WCAG 2.1 success criterion 1.4.3


def _luminance(hex_colour: str) -> float:
    """Relative luminance, WCAG 2.1 definition."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_against_wcag_anchors() -> None:
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("tier", TIERS)
def test_every_tier_colour_pair_meets_aa(tier: str) -> None:
    rule = re.search(
        rf"\.tier-{tier} \{{ background: (#[0-9a-f]{{6}}); color: (#[0-9a-f]{{6}}); \}}", CSS
    )
    assert rule, f"no colour rule for tier {tier}"
    assert _contrast(rule[1], rule[2]) >= AA_NORMAL_TEXT


@pytest.mark.parametrize(
    ("nation", "native", "tier"),
    [
        # The KOR-JPN-2016 Art. 4 table: each row shares one colour across both schemes.
        ("KOR", "군사II급비밀", "secret"),
        ("JPN", "極秘", "secret"),
        ("JPN", "特定秘密", "secret"),
        ("KOR", "군사III급비밀", "confidential"),
        ("JPN", "秘", "confidential"),
        ("KOR", "군사I급비밀", "top-secret"),
        ("JPN", "機密", "top-secret"),
        ("USA", "TOP SECRET", "top-secret"),
        ("KOR", "대외비", "restricted"),
    ],
)
def test_level_colour_follows_its_english_equivalent(nation: str, native: str, tier: str) -> None:
    assert marking(load_schemes(), nation, native).tier == tier


def test_an_unknown_marking_is_never_coloured_as_a_level() -> None:
    found = marking(load_schemes(), "KOR", "NOT A LEVEL")
    assert found.tier == "unknown"
    assert found.native == "NOT A LEVEL"
    assert tier_of("") == "unknown"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_have_the_same_keys(language: str) -> None:
    assert set(catalogue(language)) == set(catalogue("en"))
    assert all(text.strip() for text in catalogue(language).values())


def test_translator_falls_back_visibly() -> None:
    assert Translator("xx")("logout") == "Sign out"
    assert Translator("ja")("no-such-key") == "no-such-key"
    assert Translator("ko")("notice_days", days=90) == "90일 전 통보"


@pytest.mark.parametrize(
    ("header", "language"),
    [("ko-KR,ko;q=0.9", "ko"), ("ja", "ja"), ("fr-FR,en;q=0.5", "en"), ("", "en")],
)
def test_language_before_login_from_accept_language(header: str, language: str) -> None:
    assert pick_language(header) == language
