"""Where each rule the node enforces comes from, as its decisions cite it.

Citations follow `treaty-articles.md`, the index of the 2016 text as far as it could be read.
A rule whose article the index cannot confirm says so (UNCONFIRMED); a rule that is no article
at all names its source instead: the governments' stated policy, or another arrangement.
"""

from __future__ import annotations

__all__ = [
    "CASE_BY_CASE",
    "CUSTODY_ON_RECEIPT",
    "HUB_ARRANGEMENT",
    "NO_AGREEMENT",
    "THIRD_PARTY",
    "TRANSMISSION",
    "UNCONFIRMED",
]

UNCONFIRMED = "UNCONFIRMED"

#: No release to a third country, no other purpose, without the originator's prior written
#: approval (R12, R13, R21): Art. 5 or Art. 6(a)–(c), whose text was not retrieved.
THIRD_PARTY = f"Art. 5 or 6(a)-(c), {UNCONFIRMED}"

#: Nothing is provided without an explicit, recorded release decision (R50): the governments'
#: stated policy of case-by-case provision (ROK MOFA, 3 July 2012), not an article (ADR 0106).
CASE_BY_CASE = "policy: case-by-case provision (MOFA-KR 2012)"

#: Classified information passes only under a security agreement between the two nations (R1):
#: how the governments exchange it, not a rule of the 2016 text, which binds only its parties.
NO_AGREEMENT = "policy: exchange only under a security agreement"

#: Routing between KOR and JPN through the USA (R47): the 2014 trilateral arrangement (TISA)
#: and the agreements with the USA, not this treaty; non-binding.
HUB_ARRANGEMENT = "TISA (2014) and the agreements with the USA"

#: Channels and their encryption (R25, R26): Art. 9 is transmission; its body was not retrieved.
TRANSMISSION = f"Art. 9, {UNCONFIRMED}"

#: Custody passing on receipt (R28): Nikkei's summary of Art. 9, with storage in Art. 11.
CUSTODY_ON_RECEIPT = f"Art. 9, 11, {UNCONFIRMED}"
