"""The CLI across TLS pinning: an old home's card is re-made on export, and an http:// partner
endpoint needs the development flag."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import UsageError
from gsomia.node.home import CARD, KEYS, init_home

PASSPHRASE = "passphrase-for-tests"
runner = CliRunner()


def _downgrade(home: Path) -> None:
    """Make `home` as it was before link keys: no TLS key, storage key, or tls on the card."""
    for name in ("tls-key.pem", "tls-cert.pem", "storage-key.json"):
        (home / KEYS / name).unlink()
    raw = json.loads((home / CARD).read_bytes())
    del raw["tls"], raw["fingerprint"]
    raw["type"] = "gsomia-identity/1"
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    raw["fingerprint"] = hashlib.sha256(canonical.encode()).hexdigest()
    (home / CARD).write_text(json.dumps(raw))


def test_identity_export_of_an_old_home_gives_the_new_card(tmp_path: Path) -> None:
    home = init_home(tmp_path / "kor", "KOR", "ROK MND", PASSPHRASE).path
    _downgrade(home)
    result = runner.invoke(
        app, ["identity", "export", "--home", str(home)], env={"GSOMIA_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)
    assert card["type"] == "gsomia-identity/2"
    assert card["tls"]


@pytest.mark.parametrize("flag", [[], ["--insecure-peer-http"]], ids=["strict", "dev-flag"])
def test_peer_add_of_an_http_endpoint_needs_the_development_flag(
    tmp_path: Path, flag: list[str]
) -> None:
    kor = init_home(tmp_path / "kor", "KOR", "KOR", PASSPHRASE).path
    jpn = init_home(tmp_path / "jpn", "JPN", "JPN", PASSPHRASE).path
    args = ["peer", "add", str(jpn / CARD), "--home", str(kor)]
    args += ["--endpoint", "http://jpn.example:8401", *flag]
    result = runner.invoke(app, args, env={"GSOMIA_PASSPHRASE": PASSPHRASE})
    if flag:
        assert result.exit_code == 0, result.output
        return
    assert isinstance(result.exception, UsageError)
    assert "not https" in result.exception.message
