"""The treaty as code: schemes, agreements and their lifecycle, items, and decisions.

Pure: no I/O beyond reading the package's own data files once, no clock (`now` is always a
parameter), no randomness. Everything the node needs is importable from here.
"""

from gsomia.treaty.access import may_access
from gsomia.treaty.agreements import (
    Agreement,
    AgreementRegistry,
    AgreementVersion,
    EquivalenceRow,
    load_agreements,
    state_at,
)
from gsomia.treaty.calendar import (
    DeadlineConvention,
    Terms,
    last_notice_day,
    next_anniversary,
    termination_effective,
)
from gsomia.treaty.consent import Assurance, Consent
from gsomia.treaty.decision import Decision
from gsomia.treaty.decisions import (
    may_change_classification,
    may_hand_over,
    may_provide,
    may_release_onward,
    may_use_classic_crypto,
)
from gsomia.treaty.equivalence import Translation, translate
from gsomia.treaty.items import Holding, Item, MissingField, Precedence, receive
from gsomia.treaty.lifecycle import Event, EventKind, State, Status
from gsomia.treaty.people import RELEASE_AUTHORITY, SECURITY_OFFICER, Person
from gsomia.treaty.release import OfficerRelease, Release, StandingRelease
from gsomia.treaty.schemes import Level, Scheme, SchemeRegistry, UnknownMarking, load_schemes

__all__ = [
    "RELEASE_AUTHORITY",
    "SECURITY_OFFICER",
    "Agreement",
    "AgreementRegistry",
    "AgreementVersion",
    "Assurance",
    "Consent",
    "DeadlineConvention",
    "Decision",
    "EquivalenceRow",
    "Event",
    "EventKind",
    "Holding",
    "Item",
    "Level",
    "MissingField",
    "OfficerRelease",
    "Person",
    "Precedence",
    "Release",
    "Scheme",
    "SchemeRegistry",
    "StandingRelease",
    "State",
    "Status",
    "Terms",
    "Translation",
    "UnknownMarking",
    "last_notice_day",
    "load_agreements",
    "load_schemes",
    "may_access",
    "may_change_classification",
    "may_hand_over",
    "may_provide",
    "may_release_onward",
    "may_use_classic_crypto",
    "next_anniversary",
    "receive",
    "state_at",
    "termination_effective",
    "translate",
]
