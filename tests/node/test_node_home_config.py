"""A home that is damaged is named, not half-loaded: config, card and keys must agree."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gsomia.errors import UsageError
from gsomia.node.home import CARD, CONFIG, DEFAULT_LISTEN, init_home, load_home, read_config

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PASS = "pw-0123456789"


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two classic-profile homes, `kor` and `jpn`, made once; tests copy them."""
    root = tmp_path_factory.mktemp("homes")
    init_home(root / "kor", "KOR", "MND", PASS, profile="classic", now=NOW)
    init_home(root / "jpn", "JPN", "MOD", PASS, profile="classic", now=NOW)
    return root


def copy(homes: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(homes / name, target)
    return target


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("node = [", "is not valid TOML"),
        ('[server]\nlisten = "x"\n', "lacks 'node'"),
        ('[node]\nnation = "KOR"\n', "lacks 'name'"),
        ('node = "KOR"\n', "lacks"),
        ('[node]\nnation = "KOR"\nname = "n"\n[server]\nendpoints = 5\n', "lacks"),
    ],
    ids=["not-toml", "no-node", "no-name", "node-not-table", "endpoints-not-list"],
)
def test_a_damaged_config_is_named(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / CONFIG).write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=problem):
        read_config(tmp_path)


def test_defaults_fill_what_the_config_leaves_out(tmp_path: Path) -> None:
    (tmp_path / CONFIG).write_text('[node]\nnation = "KOR"\nname = "MND"\n', encoding="utf-8")
    config = read_config(tmp_path)
    assert config.listen == DEFAULT_LISTEN
    assert config.database_url == f"sqlite:///{(tmp_path / 'node.db').resolve()}"
    assert config.endpoints == ()


def test_a_missing_card_is_named(homes: Path, tmp_path: Path) -> None:
    home = copy(homes, "kor", tmp_path)
    (home / CARD).unlink()
    with pytest.raises(UsageError, match=r"identity\.json is missing"):
        load_home(home, PASS)


def test_a_card_of_other_keys_is_refused(homes: Path, tmp_path: Path) -> None:
    home = copy(homes, "kor", tmp_path)
    shutil.copy(homes / "jpn" / CARD, home / CARD)
    with pytest.raises(UsageError, match="does not belong to the keys"):
        load_home(home, PASS)
