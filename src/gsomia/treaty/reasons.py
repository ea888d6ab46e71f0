"""Stable codes for the reasons decisions give, so a page can say them in its reader's language.

The core words its reasons in English, and the log keeps them so (an auditor of any nation reads
the same sentence, and a log entry never changes). This catalogue names each reason's shape
with a code: the English sentence with its variable parts as `{placeholders}`. `explain` finds
the code and the values of a sentence already said, a decision's or a log row's alike, so the
pages translate by code (`web.i18n`) while nothing stored changes (ADR 0099).

A sentence that no code fits is shown as it is, in English: a test walks every decision and
refusal of the treaty's and the node's modules and fails when one of them has no code here, or
no words in a language (ADR 0128). A placeholder of `CHOICES` holds one of a few known words (a
status, a kind), which the pages say in their language too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from gsomia.treaty.error_reasons import ERROR_REASONS

__all__ = ["CHOICES", "REASONS", "Explained", "explain"]

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
    # A write reading its request's credentials and terms again (treaty.credentials, ADR 0154).
    "password_withdrawn": (
        "the person the name and password admitted was disabled or removed since"
    ),
    "password_still_enabled": "the person the password admitted is still enabled",
    "terms_changed": (
        "your clearance, roles or need-to-know changed while the request was in hand: nothing "
        "was written; send it again"
    ),
    "terms_still_hold": "the terms the request was decided on still hold",
    # Security categories (treaty.categories, ADR 0104).
    "categories_held": (
        "holds every restrictive category and a permissive value of each permissive category"
    ),
    "category_restrictive_missing": (
        "need-to-know: the label's restrictive category {category} needs {values}, which the "
        "reader does not hold"
    ),
    "category_permissive_none": (
        "need-to-know: the reader holds none of the label's permissive category {category} "
        "({values})"
    ),
    # What is not there (`NotFound` of the node's and the core's modules).
    "nf_api_root": "no API root {name}",
    "nf_flash_alert": "no FLASH alert {holding} for {person}",
    "nf_agreement": "no agreement {agreement}",
    "nf_checkpoint": "no checkpoint at size {count}",
    "nf_classification_notice": "no classification notice {notice}",
    "nf_scheme": "no classification scheme for {nation}",
    "nf_collection": "no collection {name} for you under {root}",
    "nf_contract": "no contract {contract}",
    "nf_facility": "no contractor facility {facility}",
    "nf_prime_facility": "no contractor facility {facility} to be the prime contractor",
    "nf_copy": "no copy {copy}",
    "nf_custody_record": "no custody record of {item}",
    "nf_holding_or_item": "no holding or item {item} on this node",
    "nf_item_or_holding": "no item or holding {item} here",
    "nf_item_known": "no item {item} is known here",
    "nf_item_of": "no item {item} of {nation}",
    "nf_item_readable": "no item {item} you may read",
    "nf_object": "no object {name}",
    "nf_object_in_collection": "no object {name} in this collection",
    "nf_object_matches": "no object {name} in this collection matches",
    "nf_assurance_asked": "no partner asked {nation} for assurance {request}",
    "nf_partner_node": "no partner node of {nation} is registered",
    "nf_security_visit": "no security visit {visit}",
    "nf_security_visit_on": "no security visit {visit} on {nation}'s node",
    "nf_status": "no status {name} of yours",
    "nf_case": "no {case_kind} case {case}",
    "nf_scheme_in_force": "no {nation} classification scheme was in force on {date}",
    "nf_nothing_called": "nothing held or originated here is called {name}",
    "nf_nothing_queued": "nothing is queued for {nation} for item {item}",
    "nf_report_names_no_item": "the report names no item of {nation}: {items}",
    "nf_no_checkpoint_yet": "this node has not signed a checkpoint yet",
    "nf_dispatch": "this node sent {nation} no dispatch {dispatch}",
    "nf_assurance_not_asked": "{nation} asked no assurance {request}",
    "nf_no_version_on": "{agreement} had no version in effect on {date}",
    "nf_no_version": "{agreement} has no version {version}",
    "nf_compromise_case": "{nation} holds no compromise case {case} reported by {sender}",
    "nf_dispute": "{nation} holds no dispute {case} with {sender}",
    "nf_holds_no": "{nation} holds no {item}",
    "nf_not_partner": "{nation} is not a registered partner of this node",
    "nf_not_originator": "{nation} is not the originator of an item {item}",
    "nf_not_on_register": "{person} is on no contractor facility's register",
    "nf_notice_issued": "{nation} issued no notice {notice}",
    "nf_item_originated": "{nation} originated no item {item}",
    "nf_visit_requested": "{nation} requested no visit {visit}",
    # Delivery (exchange.worker): why a FLASH item still waits, on the officers' banner.
    "peer_no_endpoint": "peer {nation} has no endpoint",
    # A log event that is no decision says its kind (`ledger.events.EventKind`) as its reason.
    "event_decision": "decision",
    "event_publication": "publication",
    "event_release": "release",
    "event_transfer": "transfer",
    "event_receipt": "receipt",
    "event_rejection": "rejection",
    "event_consent": "consent",
    "event_classification_change": "classification_change",
    "event_copy": "copy",
    "event_translation": "translation",
    "event_destruction": "destruction",
    "event_compromise": "compromise",
    "event_agreement": "agreement",
    "event_user_admin": "user_admin",
    "event_key_admin": "key_admin",
    "event_witness": "witness",
    # The SPIF's refusal of a label's categories at publication (ADR 0104): each problem is a
    # reason of its own, named with the rule it breaks.
    "spif_refuses": "the {policy} SPIF refuses the label's categories: {problems}",
    "category_other_kind": "{category} is {tag_kind}, not {wanted_kind}",
    "category_not_defined": "the policy defines no category {category}",
    "category_single": "{category} allows one value only (singleSelection)",
    "category_no_value": "{category} has no value {value}",
    "category_excluded_class": "{category} {value} is excluded at {level} (excludedClass)",
    "category_excludes": (
        "{category} {value} excludes {other_category} {other_value} (excludedCategory)"
    ),
    "category_requires": "{category} {value} requires {why} (requiredCategory)",
    "class_requires": "{level} requires {why} (requiredCategory)",
    "category_requirement": "{operation} of {groups}",
    # Node: reading, contractors, sharing.
    "contractor_record": "{person}'s contractor record: {why}",
    "assurance_given_reference": "assurance given: {reference}",
    "assurance_requested_reference": "assurance requested: {reference}",
    "holding_in_state": "holding {holding} is {holding_state}",
    "clearance_not_placed": "{person}'s clearance is not placed",
    "no_agreement_with": "no agreement with {nation}",
    "no_agreement_in_force_with": "{nation} has no agreement in force with {sender}",
    # Node: consent.
    "consent_answered_note": "{sender} {consent_status} consent {case}: {why}",
    "consent_answered": "{sender} {consent_status} consent {case}",
    "consent_decided": "consent {case} {consent_status}: {why}",
    "consent_decided_by": "{consent_status} by {person}",
    "consent_signed_mismatch": "the consent signed for {case} does not match the request",
    "consent_not_asked": "{nation} did not ask consent {case}",
    "consent_asked_awaiting": (
        "{sender} asks consent to release to {recipient} for {purpose}; awaiting {nation}'s officer"
    ),
    "consent_may_ask": "{holder} may ask {originator} for consent",
    "consent_may_give": "{person} may consent to {recipient} for {purpose}",
    # Node: contract assurances.
    "assurance_asked": "{sender} asks the assurance for contract {contract}",
    "assurance_answered": "{sender} {assurance_status} its assurance for contract {contract}",
    "assurance_sent": "assurance {assurance_status} to {nation} for contract {contract}",
    # Node: derivatives, disputes, hub, investigation, keys.
    "derivative_made": (
        "{derivative_kind} {derivative} of {subject} marked {marking}, originators {originators}"
    ),
    "dispute_opened": "{party} opened consultations over {agreement}: {topic}",
    "dispute_recorded_settled": "{sender} recorded a settled on {case}",
    "dispute_recorded_consultation": "{sender} recorded a consultation on {case}",
    "hub_not_reached": "{item} did not reach the hub {hub} under its agreement with {originator}",
    "findings_received": "{sender} sent the findings and measures of case {case}",
    "case_closed_by": "{sender} closed case {case}",
    "keys_rotated": (
        "{nation}'s node rotated its keys: card {old}… replaced by {new}…, the statement "
        "verified against the pinned card"
    ),
    # Node: loss reports.
    "loss_reported_notified": (
        "{person} reported a loss or compromise of {item}; {originator} notified at {precedence}"
    ),
    "loss_possible_reported_notified": (
        "{person} reported a possible loss or compromise of {item}; {originator} notified at "
        "{precedence}"
    ),
    "loss_reported_case": "{holder} reported a loss or compromise of {items}; case {case} opened",
    "loss_possible_reported_case": (
        "{holder} reported a possible loss or compromise of {items}; case {case} opened"
    ),
    "report_other_originator": "the report names {originator} as originator; this node is {nation}",
    # Node: notices and remarking.
    "notice_remarked": "{holder} re-marked {holding} {marking} under notice {notice}",
    "notice_acknowledged_already": "{holder} acknowledged {notice} already",
    "notice_applied_already": "notice {notice} was applied already",
    "copy_follows": "{copy} follows {holding}: {marking}",
    "not_originated_here": "{nation} holds {item} and did not originate it",
    # Node: onward release.
    "onward_without_consent": (
        "{sender} sent {item}, an item of {originator}, without {originator}'s consent"
    ),
    "onward_no_card_binding": (
        "no identity card of {originator} is registered here: its binding of {item}'s label "
        "and content cannot be verified"
    ),
    "onward_no_card_consent": (
        "no identity card of {originator} is registered here: its consent cannot be verified"
    ),
    "onward_not_provided": "{item} was not provided to {sender} under {agreement}",
    "never_provided": "{nation} never provided {item} to {holder}",
    # Node: purposes.
    "purpose_asked_awaiting": "{holder} asks approval of {purpose}; awaiting {nation}'s officer",
    "purpose_approved_for": "purpose {purpose} approved for {holder}",
    "purpose_refused_for": "purpose {purpose} refused for {holder}",
    "purpose_answered": "{sender} {purpose_status} purpose {purpose}",
    "purpose_signed_mismatch": "the approval signed for {case} does not match the request",
    "purpose_asked": "asked {originator} to approve {purpose}",
    # Node: custody passed on receipt (R28).
    "received_custody_reported": (
        "{peer} received {item}, marked {marking}: custody passed from {nation} under {basis}; "
        "reported to {originator}"
    ),
    "received_custody_untold": (
        "{peer} received {item}, marked {marking}: custody passed from {nation} under {basis}; "
        "{originator} could not be told"
    ),
    "received_other_marking_reported": (
        "{peer} received {item}, marked {marking} (not {expected} as expected): custody passed "
        "from {nation} under {basis}; reported to {originator}"
    ),
    "received_other_marking_untold": (
        "{peer} received {item}, marked {marking} (not {expected} as expected): custody passed "
        "from {nation} under {basis}; {originator} could not be told"
    ),
    "refused_keeps_custody": (
        "{peer} refused {item}: {why}. {nation} keeps custody; no transfer is recorded or "
        "reported to {originator}"
    ),
    "transfer_report_refused": "{peer} refused the report of passing {item} to {nation}: {why}",
    "transfer_unconsented": (
        "recorded {sender}'s report of passing {item} to {nation} under {consent}, a consent "
        "{originator} never gave for that"
    ),
    # Node: a partner's report of passing an item on (R12, R47).
    "transfer_passed": "{sender} passed {item} to {nation} as {marking} under {basis}",
    "transfer_passed_known": (
        "{sender} passed {item} to {nation} as {marking} under {basis} (known already)"
    ),
    "transfer_passed_hub": (
        "{sender} passed {item} to {nation} as {marking} under {basis} via hub {hub}"
    ),
    "transfer_passed_hub_known": (
        "{sender} passed {item} to {nation} as {marking} under {basis} via hub {hub} (known "
        "already)"
    ),
    "transfer_passed_consent": (
        "{sender} passed {item} to {nation} as {marking} under {basis} with consent {consent}"
    ),
    "transfer_passed_consent_known": (
        "{sender} passed {item} to {nation} as {marking} under {basis} with consent {consent} "
        "(known already)"
    ),
    "transfer_passed_consent_hub": (
        "{sender} passed {item} to {nation} as {marking} under {basis} with consent {consent} "
        "via hub {hub}"
    ),
    "transfer_passed_consent_hub_known": (
        "{sender} passed {item} to {nation} as {marking} under {basis} with consent {consent} "
        "via hub {hub} (known already)"
    ),
    # Node: visits, security visits, courier, workflows, alerts, settlement.
    "security_visit_planned_by": "{sender} planned security visit {visit} under {agreement}",
    "security_visit_consulted": "{party} consulted on security visit {visit}",
    "visit_asked": "{sender} asks to visit {facility} on {topic}",
    "does_not_bind": "{agreement} does not bind {nation}",
    "visit_refused_by_host": "{host} refuses visit {visit}",
    "visit_answered": "{sender} {visit_decision} visit {visit}",
    "answers_not_applied": (
        "{peer}'s answers to {count} {message_kind} message(s) could not be applied to their "
        "case: {why}"
    ),
    "courier_receipt_signed": "{peer} signed the receipt of {dispatch}",
    "flash_acknowledged": "FLASH alert acknowledged by its reader",
    "partner_refused_sealed": "{peer} refused it (its reason is sealed with the answer)",
    "partner_received_marked": "{peer} received it, marked {marking}",
    "partner_received": "{peer} received it",
    # Treaty: classification notices (Art. 8, R14).
    "notice_not_naming": "notice {notice} does not name {item}",
    "notice_starts_from": "notice {notice} starts from {previous}; {item} is {level}",
    "change_may": "{originator} may {change} {item}",
    "agreements_lead_elsewhere": "the agreements given lead to {nation}, not the holder {holder}",
    "notice_not_applicable": "notice {notice} cannot be applied: {why}",
    "is_declassified": "{item} is declassified by its originator",
    "change_not_applicable": (
        "{change} to {level} cannot be applied: {why}; the originator must be told"
    ),
    "remarked_to": "{holding} re-marked {level} → {target}",
    "path_not_ending": (
        "the notice's path {path} does not end with {agreement}, the agreement {item} reached "
        "{holder} under"
    ),
    "path_leads": "the notice's path {path} leads to {holder} as {item} came",
    "notice_not_sent": "{sender} was not sent notice {notice}: it holds no {item} known here",
    "notice_sent": "{sender} was sent notice {notice}",
    "nothing_remains": "{item} was destroyed or returned; nothing remains to read",
    "was_declassified": "{item} was declassified by its originator",
    # Treaty: compromise (Art. 13, R37).
    "case_reported_here": "case {case} was reported here: this node investigates",
    "case_closed_by_investigator": "case {case} is closed by {person}, which investigates it",
    "case_reported_by": (
        "case {case} was reported by {person}: the holder investigates and sends its findings "
        "to the originator"
    ),
    "case_findings_first": (
        "compromise case {case} is {case_state}: the investigation result and the measures "
        "against recurrence must first be sent to the originator"
    ),
    "findings_not_acknowledged": "the findings of {case} are not yet acknowledged",
    "findings_sent": "findings of {case} were sent",
    # Treaty: consent requests (Art. 5, 6, R12).
    "consent_request_not_valid": "consent request {request} is not valid: {why}",
    "consent_beyond": "consent for {level} beyond what {holder} may pass to {recipient}: {why}",
    "request_not_naming": "the request does not name {item}",
    "provided_under": "{item} was provided under {agreement}",
    "class_needs_ceiling": "a consent for the class {item_class} needs a ceiling level",
    "items_must_be_shown": "every item the request names must be shown to the officer",
    "consent_request_lapsed": "consent request {request} has lapsed",
    "no_agreement_to_protect": "{holder} has no agreement with {recipient} to protect the items",
    "not_in_force": "{agreement} is not in force",
    # Treaty: contractors (Art. 11, R33-R35).
    "facility_no_clearance": "{facility} holds no facility security clearance in force",
    "facility_no_officer": "{facility} has no designated security officer",
    "facility_never_inspected": "{facility} was never inspected",
    "facility_inspection_old": (
        "{facility} was last inspected on {date}, more than {days} days ago (the agreement's "
        "interval, a policy setting)"
    ),
    "contract_not_with": "contract {contract} is not with {facility}",
    "contract_no_clause": "contract {contract} carries no security requirements clause",
    "contract_no_assurance": (
        "no assurance from {nation}'s national security authority for contract {contract}"
    ),
    "contract_other_partner": "contract {contract} covers {party}'s information, not {nation}'s",
    "contract_level_below": "contract {contract} goes up to {highest}, below {level}",
    "contract_other_purpose": "contract {contract} is for {purpose}, not {wanted}",
    "contract_other_facility": "contract {contract} names another facility",
    "contract_foreign_level": "contract {contract}: {level} is not a {nation} level",
    "contract_clause_carried": "contract {contract} with {facility} carries its clause",
    "staff_not_registered": "{person} is not on the register of {facility}",
    "staff_not_briefed": "{person} has not acknowledged a security briefing",
    "not_released_to_facility": "this was not released to {facility} under a contract",
    "staff_allowed": "{person} of {facility}, briefed, under contract {contract}",
    "facility_cleared_contract": (
        "{facility} is cleared to {clearance} and contract {contract} covers {purpose}"
    ),
    # Treaty: courier (Art. 10, R27).
    "courier_binds_other": "{agreement} binds {parties}, not {nation} and {recipient}",
    "courier_not_outside": "{channel} is not a channel outside the network; use one of {channels}",
    "courier_unnamed": "a dispatch names its courier",
    "channel_approved": "{channel} approved under {agreement}",
    # Treaty: custody (Art. 7, 9, R29-R32).
    "reproduction_prohibited": "{originator} prohibited reproducing {item}",
    "copy_limit_reached": "{originator} allows {limit} copies of {item}; {made} exist",
    "copy_may_be_made": "copy {number} of {holding} may be made",
    "translator_not_cleared": "{translator} is not a cleared translator for {holding}: {why}",
    "translator_may": "{translator} may translate {holding}",
    "use_restricted": "{item} is restricted by {restrictions}: no {use} use",
    "use_not_restricted": "{use} use of {item} is not restricted",
    # Treaty: derivatives (Art. 4.3, R8).
    "derivative_below_sources": "{level} is below {highest}, the highest level of the sources",
    "derivative_no_source": "a derivative needs at least one source",
    "source_destroyed": "source {source} was destroyed",
    "source_not_usable": "{person} may not use source {source}: {why}",
    "may_derive": "{person} may derive from {count} source(s)",
    # Treaty: destruction and return (Art. 9, 12, R18, R31).
    "dependants_open": (
        "{what} leaves copies, translations or derivatives without disposition: {dependants}"
    ),
    "official_not_cleared": "{official} is not a registered {holder} official cleared for {level}",
    "already_gone": "{holding} was already destroyed or returned",
    "record_other_holding": "record {record} is not for {holding}",
    "record_in_future": "record {record} is dated in the future",
    "record_officials_unknown": "the officials of record {record} were not all identified",
    "two_officials_needed": "{level} needs two officials to destroy it",
    "may_be_destroyed": "{holding} may be destroyed by {method}",
    "purpose_ended": (
        "the purpose of {item} ended: it must be returned or destroyed; access is suspended "
        "until then"
    ),
    "record_other_holding_now": "record {record} is not for {holding} now",
    "return_only_to_originator": "{item} goes back only to its originator {originator}",
    "may_be_returned": "{holding} may be returned to {originator}",
    "not_recorded_holding": "{holder} is not recorded as holding {item}: nothing to take back",
    "returned_to_originator": "{holder} returned {item} to its originator",
    # Treaty: disputes (Art. 20, R46).
    "dispute_no_third_party": (
        "dispute {case} cannot be referred to {third}: settlement is only by consultation "
        "between {parties}"
    ),
    # Treaty: equivalence (Art. 3, R4).
    "not_a_party": "{nation} is not a party to {agreement}",
    "level_not_in_table": "{level} is not covered by {agreement} (version {version}, Art. 4)",
    "level_maps_to_none": "{agreement} (version {version}) maps {level} to no {nation} level",
    # Treaty: FLASH budget (R25).
    "flash_within_budget": "FLASH within the partner's budget",
    "flash_over_budget": (
        "over the partner's FLASH budget ({burst} at once, {per_hour} an hour): handled as "
        "{precedence}"
    ),
    # Treaty: hub (R47).
    "hub_may_not_forward": "hub {hub} may not forward {item}: {why}",
    "hub_may_forward": (
        "{hub} may forward {item} to {recipient} as {level} under {agreement}; hub mode rests "
        "on a non-binding arrangement; protection is under bilateral GSOMIAs"
    ),
    "no_hub_rule": "no hub rule is configured on {holder}",
    # Treaty: receipt (Art. 4, 9, R28).
    "item_names_other_agreement": "{item} names {named}, not {agreement}",
    "provision_by_originator_only": (
        "{agreement} covers provision between {parties} by the originator; {sender} sent "
        "{originator}'s item"
    ),
    "agreement_has_terminated": "{agreement} has terminated; no new provision",
    "accepted_from": "{item} accepted from {sender} as {level} under {agreement} v{version}",
    # Treaty: records of agreement events (Art. 21, R43).
    "may_not_record": (
        "{nation} may not record {party}'s {event_kind}: each party records its own acts"
    ),
    "records_own": "{nation} records its {event_kind} of {date}",
    # Treaty: security visits (Art. 15, R38).
    "security_visit_binds": "{agreement} binds {parties}; a security visit is between them",
    "security_visit_in_past": "security visit {visit} would start in the past",
    "security_visit_planned": "security visit {visit} planned under {agreement}",
    "security_visit_has_findings": "security visit {visit} has its findings already",
    "security_visit_unconsulted": (
        "security visit {visit} was not agreed: no prior consultation recorded for {parties}"
    ),
    "security_visit_not_begun": "security visit {visit} has not begun",
    "security_visit_findings": "findings of security visit {visit}",
    "security_visit_host_reports": (
        "only the host {host} reports how it protects what it was provided"
    ),
    "security_visit_not_agreed": "security visit {visit} was not agreed after prior consultation",
    "security_visit_report": "report for {nation}'s representatives, visit {visit}",
    # Treaty: terms on the label (R29, R13).
    "copy_limit_malformed": "copy limit {values} is malformed: read as no copy allowed",
    "purpose_end_malformed": (
        "purpose end {values} is malformed: read as already ended, access is suspended"
    ),
    # Treaty: visits (Art. 14, R23).
    "visit_submitter": "visit {visit} names {person} as submitter",
    "visit_not_requestable": "visit {visit} cannot be requested: {why}",
    "visit_lead_time": "visit {visit} starts sooner than {agreement}'s lead time of {days} days",
    "visit_in_past": "visit {visit} would start in the past",
    "visit_may_ask": "{nation} may ask {host}",
    "visit_not_approvable": "visit {visit} cannot be approved: {why}",
    "visit_over": "visit {visit} is over",
    "visit_may_approve": "{host} may approve visit {visit}",
    "visit_not_approved_to": "visit {visit} is not an approved visit to {host}",
    "visit_approved_to": "visit {visit} is an approved visit to {host}",
    "not_disclosable": "{holding} may not be disclosed: {why}",
    "visitor_third_country": (
        "{holding} is not releasable to {nation}: a third-country release needs the "
        "originator's consent"
    ),
    "may_be_shown": "{holding} may be shown to {person}",
    # The messages of errors a page shows (`Conflict`, `InputError`, `UsageError`, ADR 0135).
    **ERROR_REASONS,
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
    "sender",
    "peer",
    "party",
    "host",
    "case",
    "notice",
    "holding",
    "copy",
    "visit",
    "contract",
    "record",
    "official",
    "source",
    "derivative",
    "subject",
    "hub",
    "request",
    "dispatch",
    "translator",
    "days",
    "limit",
    "made",
    "number",
    "burst",
    "per_hour",
    "old",
    "new",
    "message_kind",
    "third",
    "case_kind",
    "root",
    # Of the errors' messages (ADR 0135).
    "pid",
    "key",
    "profile",
    "own_profile",
    "rate",
    "size",
    "message",
    "seconds",
    "code",
    "step_id",
    "index",
    "last",
    "stamp",
    # Of the log's, the exchange's and the console's errors (ADR 0141).
    "signer",
    "type_name",
    "start",
    "end",
}
#: A SPIF's tag set as a problem names it: quoted (`repr`), so "{category} {value}" splits where
#: the quotes end.
_QUOTED = r"'[^']*'"
_QUOTES = {"category", "other_category"}
#: A placeholder that holds one of a few known words (a status, a kind): its pattern takes
#: those words only, and a page says each in its language (`reason_word.<name>.<word>`).
CHOICES: dict[str, tuple[str, ...]] = {
    "tag_kind": ("RESTRICTIVE", "PERMISSIVE", "INFORMATIVE"),
    "wanted_kind": ("RESTRICTIVE", "PERMISSIVE", "INFORMATIVE"),
    "operation": ("exactly one", "one or more", "all"),
    "consent_status": ("requested", "granted", "refused", "revoked", "expired"),
    "case_state": ("reported", "originator_notified", "investigating", "findings_sent", "closed"),
    "holding_state": ("held", "destroyed", "returned"),
    "assurance_status": ("given", "refused"),
    "visit_decision": ("approved", "refused"),
    "purpose_status": ("approved", "refused"),
    "change": ("downgrade", "upgrade", "declassify"),
    "derivative_kind": ("extract", "summary", "compilation"),
    "use": ("official", "manufacture", "publication", "commercial"),
    "method": (
        "burning",
        "cross-cut shredding",
        "wet-pulping",
        "melting",
        "chemical decomposition",
        "pulverizing",
        "cryptographic erasure",
    ),
    "event_kind": (
        "initialled",
        "domestic_approval",
        "signed",
        "notification",
        "termination_notice",
        "notice_suspended",
        "notice_withdrawn",
        "amendment_consent",
        "consultation_opened",
        "consultation_closed",
    ),
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
    if name in CHOICES:
        return "|".join(re.escape(word) for word in CHOICES[name])
    if name in _QUOTES:
        return _QUOTED
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


#: The longest sentence `explain` reads: over eight times the longest the core says. Finding
#: no code for a sentence costs time growing with the square of its length (the placeholders
#: are lazy: 24 KB of ", {" after "cleared to" cost 1.15 s of CPU, load 9), and a partner's
#: words reach this through its refusals, which the log quotes (ADR 0129). Past it, a page
#: shows the sentence as it is.
LONGEST = 2048


def explain(sentence: str) -> Explained | None:
    """The code and values of a reason as the core says it; None for one no code fits, or
    one longer than `LONGEST`."""
    if len(sentence) > LONGEST:
        return None
    carried = _REQUIREMENT.match(sentence)
    if carried:
        found = _find(carried["said"])
        if found:
            return Explained(found[0], found[1], carried["requirement"])
    # A sentence that only ends like a requirement: "the card is this node's own nation (R0)"
    # names a nation in parentheses (ADR 0135).
    found = _find(sentence)
    return Explained(found[0], found[1]) if found else None


def _find(sentence: str) -> tuple[str, dict[str, str]] | None:
    for code, head, tail, pattern in _fenced():
        # The fixed words before the first placeholder and after the last, checked before the
        # pattern: a sentence that ends otherwise is not tried, so a partner's words cannot
        # make a shape whose last placeholder takes any text search every split (ADR 0136).
        if not (sentence.startswith(head) and sentence.endswith(tail)):
            continue
        found = pattern.fullmatch(sentence)
        if found:
            return code, found.groupdict()
    return None


@cache
def _fenced() -> tuple[tuple[str, str, str, re.Pattern[str]], ...]:
    """`_patterns`, each with the fixed words its sentence must start and end with."""
    fenced = []
    for code, pattern in _patterns():
        template = REASONS[code]
        marks = list(_PLACEHOLDER.finditer(template))
        head = template[: marks[0].start()] if marks else template
        tail = template[marks[-1].end() :] if marks else template
        fenced.append((code, head, tail, pattern))
    return tuple(fenced)
