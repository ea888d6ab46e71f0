"""`gsomia bundle export | import | list` over real node homes (R27): the commands an officer
types on each side of an air gap, their exit codes and what they print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.node.node_fixtures import Cast, build_cast
from typer.testing import CliRunner

from gsomia.cli import app
from gsomia.errors import DamagedBundle, PolicyDenied, exit_code

runner = CliRunner()


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return build_cast(tmp_path_factory.mktemp("bundles"), ("KOR", "JPN"))


def _run(cast: Cast, nation: str, *args: str) -> tuple[int, str]:
    env = {"GSOMIA_PASSPHRASE": f"pw-{nation}-0123456789", "COLUMNS": "200"}
    home = str(cast[nation].home.path)
    result = runner.invoke(app, [*args, "--home", home], env=env)
    return result.exit_code, result.output


def test_r27_the_bundle_commands_carry_an_item_across_and_settle_its_receipt(
    cast: Cast, tmp_path: Path
) -> None:
    item = cast.publish("KOR", "kim", title="By hand", precedence="ROUTINE")
    cast.release("KOR", "park", item)
    out, back = tmp_path / "out.bundle", tmp_path / "back.bundle"
    code, text = _run(
        cast, "KOR", "bundle", "export", "--to", "JPN", "-o", str(out), "--as", "park",
        "--courier", "2nd Secretary Lee", "--items", item, "--json",
    )  # fmt: skip
    assert code == 0, text
    sent = json.loads(text)
    assert (sent["peer"], sent["messages"], sent["state"]) == ("JPN", 1, "awaiting")

    code, text = _run(
        cast, "JPN", "bundle", "import", str(out), "--as", "tanaka", "--receipt", str(back)
    )
    assert code == 0, text
    assert f"dispatch {sent['dispatch']} from KOR" in text
    assert "1 received" in text
    code, text = _run(
        cast, "JPN", "bundle", "import", str(out), "--as", "tanaka", "--receipt", str(back)
    )
    assert "nothing changed" in text

    code, text = _run(cast, "KOR", "bundle", "import", str(back), "--as", "park")
    assert code == 0, text
    assert f"receipt of {sent['dispatch']} from JPN" in text
    code, text = _run(cast, "KOR", "bundle", "list", "--as", "park", "--json")
    [listed] = [d for d in json.loads(text) if d["dispatch"] == sent["dispatch"]]
    assert listed["state"] == "acknowledged"


def test_r27_a_truncated_bundle_is_refused_by_name_with_what_to_do(
    cast: Cast, tmp_path: Path
) -> None:
    item = cast.publish("KOR", "kim", title="Cut short", precedence="ROUTINE")
    cast.release("KOR", "park", item)
    out = tmp_path / "cut.bundle"
    code, text = _run(
        cast, "KOR", "bundle", "export", "--to", "JPN", "-o", str(out), "--as", "park",
        "--courier", "Lee", "--items", item,
    )  # fmt: skip
    assert code == 0, text
    out.write_bytes(out.read_bytes()[:-10])
    assert isinstance(refused := runner_error(cast, "JPN", out, tmp_path), DamagedBundle)
    assert exit_code(refused) == 2
    assert "truncated" in refused.message
    assert "new copy" in str(refused.hint)
    assert not (tmp_path / "r").exists()
    # An analyst may not handle bundles at all.
    env = {"GSOMIA_PASSPHRASE": "pw-KOR-0123456789"}
    home = str(cast["KOR"].home.path)
    denied = runner.invoke(app, ["bundle", "list", "--as", "kim", "--home", home], env=env)
    assert isinstance(denied.exception, PolicyDenied)
    assert exit_code(denied.exception) == 4


def runner_error(cast: Cast, nation: str, bundle: Path, tmp_path: Path) -> BaseException | None:
    env = {"GSOMIA_PASSPHRASE": f"pw-{nation}-0123456789"}
    args = ["bundle", "import", str(bundle), "--as", "tanaka", "--receipt", str(tmp_path / "r")]
    result = runner.invoke(app, [*args, "--home", str(cast[nation].home.path)], env=env)
    return result.exception


def test_r27_the_receipt_period_is_shown_as_the_policy_setting_it_is() -> None:
    result = runner.invoke(app, ["agreement", "show", "KOR-JPN-2016"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "courier receipt due within 30 days" in result.output
    assert "policy settings: the treaty gives no period" in result.output
