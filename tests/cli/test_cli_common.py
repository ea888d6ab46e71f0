"""The CLI's shared rendering and the workflow commands built on it, against a stand-in node."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

import gsomia.cli
from gsomia.cli import common, consent, notices, visits
from gsomia.cli.common import Reach
from gsomia.errors import InputError, UsageError

RUNNER = CliRunner()
AS = ["--url", "http://node", "--token", "t"]
AT = "2026-05-01T10:20:30.123456+00:00"


class FakeNode:
    """Answers what a node would, and remembers what it was asked."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str, Any]] = []

    def __enter__(self) -> FakeNode:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def get(self, path: str) -> Any:
        self.asked.append(("GET", path, None))
        return self.answer

    def post(self, path: str, body: Any = None) -> Any:
        self.asked.append(("POST", path, body))
        return self.answer


def stand_in(monkeypatch: pytest.MonkeyPatch, module: Any, answer: Any) -> FakeNode:
    node = FakeNode(answer)
    if hasattr(module, "connect"):
        monkeypatch.setattr(module, "connect", lambda *_: node)
    else:  # the module reaches the node through the shared command context
        monkeypatch.setattr(Reach, "connect", lambda _self: node)
    return node


def run(*args: str) -> str:
    result = RUNNER.invoke(gsomia.cli.app, [*args, *AS], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def rendered(table: Table) -> str:
    console = Console(width=200, no_color=True)
    with console.capture() as captured:
        console.print(table)
    return captured.get()


def test_states_have_one_colour_whatever_the_workflow() -> None:
    assert common.styled("granted") == "[green]granted[/]"
    assert common.styled("refused") == common.styled("refused", common.STATE_STYLE)
    assert common.styled("FLASH", common.PRECEDENCE_STYLE) == "[bold white on red]FLASH[/]"
    assert common.styled("draft") == "draft"  # no colour: shown plain, not as broken markup


def test_times_are_cut_to_the_second_or_the_minute() -> None:
    assert common.moment(AT) == "2026-05-01T10:20:30"
    assert common.minute(AT) == "2026-05-01T10:20"


def test_a_day_parses_or_names_the_option_and_the_form() -> None:
    assert common.iso_day("2026-05-01", "--at") == date(2026, 5, 1)
    with pytest.raises(UsageError, match="--at 'yesterday' is not a date") as refused:
        common.iso_day("yesterday", "--at")
    assert refused.value.hint == "write it as YYYY-MM-DD"
    with pytest.raises(InputError, match="--clearance-expires"):
        common.iso_day("2026-13-01", "--clearance-expires", InputError)


def test_a_case_shows_only_its_set_fields_in_order() -> None:
    case = {"status": "granted", "holder": "JPN", "item_ids": ["i1", "i2"], "reason": None}
    text = rendered(common.fields(case, ("holder", "status", "item_ids", "reason"), "consent c1"))
    assert text.index("holder") < text.index("status") < text.index("i1, i2")
    assert "reason" not in text
    table = rendered(common.grid(("a", "b"), [("1", "2"), ("3", "4")], title="t"))
    assert "┃ a" in table
    assert "│ 3" in table


def test_no_node_named_is_refused_with_what_to_do() -> None:
    with pytest.raises(UsageError) as refused:
        common.connect(None, "park", None, None)
    assert "--home DIR --as USER" in (refused.value.hint or "")


@pytest.mark.parametrize("verb", ["refuse", "revoke"])
def test_refuse_and_revoke_post_their_own_verb(monkeypatch: pytest.MonkeyPatch, verb: str) -> None:
    node = stand_in(monkeypatch, consent, {"id": "c1", "status": f"{verb}d", "reason": "r"})
    out = run("consent", verb, "c1", "--reason", "no need")
    assert node.asked == [("POST", f"/api/v1/consents/c1/{verb}", {"reason": "no need"})]
    assert "consent c1" in out


def test_refuse_without_a_reason_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    node = stand_in(monkeypatch, consent, {})
    result = RUNNER.invoke(gsomia.cli.app, ["consent", "refuse", "c1", *AS])
    assert result.exit_code != 0
    assert node.asked == []


@pytest.mark.parametrize("group", ["item", "consent"])
def test_onward_is_one_command_under_both_names(
    monkeypatch: pytest.MonkeyPatch, group: str
) -> None:
    transfer = {
        "item_id": "i1",
        "from": "JPN",
        "to": "USA",
        "level": "SECRET",
        "basis": "Art. 5",
        "consent_id": "c1",
    }
    node = stand_in(monkeypatch, consent, {"transfer": transfer})
    out = run(group, "onward", "h1", "--to", "USA", "--consent", "c1")
    assert node.asked == [("POST", "/api/v1/holdings/h1/onward", {"to": "USA", "consent_id": "c1"})]
    assert "released onward i1 JPN → USA" in out


def test_visit_list_shows_a_refusal_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    visit = {
        "id": "v-1",
        "side": "visitor",
        "host": "KOR",
        "visitors": ["a", "b"],
        "facility": "f",
        "subject": "s",
        "start": AT,
        "end": AT,
        "kind": "one-time",
        "max_level": None,
        "requested_level": "II",
        "status": "refused",
        "refusal": "no escort",
    }
    stand_in(monkeypatch, visits, [visit, {**visit, "status": "approved", "refusal": None}])
    out = run("visit", "list")
    assert "refused: no escort" in out
    assert "2026-05-01T10:20 → 2026-05-01T10:20 (one-time)" in out
    assert "II (asked)" in out


def test_notice_show_names_each_holders_state(monkeypatch: pytest.MonkeyPatch) -> None:
    notice = {
        "id": "n1",
        "change": "downgrade",
        "item_id": "i1",
        "originator": "KOR",
        "previous": "II",
        "level": "III",
        "effective": AT,
        "direction": "sent",
        "holders": ["JPN", "USA", "GBR"],
        "acknowledged": [{"holder": "JPN", "holding_id": "h1", "level": "秘", "at": AT}],
        "refused": [{"holder": "USA", "reason": "unknown item", "article": "Art. 9"}],
        "outstanding": ["GBR"],
    }
    stand_in(monkeypatch, notices, notice)
    out = run("notice", "show", "n1")
    assert "effective 2026-05-01T10:20:30, sent" in out
    for holder, state in (("JPN", "acknowledged"), ("USA", "refused"), ("GBR", "outstanding")):
        assert any(holder in line and state in line for line in out.splitlines())
    assert "outstanding: GBR" in out


def test_a_text_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "t.txt"
    bad.write_bytes(b"\xff\xfe")
    args = ["item", "translate", "h1", "--translator", "t", "--language", "ja", "--file", str(bad)]
    result = RUNNER.invoke(gsomia.cli.app, [*args, *AS])
    assert isinstance(result.exception, UsageError)
    assert "UTF-8" in result.exception.message


def test_every_reaching_command_gets_the_four_options_as_one_reach(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[Reach] = []

    def connect(reach: Reach) -> FakeNode:
        seen.append(reach)
        return FakeNode([])

    monkeypatch.setattr(Reach, "connect", connect)
    for command in (["visit", "list"], ["compromise", "list"], ["contractor", "list"]):
        out = RUNNER.invoke(
            gsomia.cli.app, [*command, "--home", str(tmp_path), "--as", "park"], env={}
        )
        assert out.exit_code == 0, out.output
        out = RUNNER.invoke(gsomia.cli.app, [*command, "--url", "http://n", "--token", "t"])
        assert out.exit_code == 0, out.output
    assert seen == [Reach(tmp_path, "park"), Reach(url="http://n", token="t")] * 3
