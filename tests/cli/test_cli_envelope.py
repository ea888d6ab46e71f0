"""The operator's path between two node homes: init, export cards, seal, inspect, open."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import Error, exit_code

ENV = {"GSOMIA_PASSPHRASE": "correct horse battery staple"}


def run(*args: str, env: dict[str, str] = ENV) -> tuple[int, bytes, str]:
    """Exit code, stdout bytes and stderr, with gsomia errors mapped as `gsomia.cli.main` does."""
    result = CliRunner().invoke(app, list(args), env=env)
    if isinstance(result.exception, Error):
        return exit_code(result.exception), result.stdout_bytes, str(result.exception)
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("homes")
    for nation, name in (("KOR", "MND Seoul"), ("JPN", "MOD Tokyo")):
        code, out, _ = run("init", str(root / nation), "--nation", nation, "--name", name)
        assert code == 0, out
        code, card, err = run("identity", "export", "--home", str(root / nation))
        assert code == 0
        assert "fingerprint" in err
        (root / f"{nation}.json").write_bytes(card)
    (root / "item.txt").write_text("DPRK launch track 0412\n")
    return root


def seal(root: Path, *extra: str) -> tuple[int, bytes, str]:
    return run(
        "envelope", "seal", "--home", str(root / "KOR"), "--to", str(root / "JPN.json"),
        "--level", "군사Ⅱ급비밀", "--rel", "JPN", "--purpose", "missile warning",
        "--precedence", "FLASH", "--media-type", "text/plain", *extra,
    )  # fmt: skip


def test_seal_inspect_open_between_two_homes(homes: Path) -> None:
    code, envelope, _ = seal(homes, str(homes / "item.txt"))
    assert code == 0
    (homes / "env.json").write_bytes(envelope)
    code, shown, _ = run("envelope", "inspect", str(homes / "env.json"))
    assert code == 0
    text = shown.decode()
    assert "군사II급비밀" in text  # the originator's native marking, NFKC-normalised
    assert "missile warning" in text
    code, content, err = run(
        "envelope", "open", "--home", str(homes / "JPN"), "--from", str(homes / "KOR.json"),
        str(homes / "env.json"),
    )  # fmt: skip
    assert code == 0, err
    assert content == b"DPRK launch track 0412\n"
    assert "MND Seoul" in err


def test_stream_envelope_to_file(homes: Path) -> None:
    (homes / "big.bin").write_bytes(bytes(range(256)) * 5000)
    out = homes / "big.gss"
    code, _, _ = seal(homes, "--stream", "-o", str(out), str(homes / "big.bin"))
    assert code == 0
    code, shown, _ = run("envelope", "inspect", str(out))
    assert "stream/1" in shown.decode()
    code, _, err = run(
        "envelope", "open", "--home", str(homes / "JPN"), "--from", str(homes / "KOR.json"),
        "-o", str(homes / "big.out"), str(out),
    )  # fmt: skip
    assert code == 0, err
    assert (homes / "big.out").read_bytes() == (homes / "big.bin").read_bytes()


def test_wrong_node_or_untrusted_sender_exit_3_without_content(homes: Path) -> None:
    _, envelope, _ = seal(homes, str(homes / "item.txt"))
    (homes / "env2.json").write_bytes(envelope)
    code, content, _ = run(
        "envelope", "open", "--home", str(homes / "KOR"), "--from", str(homes / "KOR.json"),
        str(homes / "env2.json"),
    )  # fmt: skip
    assert (code, content) == (3, b"")
    code, content, _ = run(
        "envelope", "open", "--home", str(homes / "JPN"), "--from", str(homes / "JPN.json"),
        str(homes / "env2.json"),
    )  # fmt: skip
    assert (code, content) == (3, b"")


def test_init_refuses_empty_passphrase_and_existing_home(homes: Path, tmp_path: Path) -> None:
    code, _, err = run(
        "init", str(tmp_path / "x"), "--nation", "KOR", "--name", "n", env={"GSOMIA_PASSPHRASE": ""}
    )
    assert code == 64
    assert "empty passphrase" in err
    code, _, err = run("init", str(homes / "KOR"), "--nation", "KOR", "--name", "n")
    assert code == 2
    assert "not empty" in err


def test_unknown_level_is_named(homes: Path) -> None:
    code, _, err = run(
        "envelope", "seal", "--home", str(homes / "KOR"), "--to", str(homes / "JPN.json"),
        "--level", "極秘", "--rel", "JPN", "--purpose", "p", str(homes / "item.txt"),
    )  # fmt: skip
    assert code == 2
    assert "極秘" in err
