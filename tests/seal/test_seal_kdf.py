"""Node keys under scrypt, not PBKDF2-2048 alone; weak passphrases refused; old keys rewrapped
(issue 13, "Data at rest"; ADR 0074)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import UsageError
from gsomia.node.home import KEYS, init_home, load_home
from gsomia.seal import generate_node_keys, kdf, keys, load_node_keys, write_node_keys
from gsomia.seal.kdf import KDF_FILE, PRODUCTION, Cost, check_strength

STRONG = "seven-Tanks-hold-42-lines"
OTHER = "another Strong passphrase 99"


@pytest.mark.parametrize(
    ("weak", "why"),
    [
        ("a", "1 characters; at least 12"),
        ("hunter2", "7 characters"),
        ("aaaaaaaaaaaaaaaa", "fewer than 6 different"),
        ("abcdefabcdef", "guessable"),
    ],
)
def test_a_weak_passphrase_is_refused_with_a_clear_message(
    tmp_path: Path, weak: str, why: str
) -> None:
    with pytest.raises(UsageError, match="too weak") as refused:
        init_home(tmp_path / "kor", "KOR", "n", weak, profile="classic")
    assert why in refused.value.message
    assert not (tmp_path / "kor").exists()  # nothing made before the refusal


def test_init_refuses_a_weak_passphrase_at_the_console(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["init", str(tmp_path / "kor"), "--nation", "KOR", "--name", "n"],
        env={"GSOMIA_PASSPHRASE": "a"},
    )
    assert isinstance(result.exception, UsageError)
    assert "too weak" in str(result.exception)


def test_the_production_cost_is_scrypt_n_2_16_r_8() -> None:
    assert Cost(n=2**16, r=8, p=1) == PRODUCTION
    # The derived secret is scrypt at exactly these parameters (an independent implementation
    # agrees), so the cost is really paid; how long that takes is for the benchmarks to say.
    salt = b"0" * 16
    expected = hashlib.scrypt(
        STRONG.encode(), salt=salt, n=2**16, r=8, p=1, maxmem=128 * 2**20, dklen=32
    )
    assert kdf.derive(STRONG, salt, PRODUCTION) == base64.urlsafe_b64encode(expected).rstrip(b"=")


def test_keys_are_sealed_under_the_scrypt_secret_not_the_passphrase(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    write_node_keys(directory, generate_node_keys("classic"), STRONG)
    recorded = json.loads((directory / KDF_FILE).read_text())
    assert (recorded["alg"], recorded["n"], recorded["r"]) == ("scrypt", kdf.COST.n, kdf.COST.r)
    pem = (directory / "sig-ed25519.pem").read_bytes()
    # The passphrase alone opens nothing. A wrong key is usually caught by the padding check
    # ("Incorrect password"), but about once in 256 the padding happens to be valid and the
    # parser fails on the garbage instead: both are refusals, so any ValueError counts.
    with pytest.raises(ValueError, match=r"(?i)incorrect password|invalid|asn\.1|could not"):
        serialization.load_pem_private_key(pem, STRONG.encode())
    serialization.load_pem_private_key(pem, kdf.secret(directory, STRONG))
    assert load_node_keys(directory, STRONG, "classic").profile == "classic"


def test_an_edited_kdf_file_cannot_make_loading_hang(tmp_path: Path) -> None:
    directory = tmp_path / "keys"
    write_node_keys(directory, generate_node_keys("classic"), STRONG)
    recorded = json.loads((directory / KDF_FILE).read_text())
    (directory / KDF_FILE).write_text(json.dumps({**recorded, "n": 2**30}))
    with pytest.raises(UsageError, match="outside"):
        load_node_keys(directory, STRONG, "classic")


def test_a_pbkdf2_home_is_rewrapped_under_scrypt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A home as made before: every key file sealed under the bare passphrase, no kdf.json.
    with monkeypatch.context() as old:
        old.setattr(keys, "new_secret", lambda _directory, passphrase: passphrase.encode())
        home = init_home(tmp_path / "kor", "KOR", "ROK MND", STRONG, profile="classic")
    assert not (home.path / KEYS / KDF_FILE).exists()
    assert load_home(home.path, STRONG).keys.key_id == home.keys.key_id  # still loads
    result = CliRunner().invoke(
        app,
        ["identity", "rewrap", "--home", str(home.path)],
        env={"GSOMIA_PASSPHRASE": STRONG, "GSOMIA_NEW_PASSPHRASE": OTHER},
    )
    assert result.exit_code == 0, result.output
    assert "they were under PBKDF2 alone" in result.output
    assert (home.path / KEYS / KDF_FILE).exists()
    rewrapped = load_home(home.path, OTHER)
    assert rewrapped.keys.key_id == home.keys.key_id
    assert rewrapped.keys.storage_key == home.keys.storage_key
    assert rewrapped.keys.tls_certificate == home.keys.tls_certificate
    with pytest.raises(UsageError, match="cannot decrypt"):
        load_home(home.path, STRONG)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kor"]  # no directory left behind


def test_rewrap_refuses_a_weak_new_passphrase_and_keeps_the_keys(tmp_path: Path) -> None:
    home = init_home(tmp_path / "kor", "KOR", "ROK MND", STRONG, profile="classic")
    with pytest.raises(UsageError, match="too weak"):
        check_strength("short")
    result = CliRunner().invoke(
        app,
        ["identity", "rewrap", "--home", str(home.path)],
        env={"GSOMIA_PASSPHRASE": STRONG, "GSOMIA_NEW_PASSPHRASE": "short"},
    )
    assert isinstance(result.exception, UsageError)
    assert load_home(home.path, STRONG).keys.key_id == home.keys.key_id
