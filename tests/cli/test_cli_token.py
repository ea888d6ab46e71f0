"""`gsomia init --keys pkcs11:…`: a home whose Ed25519 and X25519 keys are in a token (ADR 0091)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import Error, exit_code
from gsomia.node.home import load_home

PASSPHRASE = "correct horse battery staple"
ENV = {"GSOMIA_PASSPHRASE": PASSPHRASE}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=ENV)
    if isinstance(result.exception, Error):
        return exit_code(result.exception), str(result.exception)
    return result.exit_code, result.stdout


def test_init_keys_in_a_token_and_the_home_loads_through_it(hsm_uri: str, tmp_path: Path) -> None:
    home = tmp_path / "kor"
    code, out = run("init", str(home), "--nation", "KOR", "--name", "MND", "--keys", hsm_uri)
    assert code == 0, out
    config = (home / "config.toml").read_text("utf-8")
    pin = Path(hsm_uri.rsplit("pin-source=file:", 1)[1]).read_text("utf-8")
    assert hsm_uri in config
    assert pin not in config
    loaded = load_home(home, PASSPHRASE)
    assert loaded.keys.in_token
    assert loaded.card.key_id == loaded.keys.key_id
    code, out = run(
        "init", str(tmp_path / "again"), "--nation", "KOR", "--name", "M", "--keys", hsm_uri
    )
    assert code == 2
    assert "already holds keys" in out


def test_init_refuses_a_pin_in_the_uri(tmp_path: Path) -> None:
    uri = "pkcs11:token=T;object=node?pin-value=123456"
    code, out = run("init", str(tmp_path / "kor"), "--nation", "KOR", "--name", "M", "--keys", uri)
    assert code == 64
    assert "in clear" in out
    assert not (tmp_path / "kor").exists()
