"""The confirmations a page shows after an act redirected back with `?done=` (no others).

A success redirects (so reloading never repeats the act) to `...?done=<key>`; the page shows
`t("done_<key>")` only for a key named here, never whatever the address carries.
"""

from __future__ import annotations

from gsomia.web.auth import Page

DONE = frozenset(
    {
        # Consent, onward release, custody, compromise, visits (control.py)
        "consent_requested",
        "onward_sent",
        "compromise_reported",
        "copies_made",
        "destroyed",
        "returned",
        "reclassified",
        "consent_granted",
        "consent_refused",
        "consent_revoked",
        "findings_sent",
        "case_closed",
        "visit_approved",
        "visit_refused",
        # Translations, derivatives, purposes, hub, visit requests, disputes (casework.py)
        "translated",
        "derived",
        "purpose_requested",
        "purpose_approved",
        "purpose_refused",
        "forwarded",
        "hub_rule_added",
        "visit_requested",
        "dispute_opened",
        "dispute_consulted",
        "dispute_settled",
        # Contractors (contractors.py)
        "briefing_recorded",
        "released_to_contractor",
    }
)


def done_of(page: Page) -> str | None:
    """The confirmation named by `?done=`, if it is one of ours."""
    done = page.request.query_params.get("done")
    return done if done in DONE else None
