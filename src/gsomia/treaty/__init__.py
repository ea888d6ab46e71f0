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
from gsomia.treaty.consent_requests import (
    ConsentCase,
    ConsentRequest,
    ConsentStatus,
    grant_consent,
    may_grant_consent,
    may_request_consent,
    open_consent_case,
    refuse_consent,
    revoke_consent,
)
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
from gsomia.treaty.onward import (
    NON_BINDING,
    CustodyChain,
    HubRule,
    OnwardRelease,
    Transfer,
    chain_of,
    forward_via_hub,
    may_forward_via_hub,
    release_onward,
)
from gsomia.treaty.people import RELEASE_AUTHORITY, SECURITY_OFFICER, Person
from gsomia.treaty.purposes import PurposeApproval, apply_purpose_approval, may_approve_purpose
from gsomia.treaty.release import OfficerRelease, Release, StandingRelease
from gsomia.treaty.schemes import Level, Scheme, SchemeRegistry, UnknownMarking, load_schemes

__all__ = [
    "NON_BINDING",
    "RELEASE_AUTHORITY",
    "SECURITY_OFFICER",
    "Agreement",
    "AgreementRegistry",
    "AgreementVersion",
    "Assurance",
    "Consent",
    "ConsentCase",
    "ConsentRequest",
    "ConsentStatus",
    "CustodyChain",
    "DeadlineConvention",
    "Decision",
    "EquivalenceRow",
    "Event",
    "EventKind",
    "Holding",
    "HubRule",
    "Item",
    "Level",
    "MissingField",
    "OfficerRelease",
    "OnwardRelease",
    "Person",
    "Precedence",
    "PurposeApproval",
    "Release",
    "Scheme",
    "SchemeRegistry",
    "StandingRelease",
    "State",
    "Status",
    "Terms",
    "Transfer",
    "Translation",
    "UnknownMarking",
    "apply_purpose_approval",
    "chain_of",
    "forward_via_hub",
    "grant_consent",
    "last_notice_day",
    "load_agreements",
    "load_schemes",
    "may_access",
    "may_approve_purpose",
    "may_change_classification",
    "may_forward_via_hub",
    "may_grant_consent",
    "may_hand_over",
    "may_provide",
    "may_release_onward",
    "may_request_consent",
    "may_use_classic_crypto",
    "next_anniversary",
    "open_consent_case",
    "receive",
    "refuse_consent",
    "release_onward",
    "revoke_consent",
    "state_at",
    "termination_effective",
    "translate",
]
