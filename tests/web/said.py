"""Every sentence the node's decisions, refusals and errors can say, found by walking the code."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLE = "xq"  # fits every placeholder: one word, lowercase (an act)
#: The calls that say a reason: a decision's constructors, the refusal, and "not found".
DECISIONS = ("deny", "allow", "PolicyDenied", "NotFound")
#: The errors whose message a page shows as it shows a refusal (`error.html`, a form's
#: refusal in place, the publish form): every branch of `gsomia.errors` but the refusal and
#: "not found" above, and the pages' own sign-in error (ADR 0135).
ERRORS = (
    "InputError",
    "Conflict",
    "TooLarge",
    "DamagedBundle",
    "UsageError",
    "Unauthenticated",
    "VerificationError",
    "Unavailable",
    "RateLimited",
    "StoreDamaged",
    "LoginRequired",
    "CsrfRefused",  # the pages' refusal of a form without the session's token
    "InvalidLabel",  # a label's field, as the publish form types it (`labels.model`)
    "InvalidBanner",  # a caveat or a marking (`labels.ism`)
    "LabelFormatError",  # a partner's label that does not parse: a rejection the log lists
    "_deny",  # a decision said through a module's own wrapper (`treaty.sessions`)
    # A scheme's own refusals of a marking and of its data file (`treaty.schemes`) and the
    # seals' refusal of a key rotation (`seal.rotation`), ADR 0147.
    "UnknownMarking",
    "AmbiguousMarking",
    "SchemeFileError",
    "RotationRefused",
    # Why an envelope did not open: its sender is told "envelope could not be opened", the
    # reason goes to the log and inside "the partner's answers did not open: …" (ADR 0147).
    "EnvelopeError",
    "reject",
    "Mismatch",
)
CALLS = DECISIONS + ERRORS
#: A sentence that is only another reason passed on ("{why}", "{why} (R12)"), or another
#: error's message after where it was met ("{where}: {error.message}").
_PASSED_ON = re.compile(rf"^(?:{SAMPLE}: )?{SAMPLE}(?: \((?:R\d+|{SAMPLE})\))?$")


@dataclass(frozen=True)
class Said:
    where: str  # path:line
    sentence: str  # every formatted value replaced by SAMPLE
    holes: int  # how many


class _Scope:
    """The string assignments of a module and of each of its functions."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = self._strings(tree.body)
        self.functions: list[tuple[ast.stmt, dict[str, list[ast.expr]]]] = [
            (f, self._strings(ast.walk(f)))
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        ]

    @staticmethod
    def _strings(nodes: Iterable[ast.AST]) -> dict[str, list[ast.expr]]:
        found: dict[str, list[ast.expr]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(value)
        return found

    def values(self, name: str, line: int) -> list[ast.expr]:
        inner = [
            names for f, names in self.functions
            if f.lineno <= line <= (f.end_lineno or f.lineno) and name in names
        ]  # fmt: skip
        if inner:
            return inner[-1][name]
        return self.module.get(name, [])


def _said(node: ast.expr, scope: _Scope, line: int, depth: int = 0) -> list[tuple[str, int]] | None:
    """Each sentence `node` can be, with its holes; None when it is not a sentence written
    here (a value passed on)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, 0)]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append([(str(part.value), 0)])
            else:
                assert isinstance(part, ast.FormattedValue)
                inner = _said(part.value, scope, line, depth + 1) if depth < 3 else None
                wordy = inner is not None and part.conversion == -1
                # A value said with `!r` is quoted, as a SPIF names its tag sets.
                sample = f"'{SAMPLE}'" if part.conversion == ord("r") else SAMPLE
                parts.append(inner if wordy and inner else [(sample, 1)])
        return [
            ("".join(s for s, _ in chosen), sum(h for _, h in chosen))
            for chosen in itertools.product(*parts)
        ]
    if isinstance(node, ast.IfExp):
        body = _said(node.body, scope, line, depth)
        orelse = _said(node.orelse, scope, line, depth)
        if body is None and orelse is None:
            return None
        # One side a value passed on ("why if token else 'a valid API token is required'"):
        # the other is still a sentence written here (ADR 0141: the walk missed the gate's).
        # Inside a sentence, such a choice is one value, as before.
        if depth > 0 and (body is None or orelse is None):
            return None
        return (body or [(SAMPLE, 1)]) + (orelse or [(SAMPLE, 1)])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _said(node.left, scope, line, depth), _said(node.right, scope, line, depth)
        if left is None and right is None:  # a sum of numbers, or of values passed on
            return None
        left, right = left or [(SAMPLE, 1)], right or [(SAMPLE, 1)]
        return [(a + b, h + k) for (a, h), (b, k) in itertools.product(left, right)]
    if isinstance(node, ast.Name) and depth < 3:
        found = [_said(v, scope, line, depth + 1) for v in scope.values(node.id, line)]
        if found and all(f is not None for f in found):
            return [s for f in found if f for s in f]
    return None


def _made_in_init(tree: ast.Module) -> set[ast.Call]:
    """The `super().__init__(message, ...)` calls of an error class of `CALLS`' kin: the
    sentence such a class makes itself ("'x' is not a marking of the KOR scheme", ADR 0147)."""
    found = set()
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        bases = {getattr(b, "attr", getattr(b, "id", "")) for b in cls.bases}
        if not bases & set(CALLS):
            continue
        for node in ast.walk(cls):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__"
                and isinstance(node.func.value, ast.Call)
                and getattr(node.func.value.func, "id", "") == "super"
            ):
                found.add(node)
    return found


def said_in(path: Path, root: Path) -> Iterator[Said]:
    tree = ast.parse(path.read_text("utf-8"))
    scope = _Scope(tree)
    where = path.relative_to(root)
    made = _made_in_init(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        called = node.func
        name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
        if name not in CALLS and node not in made:
            continue
        for sentence, holes in _said(node.args[0], scope, node.lineno) or []:
            if sentence and not _PASSED_ON.match(sentence):
                yield Said(f"{where}:{node.lineno}", sentence, holes)
