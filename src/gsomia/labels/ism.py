"""US ISM attributes and CAPCO banner and portion marks for a label (R11).

The caller passes the US-equivalent classification word (`SECRET`, …): mapping a national
level onto it is the agreement's business. The label's categories give the rest: `Caveats`
become dissemination controls, `Releasable To` becomes `REL TO`.

Syntax (DoDM 5200.01 examples; CAPCO Register rules not read, see ADR 0013):

- `//` separates the classification from the dissemination controls; a single `/` separates
  the controls from each other, in CAPCO register order (FOUO, ORCON, IMCON, NOFORN, PROPIN,
  REL TO, RELIDO): `SECRET//ORCON/REL TO USA, KOR`. Parsing also accepts `//` between
  controls.
- `REL TO` lists USA first, then the other trigraphs alphabetically, then tetragraphs
  (`NATO`) alphabetically (UNCONFIRMED against the Register).
- Portion marks abbreviate: `(S//OC/REL TO USA, JPN)`.
- NOFORN and REL TO exclude each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gsomia.errors import InputError
from gsomia.labels.model import (
    CAVEATS,
    TAG_CAVEATS,
    TAG_RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    InvalidLabel,
    check_nation,
)

__all__ = [
    "US_CLASSIFICATIONS",
    "Banner",
    "InvalidBanner",
    "ism_attributes",
    "parse_banner",
    "parse_portion",
    "portion_mark",
    "release_order",
    "render_banner",
]

#: US classification words and their ISM / portion abbreviations (CVEnumISMClassificationAll).
US_CLASSIFICATIONS: dict[str, str] = {
    "TOP SECRET": "TS",
    "SECRET": "S",
    "CONFIDENTIAL": "C",
    "UNCLASSIFIED": "U",
}

#: Caveat word (banner form) -> ISM token, which is also the portion form (CVEnumISMDissem).
_ISM_TOKEN: dict[str, str] = {
    "FOUO": "FOUO",
    "ORCON": "OC",
    "IMCON": "IMC",
    "NOFORN": "NF",
    "PROPIN": "PR",
    "RELIDO": "RELIDO",
}
_FROM_TOKEN = {token: word for word, token in _ISM_TOKEN.items()}
_FROM_ABBREVIATION = {abbr: word for word, abbr in US_CLASSIFICATIONS.items()}
# Controls in register order; REL TO sits between PROPIN and RELIDO.
_ORDER = ("FOUO", "ORCON", "IMCON", "NOFORN", "PROPIN", "REL TO", "RELIDO")
_REL_TO = re.compile(r"REL TO (.+)")
_PORTION = re.compile(r"\((.*)\)")


class InvalidBanner(InputError):
    """A banner, portion mark or US classification word is malformed or contradictory."""


def release_order(nations: frozenset[str] | set[str]) -> tuple[str, ...]:
    """REL TO order: USA, then trigraphs alphabetically, then tetragraphs alphabetically."""
    return tuple(sorted(nations, key=lambda n: (n != "USA", len(n), n)))


@dataclass(frozen=True, slots=True)
class Banner:
    """A US marking: classification word, caveats (model words) and REL TO nations."""

    classification: str
    caveats: frozenset[str] = frozenset()
    releasable_to: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.classification not in US_CLASSIFICATIONS:
            raise InvalidBanner(
                f"{self.classification!r} is not a US classification",
                hint="use " + ", ".join(US_CLASSIFICATIONS),
            )
        object.__setattr__(self, "caveats", frozenset(self.caveats))
        object.__setattr__(self, "releasable_to", frozenset(self.releasable_to))
        for caveat in self.caveats:
            if caveat not in _ISM_TOKEN:
                raise InvalidBanner(f"caveat {caveat!r} is not known", hint=", ".join(CAVEATS))
        for nation in self.releasable_to:
            try:
                check_nation("REL TO entry", nation)
            except InvalidLabel as error:
                raise InvalidBanner(error.message, hint=error.hint) from None
        if "NOFORN" in self.caveats and self.releasable_to:
            raise InvalidBanner(
                "marking has both NOFORN and REL TO", hint="NOFORN and REL TO exclude each other"
            )

    @classmethod
    def from_label(cls, label: ConfidentialityLabel, us_classification: str) -> Banner:
        """The US marking of `label` at the US-equivalent `us_classification`."""
        return cls(us_classification, label.caveats, label.releasable_to)

    def _controls(self, *, portion: bool) -> list[str]:
        present = {*self.caveats, *(["REL TO"] if self.releasable_to else [])}
        out = []
        for control in _ORDER:
            if control not in present:
                continue
            if control == "REL TO":
                out.append("REL TO " + ", ".join(release_order(self.releasable_to)))
            else:
                out.append(_ISM_TOKEN[control] if portion else control)
        return out

    def render(self) -> str:
        """The banner line: `SECRET//ORCON/REL TO USA, JPN, KOR`."""
        controls = self._controls(portion=False)
        return "//".join([self.classification, *(["/".join(controls)] if controls else [])])

    def portion(self) -> str:
        """The portion mark: `(S//OC/REL TO USA, JPN, KOR)`."""
        controls = self._controls(portion=True)
        head = US_CLASSIFICATIONS[self.classification]
        return "(" + "//".join([head, *(["/".join(controls)] if controls else [])]) + ")"

    def categories(self) -> tuple[Category, ...]:
        """The 4774 categories this marking stands for, to build a label from a banner."""
        out = []
        if self.releasable_to:
            out.append(
                Category(TAG_RELEASABLE_TO, CategoryType.PERMISSIVE, tuple(self.releasable_to))
            )
        if self.caveats:
            out.append(Category(TAG_CAVEATS, CategoryType.RESTRICTIVE, tuple(self.caveats)))
        return tuple(out)


def _classification(head: str, *, portion: bool) -> str:
    if not portion:
        return head  # Banner checks the word
    classification = _FROM_ABBREVIATION.get(head)
    if classification is None:
        raise InvalidBanner(
            f"portion classification {head!r} is not one of TS, S, C, U",
            hint="foreign (//KOR S) portions are not supported yet",
        )
    return classification


def _parse(text: str, *, portion: bool) -> Banner:
    if not text.strip():
        raise InvalidBanner("marking is empty")
    if len(text) > 1024:
        raise InvalidBanner(f"marking is {len(text)} characters long; the limit is 1024")
    if text != text.upper():
        raise InvalidBanner(f"marking {text!r} is not in capitals")
    head, separator, rest = text.strip().partition("//")
    if separator and not rest.strip():
        raise InvalidBanner(f"marking {text!r} ends with a separator")
    classification = _classification(head, portion=portion)
    caveats: set[str] = set()
    nations: set[str] = set()
    seen: set[str] = set()
    for raw in re.split(r"//|/", rest) if rest else []:
        control = raw.strip()
        match = _REL_TO.fullmatch(control)
        if match:
            key = "REL TO"
            listed = [n.strip() for n in match[1].split(",")]
            if len(set(listed)) != len(listed):
                raise InvalidBanner(f"REL TO lists a nation twice in {text!r}")
            nations.update(listed)
        else:
            table = _FROM_TOKEN if portion else {w: w for w in _ISM_TOKEN}
            word = table.get(control)
            if word is None:
                raise InvalidBanner(
                    f"marking {text!r} has unsupported control {control!r}",
                    hint="supported: " + ", ".join(table) + ", REL TO",
                )
            key = word
            caveats.add(word)
        if key in seen:
            raise InvalidBanner(f"marking {text!r} repeats {key}")
        seen.add(key)
    return Banner(classification, frozenset(caveats), frozenset(nations))


def parse_banner(text: str) -> Banner:
    """Parse a banner line such as `SECRET//REL TO USA, JPN, KOR` or `TOP SECRET//NOFORN`."""
    return _parse(text, portion=False)


def parse_portion(text: str) -> Banner:
    """Parse a portion mark such as `(S//REL TO USA, JPN)`."""
    match = _PORTION.fullmatch(text.strip())
    if match is None:
        raise InvalidBanner(f"portion mark {text!r} is not in parentheses")
    return _parse(match[1], portion=True)


def render_banner(label: ConfidentialityLabel, us_classification: str) -> str:
    """The CAPCO banner of `label` at the US-equivalent classification word."""
    return Banner.from_label(label, us_classification).render()


def portion_mark(label: ConfidentialityLabel, us_classification: str) -> str:
    """The CAPCO portion mark of `label` at the US-equivalent classification word."""
    return Banner.from_label(label, us_classification).portion()


def ism_attributes(label: ConfidentialityLabel, us_classification: str) -> dict[str, str]:
    """ISM attributes (`urn:us:gov:ic:ism`) for `label`, as NMTOKENS strings (R11).

    `ownerProducer` is the label's originator; `releasableTo` and `disseminationControls`
    appear only when the label has them.
    """
    banner = Banner.from_label(label, us_classification)
    out = {
        "classification": US_CLASSIFICATIONS[banner.classification],
        "ownerProducer": label.originator.nation,
    }
    tokens = ["REL" if c.startswith("REL TO ") else c for c in banner._controls(portion=True)]
    if banner.releasable_to:
        out["releasableTo"] = " ".join(release_order(banner.releasable_to))
    if tokens:
        out["disseminationControls"] = " ".join(tokens)
    return out
