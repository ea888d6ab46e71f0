"""`gsomia user passwd`: the password reaches the node's user table as an Argon2 hash."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.node.home import KEYS, init_home, read_config
from gsomia.node.runtime import utcnow
from gsomia.seal.at_rest import Vault
from gsomia.seal.keys import load_storage_key
from gsomia.store.db import make_engine, migrate
from gsomia.store.users import UserRecord, add_user, check_password


def _vault(home: Path) -> Vault:
    return Vault(load_storage_key(home / KEYS, "passphrase-for-tests"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "kor"
    init_home(path, "KOR", "ROK MND", "passphrase-for-tests")
    engine = make_engine(read_config(path).database_url)
    migrate(engine)
    with engine.begin() as conn:
        record = UserRecord(
            "kim", "KOR", "군사II급비밀", date(2030, 1, 1), ("x",), ("analyst",), True
        )
        add_user(conn, record, utcnow(), _vault(path))
    engine.dispose()
    return path


def test_passwd_from_the_environment(home: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["user", "passwd", "--home", str(home), "kim"],
        env={  # the verifier is sealed under the storage key (ADR 0150)
            "GSOMIA_USER_PASSWORD": "a long enough passphrase",
            "GSOMIA_PASSPHRASE": "passphrase-for-tests",
        },
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(read_config(home).database_url)
    with engine.connect() as conn:
        assert check_password(conn, "kim", "a long enough passphrase", _vault(home)) is not None
        assert check_password(conn, "kim", "another passphrase", _vault(home)) is None
    engine.dispose()


def test_short_password_is_refused(home: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["user", "passwd", "--home", str(home), "kim"],
        env={"GSOMIA_USER_PASSWORD": "short", "GSOMIA_PASSPHRASE": "passphrase-for-tests"},
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in str(result.exception)
