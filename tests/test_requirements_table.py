"""docs/requirements.md names, for every requirement R1–R50, tests through the node that allow
and that refuse; this keeps the table from drifting: every row there, every test named exists
at node level, and "pending" only where the issue allows it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "requirements.md"

#: Where a node-level test lives: the node's use cases, its faces, real nodes over the wire.
NODE_LEVEL = ("node", "api", "cli", "web", "integration", "exchange", "ledger_node")
#: Rows that may still say "pending", and what they are waiting for.
PENDING: dict[str, set[int]] = {
    "pending: h15a (issue 15)": set(),  # R27, R33–R36, R38: landed, named in the table
    "pending: h15b (issue 15)": set(),  # R11, R45, R48: landed, named in the table
}
LATER = {"comes with the partners' tools (issue 17)": {49}}

_ROW = re.compile(r"^\| R(\d+) \| (.+?) \| (.+?) \| (.+?) \|$")
_TEST = re.compile(r"^`(tests/[\w/]+\.py)::(test_\w+)`$")


def rows() -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            number = int(match.group(1))
            assert number not in found, f"R{number} has two rows"
            found[number] = (match.group(3), match.group(4))
    return found


@cache
def defined_tests(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    )


def problems_of(number: int, cell: str) -> list[str]:
    """What is wrong with one cell of row R`number` (nothing if it holds)."""
    for allowed in (PENDING, LATER):
        if cell in allowed:
            return [] if number in allowed[cell] else [f"R{number} may not say {cell!r}"]
    problems = []
    for entry in cell.split("<br>"):
        match = _TEST.match(entry)
        if match is None:
            problems.append(f"R{number}: {entry!r} names no test as `tests/...py::test_...`")
            continue
        path, name = match.groups()
        if path.split("/")[1] not in NODE_LEVEL:
            problems.append(f"R{number}: {path} is not a test through the node")
        elif not (ROOT / path).is_file():
            problems.append(f"R{number}: no file {path}")
        elif name not in defined_tests(path):
            problems.append(f"R{number}: {path} has no test {name}")
    return problems


def test_every_requirement_has_a_row() -> None:
    assert sorted(rows()) == list(range(1, 51))


def test_every_named_test_exists_through_the_node() -> None:
    problems = [
        problem
        for number, cells in sorted(rows().items())
        for cell in cells
        for problem in problems_of(number, cell)
    ]
    assert problems == []


def test_the_checker_refuses_what_it_should() -> None:
    """The checker itself: a missing test, a core-only test and a pending row not allowed."""
    assert problems_of(1, "`tests/node/test_node_read.py::test_no_such_test`")
    assert problems_of(1, "`tests/treaty/test_treaty_decisions.py::test_may_hand_over`")
    assert problems_of(1, "pending: h15a (issue 15)")
    assert problems_of(1, "tests/node/test_node_read.py::test_unknown_holding")
    assert not problems_of(1, "`tests/node/test_node_read.py::test_unknown_holding`")
    assert problems_of(48, "pending: h15b (issue 15)")  # nothing may be pending now
