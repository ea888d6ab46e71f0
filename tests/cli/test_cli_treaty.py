"""The treaty commands, through Typer's runner and, for exit codes, the installed `gsomia`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import gsomia.cli
from gsomia.errors import NotFound, PolicyDenied, UsageError
from gsomia.treaty.schemes import UnknownMarking

RUNNER = CliRunner()
GSOMIA = Path(sys.executable).with_name("gsomia")


def run(*args: str) -> str:
    result = RUNNER.invoke(
        gsomia.cli.app, list(args), catch_exceptions=False, env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_schemes_lists_every_nation_in_its_script() -> None:
    out = run("schemes")
    for marking in ("군사II급비밀", "特定秘密", "COSMIC TOP SECRET", "TRÈS SECRET", "PROTECTED"):
        assert marking in out
    assert "防衛秘密" not in out
    assert "防衛秘密" in run("schemes", "--all")


def test_scheme_at_a_date() -> None:
    assert "防衛秘密" in run("scheme", "JPN", "--at", "2013-01-01")
    assert "特定秘密" in run("scheme", "jpn")


def test_translate_prints_primary_and_alternative() -> None:
    out = run("translate", "--agreement", "KOR-JPN-2016", "KOR", "군사Ⅱ급비밀", "JPN")
    assert out.splitlines()[0] == "極秘"
    assert "alternative: 特定秘密" in out
    assert "SECRET" in out


def test_translate_top_secret_is_denied() -> None:
    result = RUNNER.invoke(
        gsomia.cli.app, ["translate", "--agreement", "KOR-JPN-2016", "KOR", "군사I급비밀", "JPN"]
    )
    assert isinstance(result.exception, PolicyDenied)
    assert "not covered by KOR-JPN-2016" in str(result.exception)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2019-09-01", ["termination_notified", "notice takes effect on: 2019-11-23"]),
        ("2020-09-01", ["termination_notice_suspended", "disputed"]),
        ("2024-06-01", ["in_force", "next anniversary: 2024-11-23", "deadline: 2024-08-24"]),
        ("2024-09-01", ["next anniversary: 2025-11-23", "deadline: 2025-08-24"]),
        ("2016-11-01", ["draft"]),
    ],
)
def test_agreement_show(at: str, expected: list[str]) -> None:
    out = run("agreement", "show", "KOR-JPN-2016", "--at", at)
    for text in [*expected, "KOR", "JPN", "極秘 / 特定秘密", "군사III급비밀", "[NHK-2016]"]:
        assert text in out


def test_agreement_show_today_and_list() -> None:
    assert "next notice deadline" in run("agreement", "show", "KOR-JPN-2016")
    out = run("agreements", "--at", "2024-01-01")
    for ident in ("KOR-JPN-2016", "KOR-USA-1987", "JPN-USA-2007"):
        assert ident in out


def test_bad_inputs_raise_gsomia_errors() -> None:
    unknown = RUNNER.invoke(gsomia.cli.app, ["agreement", "show", "KOR-CHN-2030"])
    assert isinstance(unknown.exception, NotFound)
    bad_day = RUNNER.invoke(gsomia.cli.app, ["agreements", "--at", "yesterday"])
    assert isinstance(bad_day.exception, UsageError)


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (
            ["translate", "--agreement", "KOR-JPN-2016", "KOR", "군사I급비밀", "JPN"],
            4,
            "not covered",
        ),
        (["scheme", "XYZ"], 2, "no classification scheme"),
    ],
)
def test_exit_codes_through_main(args: list[str], code: int, needle: str) -> None:
    done = subprocess.run([str(GSOMIA), *args], capture_output=True, text=True, check=False)
    assert done.returncode == code
    assert needle in done.stderr


def test_agreement_show_marks_what_the_data_leaves_unconfirmed() -> None:
    """The KOR–USA notice deadline rests on an assumed term: it is printed as unconfirmed,
    with why; KOR–JPN's, from Art. 21.3, is printed as fact."""
    out = run("agreement", "show", "KOR-USA-1987", "--at", "2026-12-01")
    [deadline] = [line for line in out.splitlines() if line.startswith("next notice deadline")]
    assert "UNCONFIRMED: the text was not read" in deadline
    assert "UNCONFIRMED: the 1987 text was not read" in " ".join(out.split())  # the table
    kj = run("agreement", "show", "KOR-JPN-2016", "--at", "2026-12-01").splitlines()
    [fact] = [line for line in kj if line.startswith("next notice deadline")]
    assert "UNCONFIRMED" not in fact


def test_the_nato_scheme_shows_its_levels_as_natos_spif_marks_them() -> None:
    """R48: `gsomia scheme NATO` lists UNCLASSIFIED … TOP SECRET with their markings, NATO
    before each and COSMIC before TOP SECRET."""
    out = run("scheme", "NATO")
    for marking in ("COSMIC TOP SECRET", "NATO SECRET", "NATO RESTRICTED", "NATO UNCLASSIFIED"):
        assert marking in out
    assert "NATO TOP SECRET" not in out


def test_a_nato_marking_reads_as_natos_spif_and_nato_top_secret_is_refused() -> None:
    """R48 through the CLI: "COSMIC TOP SECRET" is NATO's TOP SECRET; "NATO TOP SECRET" is
    no NATO marking (TOP SECRET is COSMIC), refused with the markings it may have meant."""
    out = run("marking", "NATO", "cosmic top secret")
    assert out.splitlines()[0] == "TOP SECRET — shown as COSMIC TOP SECRET"
    result = RUNNER.invoke(gsomia.cli.app, ["marking", "NATO", "NATO TOP SECRET"])
    assert isinstance(result.exception, UnknownMarking)
    assert "COSMIC TOP SECRET" in result.exception.closest


def test_the_display_marking_follows_the_schemes_spif_in_each_language() -> None:
    """R48 / ADR 0103 through the CLI: the marking NATO's SPIF prescribes, "Releasable to"
    with NATO's phrases, order and separator, in English and French; KOR's at the document
    start in English."""
    out = run("marking", "NATO", "NS", "--category", "Releasable To=USA,KOR,JPN,NATO")
    assert (
        "display marking (en, pageTop): NATO SECRET Releasable to Japan, Korea, Republic of, "
        "United States of America"
    ) in out
    out = run("marking", "NATO", "CTS", "--category", "Releasable To=CAN", "--lang", "fr")
    assert "COSMIC TRES SECRET Communicable a Canada" in out
    assert "MILITARY SECRET" in run("marking", "KOR", "군사2급비밀", "--where", "documentStart")


def test_a_category_the_schemes_spif_lacks_is_refused_by_name() -> None:
    result = RUNNER.invoke(gsomia.cli.app, ["marking", "NATO", "NS", "--category", "Caveats=X"])
    assert isinstance(result.exception, UsageError)
    assert "defines no category 'Caveats'" in str(result.exception)
    result = RUNNER.invoke(
        gsomia.cli.app, ["marking", "NATO", "NS", "--category", "Releasable To=ZZZ"]
    )
    assert "has no value ZZZ" in str(result.exception)
