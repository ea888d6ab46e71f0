"""Stable codes for the reasons decisions give, so a page can say them in its reader's language.

The core words its reasons in English, and the log keeps them so (an auditor of any nation reads
the same sentence, and a log entry never changes). This catalogue names each reason's shape
with a code: the English sentence with its variable parts as `{placeholders}`. `explain` finds
the code and the values of a sentence already said, a decision's or a log row's alike, so the
pages translate by code (`web.i18n`) while nothing stored changes (ADR 0099).

A sentence that no code fits is shown as it is, in English: a test walks the treaty's decisions
and fails when one of them has no code here, and another fails when a language lacks a code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

__all__ = ["REASONS", "Explained", "explain"]

#: code → the English sentence, as the core says it, with `{name}` for what varies.
REASONS: dict[str, str] = {
    # May this person access this holding (treaty.access, R13, R16, R19–R21, R31).
    "not_registered": "not on the facility's register of cleared, authorised individuals",
    "destroyed": "the holding was destroyed",
    "third_country": (
        "nationality not allowed by the label's releasability: a third-country release needs "
        "the originator's consent"
    ),
    "not_holder": "not an official of the party holding the item",
    "no_clearance": "no personnel security clearance",
    "clearance_expired": "personnel security clearance expired",
    "foreign_clearance": "clearance not granted under the receiving party's law",
    "clearance_below_holding": (
        "clearance below the holding's level in the receiving party's scheme: cleared to "
        "{clearance}, {level} or above needed"
    ),
    "no_need_to_know": (
        "no need-to-know for the item's purpose: rank or clearance alone never grants access"
    ),
    "other_purpose": (
        "purpose differs from the one the item was provided for and the originator has not "
        "approved it"
    ),
    "access_allowed": (
        "cleared at or above the level, need-to-know, nationality and register checked"
    ),
    # Lists (treaty.listing).
    "declassified": "declassified by its originator",
    "person_not_registered": "{person} is not on this facility's register",
    # What is not there, or not for this reader (`NotFound`: the same words either way).
    "no_holding": "no holding {item}",
    "no_item": "no item {item}",
    "list_exported": "{count} rows of the {listed} list exported as {form}, {withheld} withheld",
    # Roles (treaty.roles, R50).
    "cleared_to": "{person} is cleared to {clearance}",
    "cleared_below": "{person} is cleared to {clearance}, below {level}",
    "role_needed": "{person} may not {act}: it needs the role {roles}",
    "role_allows": "{person} may {act}",
    "clearance_in_force": "{person} holds a clearance in force",
    "no_clearance_in_force": "{person} holds no clearance in force",
    "role_clearance_expired": (
        "{person}'s clearance expired: no act of the role until it is renewed"
    ),
    "only_competent_authority": "only {nation}'s competent authority may {act}: {why}",
    # Provision to a partner (treaty.provision, Art. 4–6, R5–R11).
    "provision_allowed": "{item} may go to {nation} under {agreement} v{version}",
    "classic_allowed": "{agreement} allows the classic envelope profile",
    "classic_refused": "{agreement} refuses the classic (non-post-quantum) envelope profile",
    "classic_no_agreement": "no agreement approves the classic (non-post-quantum) envelope profile",
    "post_quantum": "a post-quantum hybrid envelope",
    "agreement_terminated": (
        "{agreement} terminated on {date}; no new provision is accepted under it"
    ),
    "agreement_not_in_force": "{agreement} is not in force ({state})",
    "no_agreement": "{nation} has no agreement with {recipient}",
    "other_agreement": "{item} is marked for {marked}, not {agreement}",
    "agreement_binds_only": "{agreement} binds {parties} only",
    "is_originator": "{nation} is the originator of {item}",
    "other_version": "{item} is marked under version {marked}; version {version} applies now",
    "level_not_covered": "level not covered by agreement: {level} under {agreement}",
    "channel_not_approved": "channel {channel} is not approved under {agreement}",
    "not_releasable": "{item} is not releasable to {nation}",
    "no_release_decision": (
        "no release decision for {item} to {nation}: nothing is shared automatically"
    ),
    "release_not_covering": "the release decision does not cover {item} to {nation} now",
    "not_release_officer": "{person} is not an authorised release officer of {nation}",
    "officer_not_registered": "{person} is not on the register of authorised officials",
    "no_card": "no identity card of a {nation} node is registered here",
    # Onward release, consent, classification, hand-over (treaty.decisions, Art. 6, 8, 18).
    "onward_allowed": "{item} may go to {nation} as {level} with consent {consent}",
    "no_consent": "no consent of {originator} to release {item} to {nation}",
    "consent_not_allowing": "consent {consent} does not allow this release: {why}",
    "already_holds": "{nation} already holds {item}",
    "no_agreement_between": "no agreement between {holder} and {nation} to protect it",
    "originator_decides": "{nation}, the originator, decides {request}",
    "only_originator_decides": "only the originator {nation} decides {request}",
    "only_originator_changes": (
        "only the originator {nation} may change the classification of {item}"
    ),
    "no_assurance": "no assurance from {nation} for {person}",
    "assurance_below": "the assured clearance {clearance} is below {level}",
    "assurance_not_covering": "the assurance does not cover this hand-over: {why}",
    "assurance_given": "{nation} assured clearance {clearance} for {person}",
    # New purposes (treaty.purposes, R13).
    "may_approve_purpose": "{person} may approve {purpose} for {nation}",
    "purpose_approved": "{purpose} approved for {item}",
    "purpose_approval_not_applying": "purpose approval {approval} does not apply: {why}",
    # Reach by another path (treaty.reach, Art. 6, R47).
    "reach_is_originator": "{nation} is the originator",
    "reach_no_agreement_no_consent": (
        "{origin} has no agreement with {recipient} and no consent of {origin} names it: "
        "{item} may not reach {recipient} by another way"
    ),
    "reach_consent_names_it": (
        "{origin} has no agreement with {recipient}; its consent {consent} names it"
    ),
    "reach_direct": (
        "{origin} could provide {item} to {recipient} itself, as {level}, under {agreement}"
    ),
    "reach_not_between": "{agreement} is not between {origin} and {recipient}",
    "reach_direct_not_in_force": (
        "{origin} could not provide {item} to {recipient} itself: {agreement} is not in force, "
        "so no other path may"
    ),
    "reach_direct_refused": (
        "{origin} could not provide {item} to {recipient} itself ({why}), so no other path may"
    ),
    # Sessions and tokens (treaty.sessions, treaty.credentials).
    "session_in_force": "{person}'s session is in force",
    "sign_in_may_be_tried": "sign-in may be tried",
    "token_in_force": "a {scope} token in force",
}

#: What a placeholder of this name may hold: one word for names, ids and nations, any text
#: for the rest. A narrower pattern keeps a general sentence ("{person} may {act}") from
#: swallowing a longer one.
_ONE_WORD = r"\S+"
_WORDS = {
    "person",
    "nation",
    "recipient",
    "origin",
    "originator",
    "holder",
    "item",
    "agreement",
    "version",
    "marked",
    "consent",
    "approval",
    "scope",
    "state",
    "date",
    "count",
    "listed",
    "form",
    "withheld",
}
#: An act is its role's action in words ("read audit", "view transfers"): lowercase only, so
#: "{person} may {act}" never takes a sentence that names an item, a nation or an agreement.
_ACT = r"[a-z][a-z ]*?"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: A refusal carried by `PolicyDenied` ends with its requirement: "… (R19)", "… (R21/R12)".
_REQUIREMENT = re.compile(r"^(?P<said>.*) \((?P<requirement>R\d+(?:/R\d+)*)\)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Explained:
    """A sentence's code and the values of its placeholders, and the requirement it named."""

    code: str
    values: dict[str, str]
    requirement: str | None = None


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def _shape(name: str) -> str:
    if name == "act":
        return _ACT
    return _ONE_WORD if name in _WORDS else ".+?"


def _pattern(template: str) -> re.Pattern[str]:
    parts, seen, at = [], set(), 0
    for found in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[at : found.start()]))
        name = found[1]
        if name in seen:  # said twice ("{origin} … of {origin}"): the same value both times
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>{_shape(name)})")
        at = found.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # The most words fixed first: the most specific shape that fits is the one meant.
    def fixed(item: tuple[str, str]) -> int:
        return len(_PLACEHOLDER.sub("", item[1]))

    ordered = sorted(REASONS.items(), key=fixed, reverse=True)
    return tuple((code, _pattern(template)) for code, template in ordered)


def explain(sentence: str) -> Explained | None:
    """The code and values of a reason as the core says it; None for one no code fits."""
    requirement = None
    carried = _REQUIREMENT.match(sentence)
    if carried:
        sentence, requirement = carried["said"], carried["requirement"]
    for code, pattern in _patterns():
        found = pattern.fullmatch(sentence)
        if found:
            return Explained(code, found.groupdict(), requirement)
    return None
