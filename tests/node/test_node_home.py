"""Node homes: init writes config, keys and card; load gets them back; nothing is overwritten."""

from __future__ import annotations

import stat
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gsomia.errors import Conflict, UsageError
from gsomia.node.home import init_home, load_home

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PW = "pw-home-0123456789"


def test_init_then_load(tmp_path: Path) -> None:
    home = init_home(tmp_path / "kor", "KOR", "MND Seoul", PW, profile="classic", now=NOW)
    config = tomllib.loads((tmp_path / "kor" / "config.toml").read_text())
    assert config["node"] == {"nation": "KOR", "name": "MND Seoul", "profile": "classic"}
    assert config["server"]["listen"] == "127.0.0.1:8400"
    assert config["database"]["url"].startswith("sqlite:///")
    assert stat.S_IMODE((tmp_path / "kor").stat().st_mode) == 0o700
    loaded = load_home(tmp_path / "kor", PW)
    assert loaded.card == home.card
    assert loaded.keys.key_id == home.keys.key_id
    assert loaded.config == home.config


def test_database_url_is_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"  # init reaches it first: a real one
    init_home(tmp_path / "h", "KOR", "n", PW, profile="classic", database_url=url, now=NOW)
    assert load_home(tmp_path / "h", PW).config.database_url == url


def test_non_empty_home_is_refused(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "something").write_text("x")
    with pytest.raises(Conflict, match="not empty"):
        init_home(tmp_path / "h", "KOR", "n", PW, now=NOW)


def test_wrong_passphrase_and_missing_home_are_usage_errors(tmp_path: Path) -> None:
    init_home(tmp_path / "h", "KOR", "n", PW, profile="classic", now=NOW)
    with pytest.raises(UsageError, match="passphrase"):
        load_home(tmp_path / "h", "other")
    with pytest.raises(UsageError, match="not a node home"):
        load_home(tmp_path / "nowhere", PW)
