"""The pages' static texts in English, Korean and Japanese, from `messages/<lang>.json`.

Markings, names and reasons from the treaty are shown as they are; only the interface's own
words are translated, and the core's reasons by their code (`treaty.reasons`, ADR 0099): the
English sentence stays in the log, the page says it in the reader's language. A key missing in a
language falls back to English, and a key missing in English shows as itself, so a gap is
visible rather than blank. Dates are written as the reader's locale writes them (Babel), times
in UTC, 24-hour, saying so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources

from babel.dates import format_date

from gsomia.treaty import names
from gsomia.treaty.reasons import CHOICES, explain
from gsomia.treaty.roles import ROLE_NAMES

LANGUAGES = names.LANGUAGES  # checked where a person's language is set
DEFAULT = "en"
#: Reasons inside a reason said in the reader's language: the core nests one or two. A
#: partner's refusal is its own words, logged inside ours ("{peer} refused ...: {why}"), and
#: one nested 400 times was said 400 times deep until the page failed (ADR 0129).
NESTED = 4


@cache
def catalogue(language: str) -> dict[str, str]:
    """The messages of `language` (English for an unknown one)."""
    if language not in LANGUAGES:
        language = DEFAULT
    text = resources.files("gsomia.web").joinpath("messages", f"{language}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(text)
    return data


@dataclass(frozen=True, slots=True)
class Said:
    """A reason as a page shows it: the words, their language, and the reason's code."""

    text: str
    language: str
    code: str | None


class Translator:
    """`t("key", name=...)` in one language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self._own = catalogue(self.language)
        self._fallback = catalogue(DEFAULT)

    def __call__(self, key: str, **values: object) -> str:
        text = self._own.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text

    def reason(self, sentence: str, *, depth: int = 0) -> Said:
        """The core's English `sentence` in this language, when its code is known here; a
        reason inside it too, to `NESTED` levels (`depth`: how deep this one is)."""
        found = explain(sentence)
        if found is None:
            return Said(sentence, DEFAULT, None)
        template = self._own.get(f"reason.{found.code}")
        if template is None:
            return Said(sentence, DEFAULT, found.code)
        values = {name: self._value(name, value, depth) for name, value in found.values.items()}
        text = template.format(**values)
        if found.requirement:
            text = f"{text} ({found.requirement})"
        return Said(text, self.language, found.code)

    def _value(self, name: str, value: str, depth: int) -> str:  # noqa: PLR0911 - per kind
        if name == "state":  # an agreement's state, said as the state column says it
            return self._own.get(f"state_{value}", value)
        if name == "act":  # a role's action, named as the people's pages name it
            return self._own.get(f"act.{value}", value)
        if name == "listed":  # a list, named as its page names it
            return self._own.get(f"list.{value}", value)
        if name in ("why", "problems") and depth >= NESTED:  # a partner's words, as sent
            return value
        if name == "why":  # a reason inside a reason
            return self.reason(value, depth=depth + 1).text
        if name == "problems":  # reasons, one after another
            problems = value.split("; ")
            return "; ".join(self.reason(p, depth=depth + 1).text for p in problems)
        if name in CHOICES and self.language != DEFAULT:  # a status or kind, in words here
            return self._own.get(choice_key(name, value), value)
        if name == "roles":  # "security officer (--role officer) or auditor (--role auditor)"
            return self.roles(value)
        if name == "date" and _DAY.fullmatch(value):
            return self.day(value)
        if self.language != DEFAULT:  # a kind the catalogue has a word for ("visit" case)
            return self._own.get(f"reason_word.{name}.{value}", value)
        return value

    def word(self, name: str, value: str) -> str:
        """One of the known words of a reason's placeholder `name` (`CHOICES`), said here."""
        if self.language == DEFAULT:
            return value
        return self._own.get(choice_key(name, value), value)

    def role(self, role: str) -> str:
        """A role as people are given it (`--role officer`), named in this language."""
        return self._own.get(f"role.{role}") or self._fallback.get(f"role.{role}") or role

    def roles(self, said: str) -> str:
        """Roles as a refusal lists them, each named here, the `--role` to give kept."""
        named = _ROLE.sub(lambda found: f"{self.role(found[2])} (--role {found[2]})", said)
        return named.replace(" or ", self("or_between")) if self.language != DEFAULT else named

    def action(self, action: str) -> str:
        """A logged act ("publish", "receive:consent_request", "provide:JPN") in words here:
        the act, then what it names (a message's kind in words, a nation as it is). The log's
        identifier is what the audit page's filter takes; an act not known here is shown as it."""
        if self.language == DEFAULT:
            return action
        whole = self._own.get(f"audit_action.{action}")
        if whole:
            return whole
        head, _, named = action.partition(":")
        said = self._own.get(f"audit_action.{head}")
        if said is None:
            return action
        if not named:
            return said
        return f"{said}: {self._own.get(f'message_kind.{named}', named)}"

    def place(self, where: str) -> str:
        """A custody event's location: "KOR node" in this language, another place as said."""
        found = _NODE_PLACE.fullmatch(where or "")
        return self("custody_location_node", nation=found[1]) if found else where

    def article(self, cited: str) -> str:
        """A treaty citation ("Art. 21.1", "Art. 5 or 6(a)-(c), UNCONFIRMED") as this language
        cites articles; a policy's citation stays as its source wrote it."""
        if self.language == DEFAULT or not cited:
            return cited

        def one(found: re.Match[str]) -> str:
            number, paragraph, point = found[1], found[2], found[3] or ""
            said = self("article_number", number=number)
            if paragraph:
                said += self("article_paragraph", number=paragraph)
            return said + point

        def run(found: re.Match[str]) -> str:
            return _CITED.sub(one, found[1]).replace(" or ", self("or_between"))

        return _ARTICLES.sub(run, cited).replace("UNCONFIRMED", self("unconfirmed"))

    def label_name(self, key: str) -> str:
        """A category's tag name or type (`label_tag.Purpose`), or as the label says it."""
        return self._own.get(key) or self._fallback.get(key) or key.split(".", 1)[1]

    def day(self, value: date | datetime | str | None) -> str:
        """A date as the reader's locale writes it ("2026. 12. 3.", "2026/12/03"); an ISO
        string (as a case's or a consent's document keeps it) is read first."""
        value = _read_iso(value)
        if value is None:
            return "—"
        if isinstance(value, datetime):
            value = value.astimezone(UTC).date()
        return format_date(value, "medium", locale=self.language)

    def moment(self, value: datetime | str | None, *, seconds: bool = True) -> str:
        """A time in UTC: the locale's date, a 24-hour clock, and "UTC" (nodes of different
        nations compare times; a local clock would need the reader's zone to be read)."""
        read = _read_iso(value)
        if read is None:
            return "—"
        if not isinstance(read, datetime):  # a day only
            return self.day(read)
        at = read.astimezone(UTC) if read.tzinfo else read.replace(tzinfo=UTC)
        clock = at.strftime("%H:%M:%S" if seconds else "%H:%M")
        return f"{self.day(at.date())} {clock} UTC"


_NODE_PLACE = re.compile(r"([A-Z]{3,4}) node")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ROLE = re.compile(rf"({'|'.join(map(re.escape, ROLE_NAMES.values()))}) \(--role (\w+)\)")
#: An article and its paragraph and points: "21.1", "6(f)", "6(a)-(c)".
_CITED = re.compile(r"(\d+)(?:\.(\d+))?(\([a-z]\)(?:[-–]\([a-z]\))?)?")
_ARTICLE = r"\d+(?:\.\d+)?(?:\([a-z]\)(?:[-–]\([a-z]\))?)?"
#: "Art. " and the articles it names, one after another ("Art. 9, 11", "Art. 5 or 6(a)-(c)").
_ARTICLES = re.compile(rf"Art\. ({_ARTICLE}(?:(?:, | or ){_ARTICLE})*)")


def _read_iso(value: date | datetime | str | None) -> date | datetime | None:
    if not isinstance(value, str):
        return value
    if not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


#: Choices the pages already name where they list them (a consent's, a case's, a holding's).
_CHOICE_KEYS = {
    "consent_status": "consent_{}",
    "case_state": "case_state.{}",
    "holding_state": "holding_{}",
}


def choice_key(name: str, word: str) -> str:
    """The catalogue key of `word`, one of the `CHOICES` of the placeholder `name`."""
    if name in ("tag_kind", "wanted_kind"):  # a 4774 category type, as the label table says it
        return f"label_type.{word.lower()}"
    return _CHOICE_KEYS.get(name, f"reason_word.{name}.{{}}").format(word)


def pick_language(accept_language: str) -> str:
    """The first of our languages an `Accept-Language` header names (before login)."""
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
