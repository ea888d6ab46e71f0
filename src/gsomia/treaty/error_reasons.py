"""The messages of the errors a reader meets on the pages (`Conflict`, `InputError`,
`UsageError` and their kin), coded like the decisions' reasons so a page says them in its
reader's language (ADR 0135).

The node raises them in English, as the log, the API and the console keep them; `reasons.REASONS`
takes these codes beside the decisions' own, and `web.i18n` says them by code. A test walks every
error raised in `treaty/`, `node/`, `web/`, `labels/`, `app/` and `store/` (and a partner's
label or binding that does not parse), and in `ledger/`, `exchange/`, `stix/`, `api/` and
`cli/`, whose errors the API's problem body, TAXII's error message and the console say in the
reader's language (ADR 0141), and in `seal/` and `treaty.schemes` (keys, envelopes, cards,
tokens, rotations, the national schemes' files and markings: ADR 0147), and fails on a message
without a code here or without Korean and Japanese words.
"""

from __future__ import annotations

__all__ = ["ERROR_REASONS"]

#: code → the English message, as the code raises it, with `{name}` for what varies.
ERROR_REASONS: dict[str, str] = {
    # treaty/agreements.py
    "agreement_field_type": "{where}: '{key}' must be a {kind}, got '{value}'",
    "agreement_version_no_date": "{where}: a version needs its effective date",
    "amendment_text_object": "an amendment's text is an object: effective, basis, rows",
    "agreement_unconfirmed_map": (
        "{where}: [unconfirmed] maps a part to the reason it is unconfirmed"
    ),
    "agreement_unconfirmed_unknown": "{where}: [unconfirmed] names unknown parts {parts}",
    "agreement_unconfirmed_reason": "{where}: each unconfirmed part gives its reason",
    "agreement_two_parties": "{where}: an agreement has exactly two distinct parties",
    "agreement_whole_number": "{where}: {key} must be a whole number, 1-100000",
    "agreement_whole_days": "{where}: {key} must be a whole number of days, 1-3660",
    "amendment_needs_consent": (
        "amending {agreement} needs the written consent of both parties; {parties} has not "
        "consented (Art. 21.2)"
    ),
    "agreement_row_object": "{where}: a table row is an object",
    "agreement_row_non_parties": "{where}: table row names non-parties {parties}",
    "agreement_file_not_toml": "agreement file is not valid TOML: {detail}",
    "version_lacks_consent": (
        "{agreement} version {version} lacks the written consent of both parties (Art. 21.2)"
    ),
    "agreement_effective_not_date": "{where}: effective date '{value}' is not a date",
    "agreement_unknown_event": "{where}: unknown lifecycle event '{value}'",
    "level_in_two_rows": "{level} appears in two rows of version {version}",
    # treaty/categories.py
    "tag_type_unknown": "{where}: tag type '{value}' is not one this reader knows",
    # treaty/classification.py
    "notice_changes_nothing": "notice {notice} changes nothing: {level} stays",
    "notice_level_foreign": "notice {notice}: {level} is not an {nation} level",
    # treaty/compromise.py
    "compromise_step_conflict": "compromise case {case} is {case_state}; it cannot be {step}",
    "compromise_step_before_report": "compromise case {case}: {step} before the report",
    "compromise_findings_both": (
        "compromise case {case}: send both the result and the measures taken to prevent recurrence "
        "(Art. 17)"
    ),
    "compromise_report_no_item": "compromise report {case} names no item",
    "compromise_report_incomplete": "compromise report {case} needs its reporter and circumstances",
    # treaty/consent.py
    "consent_ceiling_foreign": "consent {consent}: its ceiling {level} is not an {nation} level",
    "consent_names_nothing": "consent {consent} names neither items nor a class of items",
    "consent_request_names_nothing": "consent request {request} names neither items nor a class",
    "consent_request_no_purpose": "consent request {request} names no purpose",
    "consent_request_step_conflict": (
        "consent request {request} is {consent_status}; it cannot be {step}"
    ),
    "consent_expires_before_given": "consent {consent} would expire before it is given",
    # treaty/contractors.py
    "facility_needs_id_name": "a contractor facility needs an id and a name",
    "facility_clearance_expiry": "facility {facility}: a clearance and its expiry go together",
    "facility_level_foreign": "facility {facility}: {level} is not a {nation} level",
    # treaty/custody.py
    "not_a_copy_of": "{copy} is not a copy of {holding}",
    "copy_numbers_start": "copy {copy}: copy numbers start at 1",
    "translation_two_languages": "translation {copy} must name two different languages",
    # treaty/derivatives.py
    "derivative_one_holder": "a derivative's sources must be one holder's, not {holders}",
    "derivative_source_count": (
        "an {derivative_kind} is made from one source; a compilation from several"
    ),
    "derivative_made_from": "{derivative} was made from {sources}",
    # treaty/destruction.py
    "destruction_no_executor": "destruction record {record} names no executing official",
    "destruction_official_twice": "destruction record {record} names an official twice",
    "destruction_witness_executes": "destruction record {record}: a witness cannot also execute it",
    # treaty/disputes.py
    "dispute_only_party": "only a party to {agreement} may raise a dispute under it, not {nation}",
    "dispute_no_subject": "dispute {case} names no subject",
    "dispute_settled": "dispute {case} is settled",
    "dispute_only_consultation": (
        "dispute {case} is {dispute_state}; it is settled only by consultation"
    ),
    # treaty/flash.py
    "flash_budget_range": "a FLASH budget is 1-{limit} at once and 1-{limit} an hour",
    # treaty/items.py
    "item_other_agreement": "item {item} was provided under {marked}, not {agreement}",
    "holding_level_foreign": "holding {holding}: {level} is not a {nation} level",
    "holding_not_releasable": "holding {holding}: item {item} is not releasable to {nation}",
    # treaty/lifecycle.py
    "lifecycle_event_refused": "{event_kind} on {date} refused: {why}",
    "lifecycle_no_document": "{event_kind} on {date} references no document",
    # treaty/names.py
    "not_nation_code": "{what} '{value}' is not an ISO 3166-1 alpha-3 nation code",
    "not_page_language": "{what} '{value}' is not a language of the pages",
    # treaty/onward.py
    "never_received": "{nation} never received {item}",
    "transfer_two_nations": "a transfer of {item} needs two different nations",
    "transfer_other_chain": "transfer of {item} recorded in {subject}'s chain",
    "never_held_to_pass": "{nation} never held {item} to pass it on",
    "hub_rule_participants": "a hub rule of {hub} needs two participants other than the hub",
    "hub_rule_topic": "a hub rule of {hub} needs at least one topic",
    # treaty/people.py
    "needs_time_zone": "{what} must carry a time zone",
    "person_needs_id_nationality": "a person needs an id and a nationality",
    "person_clearance_expiry": "{person}: a clearance and its expiry go together",
    # treaty/purposes.py
    "purpose_approval_no_purpose": "purpose approval {approval} names no purpose",
    "purpose_approval_names_nothing": "purpose approval {approval} names neither items nor a class",
    # treaty/records.py
    "agreement_event_object": "an agreement event is a JSON object",
    "amendment_text_json": "an amendment's text is a JSON object (effective, basis, rows)",
    "agreement_event_malformed": "the agreement event is malformed: {detail}",
    # treaty/security_visits.py
    "security_visit_two_parties": "a security visit is between the two parties",
    "security_visit_incomplete": (
        "security visit {visit} needs representatives, an agreed place and a scope"
    ),
    "security_visit_span": "security visit {visit} must end after it starts, within {days} days",
    # treaty/spif_markings.py
    "spif_no_category": "the {policy} SPIF defines no {tag_kind} category '{tag_set}'",
    "spif_no_classification": "the {policy} SPIF defines no classification '{value}'",
    "spif_no_value": "the {policy} SPIF's '{tag_set}' has no value {values}",
    # treaty/visits.py
    "visit_level_lower_only": "the host may lower, not raise, the level asked ({level})",
    "visit_host_itself": "visit {visit}: the host cannot visit itself",
    "visit_incomplete": "visit {visit} needs visitors, a facility and a subject",
    "visit_span": "visit {visit} must end after it starts, within a year",
    "visit_level_not_host": "visit {visit}: {level} is not a host level",
    "consent_request_three_nations": (
        "consent request {request}: originator, holder and third nation must differ"
    ),
    "consent_request_ceiling_foreign": (
        "consent request {request}: {level} is not an originator level"
    ),
    "nf_label_policy": "no label under policy '{value}'; this item is labelled under {policies}",
    # node/acceptance.py
    "header_no_item": "the item header has no item member",
    "item_id_length": "an item id is a string of 1 to {limit} characters",
    "item_title_text": "an item's title is text of at most {limit} characters",
    "label_id_differs": "the label's id differs from the item's id",
    "label_one_purpose": "an item's label names exactly one purpose",
    "header_malformed": "the item header's precedence or version is malformed",
    # node/audit.py
    "not_admin_event": "{what} is not an administration event",
    # node/backup.py
    "path_exists": "{path} exists",
    "path_not_empty": "{path} exists and is not empty",
    "restore_names_node_once": (
        "a restore needs the node it restores named once, apart from the backup: its card (--card "
        "FILE) or its fingerprint (--fingerprint HEX), not several"
    ),
    "restore_names_node": (
        "a restore needs the node it restores named once, apart from the backup: its card (--card "
        "FILE) or its fingerprint (--fingerprint HEX)"
    ),
    "pg_backup_needs_database": "a PostgreSQL backup needs the database to restore into",
    "not_fingerprint": "--fingerprint '{value}' is not a card's fingerprint",
    "not_backup": "{path} is not a gsomia backup: {detail}",
    "backup_no_manifest": "{path} has no readable manifest",
    "private_key_in_clear": "{path} holds a private key in the clear: it would leave in the backup",
    # node/contractors.py
    "text_length": "{what} is 1 to {limit} characters",
    "facility_clearance_expiry_together": "a facility clearance and its expiry go together",
    "inspection_kind": "an inspection is {kinds}, not '{value}'",
    "inspection_taken_place": "an inspection is recorded once it has taken place",
    "briefing_acknowledged": "a briefing is recorded once it has been acknowledged",
    "facility_recorded_already": "facility '{facility}' is recorded already",
    "person_on_register_already": "{person} is on a facility's register already",
    "contract_recorded_already": "contract '{contract}' is recorded already",
    # node/control/assurances.py
    "assurance_text_length": "an assurance names its {what} in 1 to 200 characters",
    # node/control/consent.py
    "consent_end_time_zone": "the consent's end needs a time zone",
    "consent_cannot_grant": "consent request {request} is {consent_status}; it cannot be granted",
    "consent_decision_unknown": "unknown consent decision: {detail}",
    "consent_cannot_refuse": "consent request {request} is {consent_status}; it cannot be refused",
    "consent_decision_cannot_be": "a consent decision cannot be {consent_status}",
    "consent_cannot_revoke": "consent {consent} is {consent_status}; it cannot be revoked",
    "consent_request_open_already": "consent request {request} is already open",
    "refusal_needs_reason": "a refusal gives its reason",
    "revocation_needs_reason": "a revocation gives its reason",
    # node/control/contract_assurances.py
    "assurance_request_recorded": "assurance request {request} is recorded here already",
    "assurance_needs_reference": (
        "an assurance is answered with its reference (the authority's note)"
    ),
    "assurance_request_done": "assurance request {request} is {assurance_status} already",
    "assurance_answer_given": "an assurance answer says whether it is given (true or false)",
    # node/control/copies.py
    "copy_made_meanwhile": "another copy of {holding} was made meanwhile; try again",
    "copies_at_a_time": "make 1 to {limit} copies at a time",
    "translation_length": "a translation is at most {limit} characters",
    "language_code_length": "the {what} is a language code of up to 16 characters",
    # node/control/derivatives.py
    "derivative_source_once": "a derivative names each source once",
    "derivative_sources_range": "a derivative names 1 to {limit} sources",
    "derivative_title_content": "a derivative has a title of up to 300 characters and its content",
    "derivative_kind_unknown": "unknown derivative kind '{value}'",
    # node/control/disposal.py
    "destruction_names_range": (
        "name 1 to {limit} executing officials and at most {limit} witnesses"
    ),
    "destruction_names_length": "officials and witnesses are names of up to 100 characters",
    "holding_changed_meanwhile": "{holding} was {holding_state} meanwhile",
    "returned_already": "{sender} already returned {item}",
    "destruction_method_unknown": "unknown destruction method '{value}'",
    # node/control/disputes.py
    "note_length": "write a note of up to {limit} characters",
    "dispute_recorded_already": "dispute {case} is already recorded",
    # node/control/investigation.py
    "findings_both_length": (
        "send both the investigation result and the measures taken to prevent recurrence (Art. "
        "17), each up to 8000 characters"
    ),
    "findings_await_ack": "the findings of case {case} await {originator}'s acknowledgement",
    "compromise_closed_already": "compromise case {case} is already closed",
    # node/control/key_rotation.py
    "rotation_no_statement": "the key_rotation message carries no {what} statement",
    # node/control/loss_report.py
    "loss_description_length": "describe the loss or compromise in up to 4000 characters (Art. 17)",
    "message_actual_boolean": "the message's 'actual' must be true or false",
    "compromise_open_already": "compromise case {case} is already open",
    # node/control/marks.py
    "declassified_no_level": "{marking} is not a classification level: the item was declassified",
    "derivative_source_not_held": "derivative {derivative} names a source {source} not held here",
    # node/control/messages.py
    "message_string_length": "the message's '{key}' must be a string of up to {limit} characters",
    "message_no_time_zone": "the message's '{key}' names no time zone",
    "message_string_list": "the message's '{key}' must be a list of strings",
    "message_not_iso_time": "the message's '{key}' is not an ISO 8601 time",
    # node/control/notice_draft.py
    "notice_effective_past": "a classification notice takes effect when it is issued or earlier",
    "item_at_level_already": "{item} is {level} already",
    "notice_kind_mismatch": "{level} → {target} is a {change}, not a {wanted_change}",
    "not_classification_change": "'{value}' is not a classification change",
    "declassification_no_level": "a declassification names no new level",
    "change_names_level": "a {change} names the new level",
    # node/control/notices.py
    "ack_level_mismatch": "the acknowledgement's level '{level}' does not match the notice",
    "remarked_meanwhile": "{item} was re-marked {level} meanwhile",
    # node/control/purpose_decisions.py
    "purpose_request_no_item": "purpose request {request} names no item",
    "purpose_request_open_already": "purpose request {request} is already open",
    "purpose_request_decided": (
        "purpose request {request} is {purpose_status}; it cannot be decided again"
    ),
    # node/control/purposes.py
    "name_new_purpose": "name the new purpose (up to 200 characters)",
    "purpose_already": "'{purpose}' is already a purpose of holding {holding}",
    "purpose_request_not_open": "purpose request {request} is not open with {sender}",
    "purpose_decision_cannot_be": "a purpose decision cannot be '{value}'",
    # node/control/remarking.py
    "notice_other_item": "notice {notice} names another item than {item}",
    # node/control/security_visit_messages.py
    "security_visit_not_between": "security visit {visit} is not between {sender} and us",
    "security_visit_recorded": "security visit {visit} is recorded here already",
    "not_security_visit_party": "{party} is not a party to security visit {visit}",
    # node/control/visit_host.py
    "visit_recorded_already": "visit {visit} is already recorded",
    "visit_refusal_reason": "give the reason for the refusal, up to 2000 characters",
    "visit_decided_already": "visit {visit} is already {visit_decision}",
    # node/control/visits.py
    "visit_kind_unknown": "unknown visit kind; one of {kinds}",
    "visit_level_lower_for": "the host may lower, not raise, the level asked for {visit}",
    "visit_decision_words": "a visit decision is {approved} or {refused}, not '{value}'",
    # node/courier.py
    "nothing_queued_for": "nothing is queued for {nation}",
    "receipt_bundle_where": "say where the receipt bundle goes",
    "dispatch_recorded_meanwhile": "dispatch {nation}-{recipient}-{number} was recorded meanwhile",
    "receipt_other_batch": "the receipt answers a batch not in {dispatch}",
    "receipt_answers_unopened": "the receipt's answers did not open: {why}",
    # node/database.py
    "database_unavailable": "database unavailable",
    # node/export.py
    "no_list_to_export": "no list '{value}' to export",
    "no_export_form": "no export form '{value}'",
    # node/home.py
    "not_scheme_nation": "--nation '{value}' has no classification scheme here",
    "interrupted_rotation": "{path} is left from an interrupted key rotation",
    "card_not_keys": "{path} does not belong to the keys in {keys}",
    "card_not_tls": "{path} does not carry the TLS certificate in {keys}",
    "not_node_home": "{path} is not a node home (no config.toml)",
    "config_not_toml": "{path} is not valid TOML: {detail}",
    "config_lacks": "{path} lacks {detail}",
    "path_missing": "{path} is missing",
    "keys_not_identity": "the keys in {path} are not those of its identity.json",
    # node/labels.py
    "no_ism_word": "{item} is marked {marking}, which has no US classification word for ISM",
    "no_label_format": "no label format '{value}'",
    "label_not_ism": "{item}'s label cannot be written as ISM: {why}",
    # node/ledger.py
    "keys_cannot_sign_checkpoints": "this node's {profile} keys cannot sign log checkpoints",
    # node/log_console.py
    "checkpoint_no_cosignature": "the checkpoint carries no cosignature by {nation}",
    # node/log_proofs.py
    "log_size_differs": "the log has {count} entries, not {size}",
    # node/outward.py
    "syslog_url": "[alerts] syslog '{value}' is not udp://HOST:PORT or tcp://HOST:PORT",
    # node/paging.py
    "not_a_cursor": "not a cursor this list gave",
    # node/partners.py
    "card_no_endpoint": (
        "{nation}'s card names no endpoint and none was given: nothing could be delivered to "
        "{nation}"
    ),
    # node/peers.py
    "card_own_nation": "the card is this node's own nation ({nation})",
    "peer_other_profile": "{nation}'s node uses the {profile} profile, this node {own_profile}",
    "card_shares_key": "{what}: a card shares no key with another node's",
    # node/publish.py
    "item_title_purpose": "an item needs a title and a purpose",
    "content_too_large": "content is {size} bytes; the API takes up to {limit}",
    "releasable_own_nation": "releasable-to must name the partner nations, not this node's own",
    "no_need_to_know_here": "no one here has a need-to-know for the purpose '{purpose}'",
    "publish_batch": "publish 1 to {limit} items at a time",
    "precedence_unknown": "unknown precedence '{value}'",
    "review_after_now": "the review time is a moment after now, with its time zone",
    "copy_limit_range": "a copy limit is 0 (no reproduction) or more copies",
    "purpose_end_time_zone": "the purpose end needs a time zone",
    "purpose_end_passed": "the purpose end has already passed",
    # node/receive.py
    "message_id_used": "message id {value} was already used by another partner",
    # node/rekey.py
    "node_running_old_keys": "the node of {path} is running (pid {pid}): it holds the old keys",
    "keys_in_token": (
        "the keys of {path} are in a PKCS#11 token ({uri}): rotation makes its keys as files, so "
        "it is not offered for a token yet"
    ),
    "rotation_unanswered": "{nations} has not answered the last key rotation yet",
    # node/release.py
    "released_already": "item {item} is already released to {nations}",
    "standing_rule_nations": "a standing rule names the partner nations it releases to",
    "standing_rule_future": "a standing rule must end in the future",
    # node/security_visits.py
    "security_visit_involves_self": "a security visit this node plans involves {nation}",
    "party_agreement_reference": "{party}'s agreement is recorded with the reference of its note",
    "findings_observed": "findings say what the representatives observed",
    # node/settlement.py
    "sealed_answer_reason": "the sealed reason of the answer to {message}: {detail}",
    # node/sharing.py
    "export_too_large": "the items named carry more than {size} MB",
    # node/short_ids.py
    "short_id_ambiguous": "{value} begins more than one of this node's {kind}",
    # node/taxii.py
    "name_or_password_wrong": "the name or password is wrong",
    "taxii_post_batch": "post 1 to {limit} objects at a time",
    "taxii_next_unknown": "`next` is not a position this server handed out",
    # api/taxii.py, api/errors.py: what TAXII 2.1 says of media types, limits, routes
    "taxii_not_acceptable": (
        "this server answers in {media_type} only, which the Accept header does not take"
    ),
    "taxii_unsupported_media_type": "a TAXII post is {media_type}, not {sent}",
    "taxii_limit_positive": "limit {value} is not a whole number of at least 1",
    "taxii_no_resource": "no TAXII resource at {path}",
    "taxii_method_not_allowed": "the TAXII resource at {path} does not take this method",
    # node/throttle.py
    "allowance_admits_none": "a peer allowance of {rate}/s with a burst of {burst} admits no one",
    "too_many_requests": "too many requests from {sender}: over {rate} a second",
    # node/transfers.py
    "transfer_filters": "transfers are filtered by partner, state and precedence only",
    "no_precedence": "no precedence '{value}'",
    # node/users.py
    "role_unknown": "unknown role '{value}'",
    "clearance_expired_on": (
        "the clearance expired on {date}: a person registered with it could read nothing"
    ),
    "nothing_to_change": "nothing to change",
    "category_not_tagset": "category '{value}' is not TAGSET=VALUE",
    "clearance_expires_passed": "--clearance-expires {date} has passed",
    # node/ztdf.py
    "not_container_policy": "the policy is not a container policy of this node",
    # web/auth.py
    "sign_in_first": "sign in first",
    # web/control.py
    "copies_whole_number": "the number of copies is a whole number",
    # web/forms.py
    "field_not_date": "'{key}' is not a date",
    # web/paging.py
    "filter_too_long": "the {key} filter is longer than {limit} characters",
    # labels/labelset.py
    "label_policy_twice": "item already has a label under policy '{value}'",
    # labels/media.py
    "media_type_string": "a media type is a string",
    "media_type_line_break": "a media type may not contain a line break",
    "media_type_length": "a media type is at most {limit} characters",
    "not_media_type": "'{value}' is not a media type",
    # treaty/credentials.py, treaty/sessions.py (decisions a wrapper says, logged)
    "token_not_issued": "the token is not one this node issued",
    "no_such_session": "no such session on this node",
    "sign_in_wait": "too many failed sign-ins; try again in {seconds} s",
    "sign_in_wait_name": (
        "too many failed sign-ins for this name from many places; try again in {seconds} s"
    ),
    # web/auth.py
    "csrf_refused": "this form was refused: it does not carry this session's security token (CSRF)",
    # labels/ism.py (a marking typed or read)
    "portion_not_us": "portion classification '{value}' is not one of TS, S, C, U",
    "marking_empty": "marking is empty",
    "marking_too_long": "marking is {size} characters long; the limit is 1024",
    "marking_not_capitals": "marking '{value}' is not in capitals",
    "marking_ends_separator": "marking '{value}' ends with a separator",
    "portion_no_parentheses": "portion mark '{value}' is not in parentheses",
    "not_us_classification": "'{value}' is not a US classification",
    "marking_noforn_rel": "marking has both NOFORN and REL TO",
    "marking_repeats": "marking '{value}' repeats {part}",
    "caveat_unknown": "caveat '{value}' is not known",
    "rel_to_twice": "REL TO lists a nation twice in '{value}'",
    "marking_control_unsupported": "marking '{value}' has unsupported control '{part}'",
    # labels/labelset.py
    "original_label_type": "the original label must be a ConfidentialityLabel",
    "alternative_labels_limit": "{count} alternative labels; the limit is {limit}",
    "alternative_labels_type": "alternative labels must be ConfidentialityLabel values",
    "two_labels_policy": "two labels under policy '{value}'",
    # labels/model.py (a label's fields: the title, the purpose, the nations typed on the form)
    "label_field_not_text": "{what} must be text, not {kind}",
    "label_field_empty": "{what} is empty",
    "label_field_too_long": "{what} is {size} characters long; the limit is {limit}",
    "label_field_control": "{what} contains the control character U+{code}",
    "label_field_spaces": "{what} '{value}' has leading, trailing or repeated spaces",
    "label_field_not_nation": "{what} '{value}' is not a nation",
    "label_field_not_datetime": "{what} must be a datetime, not {kind}",
    "label_field_no_timezone": "{what} {stamp} has no timezone",
    "category_values_list": "category '{tag_set}' values must be a list, not a string",
    "category_no_values": "category '{tag_set}' has no values",
    "category_values_limit": "category '{tag_set}' has {count} values; the limit is {limit}",
    "category_uri_not_oid": "category '{tag_set}' URI '{value}' is not urn:oid:…",
    "category_reserved_type": "category '{tag_set}' must be {wanted_kind}, not {tag_kind}",
    "originator_type": "originator must be an Originator",
    "policy_uri_not_oid": "policy URI '{value}' is not urn:oid:…",
    "label_id_not_ncname": "label id '{value}' is not an XML NCName",
    "label_noforn_releasable": "label has both NOFORN and Releasable To {nations}",
    "label_categories_limit": "label has {count} categories; the limit is {limit}",
    "category_type_unknown": "category '{tag_set}' has type '{value}'",
    "categories_type": "categories must be Category values",
    "category_twice": "category '{tag_set}' appears twice",
    # app/gate.py (a page's post over its door's cap)
    "body_too_large": "the body exceeds the {limit}-byte limit of this route",
    # app/processes.py, app/serving.py (serving: the console's)
    "several_processes_need_pg": (
        "serving from several processes (--workers {count}, --delivery {number}) needs PostgreSQL: "
        "this node's database is SQLite, which one process serves (it takes one writer at a time)"
    ),
    "address_not_host_port": "{what} address '{value}' is not HOST:PORT",
    "tls_key_not_on_disk": "this node's TLS key is not on disk",
    "tls_cert_key_together": "--tls-cert and --tls-key go together",
    "cannot_listen": "cannot listen for {what} on {url}: {detail}",
    # labels/json.py, labels/xml.py, labels/_common.py (a partner's label that does not parse: the
    # rejection the audit page lists)
    "json_holds_forbidden": "JSON holds {what}, which labels never contain",
    "json_not_object": "{where} must be a JSON object, not {kind}",
    "json_member_missing": "{where} has no '{key}'",
    "json_member_unsupported": "{where} has unsupported key '{key}'",
    "json_member_not_string": "{where}.{key} must be a string, not {kind}",
    "json_generic_values": "{where}.GenericValues must be an array of strings",
    "json_xmlns": "{where}.Xmlns is '{value}'",
    "json_category_array": "{where}.Category must be an array",
    "json_categories_limit": "{where} has {count} categories; the limit is {limit}",
    "json_not_bytes": "label JSON must be bytes, not {kind}",
    "json_too_large": "label JSON is {size} bytes; the limit is {limit}",
    "alternative_labels_array": "alternativeConfidentialityLabel must be an array",
    "json_type_unknown": "{where}.Type is '{value}'",
    "json_key_twice": "JSON key '{key}' appears twice",
    "json_not_utf8": "label JSON is not UTF-8",
    "json_too_deep": "label JSON is nested too deeply",
    "json_malformed": "label JSON is malformed: {detail} at line {line} column {column}",
    "xml_not_bytes": "label XML must be bytes, not {kind}",
    "xml_too_large": "label XML is {size} bytes; the limit is {limit}",
    "xml_not_utf8": "label XML is not UTF-8",
    "xml_doctype": "label XML has a DOCTYPE; DTDs and entities are refused",
    "xml_other_namespace": "element '{element}' is in namespace '{namespace}'",
    "xml_attribute_unsupported": "{element} has unsupported attribute '{value}'",
    "xml_text_only": "{element} must hold text, not elements",
    "xml_element_missing": "label XML has no {element} in {parent}",
    "xml_element_repeated": "label XML has {count} {element} elements in {parent}",
    "xml_root_not_label": "root element '{element}' is not a 4774 label",
    "xml_succession_handling": "SuccessionHandling is not supported",
    "xml_privacy_marks": "label XML has more than one PrivacyMark",
    "xml_root_not_labelset": (
        "root element is '{element}' in '{namespace}', not LabelSet in urn:gsomia:labelset:1"
    ),
    "labelset_starts_original": "LabelSet must start with an originatorConfidentialityLabel",
    "labelset_alternatives_after": (
        "LabelSet may hold only alternative labels after the originator's"
    ),
    "xml_malformed": "label XML is malformed: {detail}",
    "xml_entity": "label XML holds an entity reference or other non-element node",
    "xml_too_many_elements": "label XML has more than {limit} elements; the limit is {limit}",
    "xml_too_deep": "label XML is nested deeper than {limit} elements",
    "xml_stray_text": "{element} holds stray text '{value}'",
    "xml_element_unsupported": "{element} has unsupported element '{value}'",
    "xml_out_of_order": "{element} is out of order inside {parent}",
    "xml_category_attribute": "Category has no {value} attribute",
    "xml_category_type": "Category '{tag_set}' has Type '{value}'",
    "xml_root_namespace": "root element is in namespace '{namespace}'",
    "not_date_time_zone": "{what} '{value}' is not a date-time with a timezone",
    "originator_id_type": "OriginatorID IDType '{value}' is not supported",
    "originator_id_nation": "OriginatorID '{value}' does not name a nation",
    "not_valid_date_time": "{what} '{value}' is not a valid date-time",
    "percent_encoding": "{where}: percent-encoding is not UTF-8",
    # seal/binding.py (a partner's binding that does not verify: the rejection the audit page lists)
    "binding_members": "binding members are wrong",
    "binding_content_members": "binding content members are wrong",
    "binding_strings": "binding members must be strings",
    "binding_length": "binding content length must be a non-negative integer",
    "binding_recipients_list": "binding recipients must be a list of key ids",
    "binding_label_object": "binding label must be an object",
    "binding_sealed_at": "binding sealed_at is not a time",
    "binding_profile": "binding profile does not match the envelope",
    "binding_sender": "binding sender does not match the signer",
    "binding_recipients": "binding recipients do not match the JWE recipients",
    "jwe_header_binding": "JWE header does not match the binding",
    "label_digest_binding": "label does not match its digest in the binding",
    # store/ (a page's read meets a damaged or altered database; the sign-in's wait; people)
    "case_in_clear": "case {case} ({case_kind}) is in clear, not sealed at rest",
    "case_not_opening": (
        "case {case} ({case_kind}) does not open with its status and parties: {detail}"
    ),
    "case_step_in_clear": "case step {step_id} of {case} is in clear, not sealed at rest",
    "case_step_not_opening": "case step {step_id} of {case} does not open: {detail}",
    "no_checkpoint_covers": "no checkpoint covers log entry {index} yet",
    "database_backend": "database backend '{value}' is not supported",
    "database_damaged": "the node's database is damaged: {detail}",
    "database_url": "database URL '{value}' is not valid: {detail}",
    "database_unreachable": "cannot reach the database {url}: {detail}",
    "holding_no_seal": (
        "holding {holding} keeps no seal of its agreement, state, consent and approved purposes"
    ),
    "holding_field_altered": "holding {holding}'s {fields} is not what its sealed terms say",
    "holding_fields_altered": "holding {holding}'s {fields} are not what its sealed terms say",
    "holding_put_back": "holding {holding} reads as {state} but was {disposed}",
    "copy_put_back": "copy {copy} reads as {state} but was {disposed}",
    "log_disposals_contradicted": "the verified log records the disposal of {subjects}",
    "log_copies_missing": (
        "the verified log records copies and translations the database no longer keeps: {subjects}"
    ),
    "log_people_contradicted": (
        "the verified log records people otherwise than the database keeps them: {subjects}"
    ),
    "log_remarkings_contradicted": (
        "the verified log records re-markings and cases otherwise than the database keeps "
        "them: {subjects}"
    ),
    "holding_marking_altered": "holding {holding}'s marking '{marking}' is not its sealed label's",
    "holding_purpose_altered": "holding {holding}'s purpose '{purpose}' is not its sealed label's",
    "holding_in_clear": (
        "holding {holding} lies in clear in the database, where holdings are kept sealed"
    ),
    "holding_terms_not_opening": "holding {holding}'s sealed terms do not open as its own: {why}",
    "holding_copies_uncounted": (
        "holding {holding} made {made} copies and translations; {kept} are inventoried"
    ),
    "copy_no_seal": "copy {copy} keeps no seal of its marking and label",
    "copy_field_altered": "copy {copy}'s {fields} is not what its sealed terms say",
    "copy_fields_altered": "copy {copy}'s {fields} are not what its sealed terms say",
    "copy_terms_not_opening": "copy {copy}'s sealed terms do not open as its own: {why}",
    "user_no_seal": "user {user} keeps no seal of their clearance and need-to-know",
    "user_field_altered": "user {user}'s {fields} is not what their sealed terms say",
    "user_fields_altered": "user {user}'s {fields} are not what their sealed terms say",
    "user_terms_not_opening": "user {user}'s sealed terms do not open as their own: {why}",
    "needs_storage_key": "this needs the node's storage key",
    "token_no_seal": "token {token} of {user} keeps no seal of its holder, scope and lifetime",
    "token_altered": "token {token} of {user} is not what its seal says",
    "password_no_seal": "user {user}'s password verifier keeps no seal",
    "password_altered": "user {user}'s password verifier is not the one the node set",
    "session_no_seal": "web session {session} of {user} keeps no seal",
    "session_altered": "web session {session} of {user} is not what its seal says",
    "log_passwords_contradicted": (
        "the verified log records passwords the database keeps otherwise: {subjects}"
    ),
    "log_tokens_contradicted": (
        "the verified log records the revocation of tokens the database keeps in force: {subjects}"
    ),
    "holding_version_put_back": (
        "holding {holding} reads as its version {sealed} but was changed to {witness}"
    ),
    "case_version_put_back": (
        "case {case} reads as its version {sealed} but was changed to {witness}"
    ),
    "holding_stix_not_opening": "holding {holding}'s STIX object does not open as its own: {why}",
    "holding_envelope_in_clear": (
        "holding {holding}'s envelope lies in clear, where envelopes are kept sealed"
    ),
    "item_in_clear": "item {item} lies in clear in the database, where items are kept sealed",
    "item_label_altered": "item {item}'s level, releasability or purpose is not its sealed label's",
    "nf_log_entry": "no log entry {index}",
    "log_entries_missing": "log entries {index}..{last} are not all stored",
    "log_dialect": "the log does not support {value}",
    "driver_insert_columns": "{value}: the insert's parameters are not the columns given",
    "driver_parameter": "{value}: a parameter the statement needs was not given",
    "log_subtree_missing": "log subtree ({level}, {index}) is not stored",
    "backup_backend": "cannot back up a {value} database",
    "pg_restore_into_pg": "a PostgreSQL backup restores into PostgreSQL: give --database URL",
    "tool_not_installed": "{tool} is not installed",
    "tool_failed": "{tool} failed: {detail}",
    "sqlite_restore_into_sqlite": "a SQLite backup restores into a SQLite file",
    "restore_into_new": "{path} exists: restore into a new database",
    "passwords_checked_at_once": "too many passwords are being checked at once",
    "nf_user": "no user named '{person}'",
    "nf_token": "no token '{value}'",
    "nf_token_in_force": "no token '{value}' in force",
    "user_attributed": (
        "{person} published items or set rules here, which must stay attributed to them"
    ),
    "witness_state_changed": "witness state for {nation} changed meanwhile",
    # exchange.worker: why a delivery waits, on the officers' banner and the transfers (the
    # transport's own words after the frame, as it gave them)
    "no_answer_for_message": "no answer for this message",
    "delivery_timeout": "TimeoutError: ",
    "delivery_timeout_said": "TimeoutError: {detail}",
    "delivery_cannot_connect": "ClientConnectorError: {detail}",
    "delivery_disconnected": "ServerDisconnectedError: {detail}",
    "delivery_error_answer": "ClientResponseError: {detail}",
    "delivery_not_verified": "VerificationError: {why}",
    "delivery_usage": "UsageError: {why}",
    # ledger/ (the log's records, checkpoints, notes and proofs: what a partner's log or a
    # proof file is refused for; ADR 0141)
    "proof_checkpoint_unverified": "checkpoint does not verify: {problems}",
    "proof_file_kind": "not a gsomia-inclusion-proof/v1 file",
    "proof_index": "proof index must be a non-negative integer",
    "proof_file_malformed": "proof file is malformed: {detail}",
    "checkpoint_other_origin": "checkpoint is for origin '{given}', expected '{expected}'",
    "checkpoint_origin_line": "a checkpoint origin is one non-empty line",
    "checkpoint_size_negative": "a checkpoint size cannot be negative ({size})",
    "checkpoint_root_size": "a checkpoint root hash is 32 bytes, not {size}",
    "checkpoint_extension_lines": "checkpoint extension lines must be non-empty single lines",
    "checkpoint_newline": "checkpoint text must end with a newline",
    "checkpoint_lines": "a checkpoint has an origin, a size and a root hash line",
    "checkpoint_size_decimal": "checkpoint size '{value}' is not a decimal without leading zeros",
    "checkpoint_size_64": "checkpoint size does not fit 64 bits",
    "cosignature_other_checkpoint": "a cosignature was made over another checkpoint",
    "cosignature_timestamp": "cosignature timestamp {stamp} is outside 0..2**64-1",
    "cosignature_length": "signature by {signer} is {size} bytes, not a cosignature/v1 (72)",
    "event_value_type": "event value at {where} is a {type_name}, which the log cannot encode",
    "event_time_zone": "an event time must carry its time zone",
    "event_lone_surrogate": "an event string holds a lone surrogate, which UTF-8 cannot carry",
    "event_lone_surrogate_it": "an event string holds a lone surrogate, UTF-8 cannot carry it",
    "event_integer_range": "event value at {where} is an integer beyond ±2**53-1",
    "event_actor": "an event needs a non-empty actor name",
    "event_subjects": "event subjects must be non-empty identifiers (strings)",
    "event_body_object": "an event body must be a JSON object",
    "log_entry_not_canonical": "log entry is not in canonical form",
    "event_key_not_string": "event object at {where} has a non-string key '{value}'",
    "event_kind_unknown": "unknown event kind '{value}'",
    "log_entry_not_event": "log entry is not an event: {detail}",
    "frontier_hashes": "a frontier of size {size} needs {count} hashes, has {number}",
    "frontier_stored": "the stored frontier is not a whole number of hashes",
    "leaf_hash_size": "leaf hash {index} is {size} bytes, not 32",
    "nf_subtree": "no stored subtree {value}",
    "nf_leaf": "no leaf {index} in a tree of size {size}",
    "nf_consistency_proof": "no consistency proof from size {old} to size {new}",
    "nf_tree": "no tree of size {size}",
    "hash_size": "{what} is {size} bytes, not a SHA-256 hash",
    "leaf_index_beyond": "leaf index {index} is not below tree size {size}",
    "inclusion_proof_short": "the inclusion proof is shorter than the tree is deep",
    "inclusion_proof_long": "the inclusion proof is longer than the tree is deep",
    "inclusion_proof_root": "inclusion proof for leaf {index} does not match the root",
    "tree_size_shrank": "tree size went from {old} down to {new}",
    "consistency_proof_empty": "the consistency proof is empty",
    "consistency_proof_short": "the consistency proof is shorter than needed",
    "consistency_proof_long": "the consistency proof is longer than needed",
    "consistency_old_root": "the consistency proof does not lead to the old root (size {size})",
    "consistency_new_root": "the consistency proof does not lead to the new root (size {size})",
    "consistency_equal_sizes": "a consistency proof between equal sizes must be empty",
    "consistency_two_roots": "two different roots for the same size {size}",
    "consistency_from_empty": "a consistency proof from the empty tree must be empty",
    "note_key_name": "key name '{value}' is not valid: it must be non-empty, no spaces, no '+'",
    "base64_not_canonical": "{what} is not canonical base64",
    "base64_not_valid": "{what} is not valid base64",
    "note_newline": "note text must end with a newline",
    "note_control_character": "note text holds the control character '{value}'",
    "note_signature_dash": "note signature line {index} does not start with '— '",
    "note_signature_shape": "note signature line {index} is not '— <name> <base64>'",
    "note_signature_short": "note signature line {index} is too short to hold a key hash",
    "note_no_blank_line": "note has no blank line before its signatures",
    "note_signatures_newline": "note signatures must end with a newline",
    "note_too_many_signatures": "note has {count} signatures, more than {limit}",
    "note_needs_signer": "a note needs at least one signer",
    "note_no_valid_signature": "note has no valid signature from a known key ({names})",
    "note_utf8": "note is not valid UTF-8",
    "note_signature_invalid": "invalid signature for key {signer}+{key}",
    "verifier_key_shape": "a verifier key is '<name>+<key hash>+<base64 key>'",
    "verifier_key_hash_hex": "verifier key hash '{value}' is not 8 lowercase hex digits",
    "verifier_key_type": "verifier key is not an Ed25519 (0x01) or cosignature/v1 (0x04) key",
    "verifier_key_hash_mismatch": "verifier key hash {key} does not match the key",
    "signer_key_shape": "a signer key is 'PRIVATE+KEY+<name>+<key hash>+<base64 key>'",
    "signer_key_seed": "signer key is not an Ed25519 seed",
    "signer_key_hash_mismatch": "signer key hash {key} does not match the key",
    "log_policy_bounds": (
        "[log] checkpoint_events must be at least 1 and checkpoint_seconds above 0"
    ),
    "tail_entry_outside": "entry {index} is outside the tail [{start}, {end})",
    "tail_subtree_before": "subtree [{start}, {end}) is before the known tail at {index}",
    "witness_state_other_origin": "witness state for {origin} given for {expected}",
    "witness_no_key": "no key known for {origin}",
    "add_checkpoint_blank_line": "add-checkpoint request has no blank line before the checkpoint",
    "add_checkpoint_old": "add-checkpoint request does not start with 'old <size>'",
    "add_checkpoint_proof_long": "add-checkpoint proof has more than {limit} hashes",
    "add_checkpoint_ascii": "add-checkpoint request header is not ASCII",
    # exchange/ (a partner's answers, bundles and receipts; the outbox's sealed answers)
    "answer_head_differs": "the signed head differs from the head sent",
    "answer_batch_other": "the answer batch names another signer or size",
    "answer_malformed": "the peer's answer is malformed: '{detail}'",
    "bundle_truncated": "the bundle is truncated: it ends inside {what}",
    "bundle_frame_limit": "{what} claims {size} bytes, over the {limit}-byte limit",
    "bundle_part_count": "a bundle holds 1 to {limit} parts",
    "bundle_head_differs": "the bundle's signed head differs from the head it carries",
    "bundle_transport_unreadable": "the bundle's transport envelope does not read: {detail}",
    "bundle_part_undescribed": "the bundle lists a part it cannot describe: {detail}",
    "bundle_not_gsomia": "{name} is not a gsomia bundle",
    "bundle_addressed_other": "this bundle is addressed to {recipient}, not {nation}",
    "bundle_trailing_bytes": "the bundle has bytes after its last part",
    "bundle_signature_malformed": "the bundle's signature is malformed: '{detail}'",
    "bundle_part_too_large": "a part of {size} bytes exceeds {limit}",
    "bundle_part_size": "part {part} holds {size} bytes; the signed head lists {count}",
    "bundle_part_digest": (
        "part {part} does not match its digest: the bundle was damaged in transit"
    ),
    "bundle_part_changed": "part {part} changed on disk after it verified",
    "rejection_reason_in_clear": "the reason of rejection {message} is not sealed at rest",
    "message_addressed_other": "{what} is addressed to {recipient}, not to {nation}",
    "sender_speaks_for_other": (
        "{sender} cannot speak for {party}, {role}: only {party}'s node may send this message"
    ),
    "endpoint_not_https": (
        "{nation}'s endpoint {url} is not https: nodes talk mutual TLS to each other"
    ),
    "outbox_answer_in_clear": "outbox row {index}: its answer is in clear, not sealed at rest",
    "outbox_answer_batch_missing": "outbox row {index}: its answer batch {message} is missing",
    "outbox_answer_not_opening": "outbox row {index}: its answer does not open: {why}",
    "card_no_checkpoint_key": (
        "the {profile} card of {nation} has no Ed25519 key to sign log checkpoints"
    ),
    "witness_no_cosignature": "the witness answered 200 without a cosignature",
    "witness_409_size": "the witness's 409 answer is not a tree size: '{value}'",
    "receipt_log_not_proof": "the receipt's log member is not an inclusion proof",
    "receipt_log_malformed": "the receipt's log member is malformed: '{detail}'",
    "receipt_other_event": "the receipt for '{value}' proves another event of the partner's log",
    "worker_cannot_seal": "a delivery worker without the node's keys cannot seal",
    "worker_cannot_seal_answers": "a delivery worker without the node's keys cannot seal answers",
    "partner_answers_not_opening": "the partner's answers did not open: {why}",
    # stix/ (a TAXII request's filters)
    "match_value_empty": "match[{key}] has an empty value",
    "match_too_many": "match[{key}] lists more than {limit} values",
    "match_version": "match[version] '{value}' is neither first, last, all nor a STIX timestamp",
    "filter_unknown": "{what} is not a filter of this endpoint",
    # api/ (a request's body or parameters; TAXII's)
    "one_of_holding_item": "give exactly one of holding_id and item_id",
    "request_not_valid": "the request is not valid: {detail}",
    "one_of_text_content": "give exactly one of text and content_b64",
    "content_b64_base64": "content_b64 is not valid base64",
    "added_after_zone": "added_after needs a time zone (end it in Z)",
    "added_after_not_time": "added_after '{value}' is not a timestamp",
    "envelope_no_objects": "the envelope has no objects list",
    "envelope_not_json": "the envelope is not JSON",
    "basic_credentials_base64": "the Basic credentials are not base64 of name:password",
    # cli/ (the console's own refusals of what was typed)
    "since_not_time": "--since '{value}' is not a date or time",
    "say_which_node": "say which node and who you are",
    "cannot_read_utf8": "cannot read {path} as UTF-8 text: {detail}",
    "precedence_typed_unknown": "precedence '{value}' is unknown",
    "stream_envelope_binary": "a stream envelope is binary",
    "cannot_read_card": "cannot read card {path}: {detail}",
    "empty_passphrase": "an empty passphrase is not allowed",
    "one_of_text_file": "give exactly one of --text and --file",
    "list_what_unknown": "--what {value}?",
    "cursor_one_list": "a cursor belongs to one list",
    "format_unknown": "unknown format '{value}'",
    "ztdf_one_item": "a ZTDF container holds one item",
    "csv_one_list": "one list to a CSV",
    "listen_ports_differ": "--listen and --peer-listen must differ",
    "name_person_or_revoke": "name the person, or --revoke a token id",
    "json_or_csv": "--json or --csv, not both",
    "scheme_no_category": "the {nation} scheme defines no category '{value}'",
    "password_length": "a password needs at least {limit} characters",
    "home_node_elsewhere": (
        "the home names its node at '{host}', not on this machine: the console sends a "
        "person's token only to a node of this machine"
    ),
    # node/tokens.py: the gate's refusal of a request without a token (the walk took a choice
    # with a value passed on for no sentence; ADR 0141)
    "api_token_required": "a valid API token is required",
    # treaty/schemes.py: a marking the scheme does not know, the node's SPIF files (ADR 0147)
    "marking_unknown": "'{marking}' is not a marking of the {scheme} scheme",
    "marking_ambiguous": "'{marking}' could be any of {count} levels of the {scheme} scheme",
    "marking_names_two_levels": "marking '{marking}' names two levels of the {nation} scheme",
    "scheme_file_not_xml": "scheme file is not well-formed XML: {detail}",
    "scheme_file_doctype": "scheme file carries a DOCTYPE; SPIF files must not declare one",
    "scheme_file_not_spif": "scheme file is not an Open XML SPIF 2.0 or 2.1 document",
    "spif_no_policy_name": "SPIF has no securityPolicyId/@name naming the nation",
    "spif_no_levels": "the {nation} SPIF defines no securityClassification",
    # seal/ (keys, envelopes, batches, at-rest seals, tokens, cards and rotations; ADR 0147)
    # seal/at_rest.py
    "storage_key_not_32": "the node's storage key is not 32 bytes",
    "data_key_erased": "the data key of {owner} was erased: nothing of it opens",
    "data_key_not_unwrapping": "the data key of {owner} does not unwrap here",
    # seal/batch.py
    "batch_inclusion_malformed": "the inclusion proof is malformed",
    "batch_inclusion_short": "the inclusion proof is too short",
    "batch_inclusion_long": "the inclusion proof is too long",
    "batch_size_range": "a batch holds 1 to {limit} messages",
    "batch_head_not_v2": "not a v2 batch head",
    "batch_size_root_range": "batch size or root is out of range",
    "batch_other_signer": "the batch names another signer",
    "batch_signatures_malformed": "the batch signatures are malformed",
    "batch_message_not_signed": "the message is not in the signed batch",
    # seal/cbor.py
    "cbor_not_canonical": "{what} is not canonical CBOR",
    "cbor_tags_here": "CBOR tags are not allowed here",
    "cbor_bytes_after": "{what} has bytes after its value",
    "cbor_truncated": "{what} is truncated",
    "cbor_members": "{what} must have exactly the members {members}",
    "cbor_wrong_type": "{what} has the wrong type",
    "cbor_not_cbor": "{what} is not CBOR",
    "cbor_too_many_items": "{what} holds more than {limit} CBOR data items",
    "cbor_tag_or_shared": "{what} holds a CBOR tag or shared reference, which are not allowed",
    "cbor_too_deep": "{what} nests deeper than {limit} levels",
    # seal/documents.py
    "document_no_card": "no identity card is known to verify it against",
    "document_not_gsomia": "the {kind} is not a gsomia {kind} document",
    "document_not_signed_by": "the {kind} is not signed by {nation}'s node: {why}",
    "document_not_signed": "the {kind} is not a signed document: {detail}",
    "document_no_binding": "{item} carries no binding of its label by {nation}",
    "document_binding_members": "{nation}'s binding of {item} has the wrong members",
    "document_binding_other_item": "{nation}'s binding names another item than {item}",
    "document_label_differs": "the label of {item} differs from the label {nation} bound to it",
    "document_content_differs": (
        "the content of {item} differs from the content {nation} bound to it"
    ),
    # seal/encoding.py
    "not_base64url": "{what} is not base64url",
    "not_canonical_base64url": "{what} is not canonical base64url",
    "json_no_floats": "floats are not allowed in canonical JSON (their text is ambiguous)",
    "json_keys_strings": "JSON object keys must be strings",
    "json_not_serialisable": "not JSON-serialisable: {detail}",
    "json_larger_than": "{what} is larger than {limit} bytes",
    "json_not_valid": "{what} is not valid JSON: {detail}",
    "json_not_an_object": "{what} is not a JSON object",
    # seal/evidence.py, seal/held.py
    "evidence_proof_malformed": "the proof is malformed",
    "evidence_malformed": "the evidence is malformed: {why}",
    "evidence_other_message": "the evidence is of another message",
    "stored_message_malformed": "a stored message is malformed",
    # seal/identity.py (an identity card as a partner sends it)
    "card_nation_code": "nation '{nation}' is not an ISO 3166 alpha-3 code or NATO",
    "card_name": "name must be a non-empty string of at most 200 characters",
    "card_endpoints": "endpoints must be a list of at most 32 URLs",
    "card_endpoint_url": "endpoint '{url}' is not an http(s) URL",
    "card_created_aware": "created must be timezone-aware",
    "card_tls_base64": "identity card tls is not base64: {detail}",
    "card_members": "identity card members wrong (missing {missing}, unexpected {extra})",
    "card_type": "identity card type must be '{expected}'",
    "card_profile_string": "identity card profile must be a string",
    "card_created_form": "created must be an RFC 3339 UTC time like 2026-01-31T12:00:00Z",
    "card_created_invalid": "created is not a valid time: {value}",
    "card_said": "identity card: {why}",
    "card_key_id": "identity card key_id does not match its keys",
    "card_fingerprint": "identity card fingerprint does not match its contents",
    # seal/inspect.py
    "inspect_not_envelope": "not a gsomia envelope ({type_name}: {detail})",
    "inspect_not_stream": "not a gsomia stream",
    "inspect_stream_truncated": "stream is truncated",
    "inspect_frame_unknown": "unknown frame type '{kind}'",
    "inspect_not_stream_why": "not a gsomia stream ({type_name}: {detail})",
    # seal/jwks.py
    "jwk_members": "public key must have exactly the members {members}",
    "jwk_member_value": "public key member '{member}' must be '{expected}'",
    "jwks_kem_sig": "keys must be an object with exactly 'kem' and 'sig'",
    "jwks_signature_count": "profile {profile} needs {count} signature keys",
    "jwk_hybrid_768_size": "MLKEM768-X25519 public key must be 1216 bytes",
    "jwk_hybrid_1024_size": "MLKEM1024-P384 public key must be 1665 bytes",
    "jwk_invalid": "invalid public key: {detail}",
    "jwk_p384_members": "P-384 key must have exactly kty, crv, x, y",
    "jwk_p384_kind": "P-384 key must have kty EC and crv P-384",
    "jwk_p384_size": "P-384 coordinates must be 48 bytes",
    # seal/kdf.py (a key file's passphrase and its scrypt parameters)
    "passphrase_weak": "the key passphrase is too weak: {detail}",
    "scrypt_n_range": "scrypt n={value} is outside 2^10..2^20 or not a power of two",
    "scrypt_r_p_range": "scrypt r={r}, p={p} are outside what gsomia writes",
    "kdf_file_not": "{path} is not a gsomia-kdf/1 scrypt file",
    "kdf_file_unreadable": "{path} is not readable: {detail}",
    # seal/keys.py, seal/link_keys.py, seal/notes.py (the node's key files and its TLS certificate)
    "token_keys_profiles": "keys in a PKCS#11 token are for the {profiles} profiles",
    "token_keys_none_for": "a {profile} node keeps no keys in a PKCS#11 token (ADR 0091)",
    "key_files_profile": "key files in {path} do not match profile {profile}",
    "cannot_read_path": "cannot read {path}: {detail}",
    "not_certificate_of": "{path} is not the certificate of {key}",
    "key_file_cannot_read": "cannot read key file {path}: {detail}",
    "key_file_readable": "key file {path} is readable by others",
    "key_file_cannot_decrypt": "cannot decrypt key file {path}",
    "rewrap_leftover": "{path} is left from an interrupted rewrap",
    "tls_key_not_ecdsa": "the TLS certificate's key must be ECDSA",
    "tls_key_curve": (
        "the TLS certificate of a {profile} node must hold a {expected} key, not {given}"
    ),
    "tls_not_self_signed": "the TLS certificate is not a valid self-signed certificate: {detail}",
    "not_der_certificate": "not a DER certificate: {detail}",
    "not_pem_certificate": "not a PEM certificate: {detail}",
    "storage_key_file_not": "{path} is not a gsomia-storage-key/1 file",
    "cannot_decrypt_path": "cannot decrypt {path}",
    "storage_key_file_unreadable": "{path} is not a readable storage key file: {detail}",
    "storage_key_file_empty": "{path} holds no 32-byte storage key",
    "ed25519_seed_size": "an Ed25519 seed is {size} bytes, not {count}",
    # seal/opening.py, seal/origin.py, seal/padding.py, seal/storage.py, seal/suite.py (envelopes
    # and their bindings; the one sentence an envelope that does not open says)
    "envelope_not_opened": "envelope could not be opened",
    "profile_not_allowed": "profile {profile} is not allowed here",
    "envelope_no_recipient": "an envelope needs at least one recipient",
    "envelope_recipient_twice": "the same recipient is named twice",
    "recipient_profile_differs": (
        "recipient {nation} '{name}' uses profile {profile}, this node {own_profile}"
    ),
    "binding_head_not_of": "the binding's head is not {nation}'s",
    "binding_item_malformed": "the binding's item or label is malformed",
    "binding_of_malformed": "{nation}'s binding is malformed: {why}",
    "binding_beyond_batch": "a binding refers to what its batch does not carry",
    "binding_shared_head_malformed": "a shared binding head is malformed",
    "padding_malformed": "padding is malformed",
    "stored_not_sealed": "the stored value is not sealed at rest",
    "stored_not_opening": "the stored value does not open under this node's key",
    "batch_profile_signatures": "the batch does not carry the profile's signatures",
    "batch_signature_failed": "a batch signature did not verify",
    # seal/profiles.py, seal/stream.py
    "profile_unknown": "unknown envelope profile '{value}'",
    "crypto_build_no_pq": "this cryptography build cannot do ML-KEM/ML-DSA/hybrid HPKE ({detail})",
    "chunk_size_range": "chunk_size must be within {least}..{most} bytes",
    # seal/rotation.py (a partner's key rotation statement, refused)
    "rotation_card_signs": "each card must be the card of the keys that sign for it",
    "rotation_same_nation": "a rotation keeps the node's nation",
    "rotation_not_statement": "not a gsomia-key-rotation/1 statement",
    "rotation_old_card_claimed": (
        "the statement replaces card {claimed}…, not the card pinned for {nation} ({pinned}…): "
        "an old statement sent again, or one the pinned keys did not make"
    ),
    "rotation_not_signed_pinned": (
        "the key rotation statement is not signed by the keys pinned for {nation} (card "
        "{pinned}…): {why}"
    ),
    "rotation_speaks_for": "the statement speaks for {claimed}, not {nation}",
    "rotation_old_card_differs": (
        "the statement replaces card {claimed}…, but the card pinned for {nation} is {pinned}…: "
        "an old statement sent again"
    ),
    "rotation_older": "the statement is older than the card it replaces",
    "rotation_ahead": "the statement is dated {stamp}, ahead of this clock",
    "rotation_new_card": "the new card: {why}",
    "rotation_new_keys_unsigned": "the new card's keys did not sign the statement",
    "rotation_signatures_differ": "the two signatures of the statement are over different payloads",
    "rotation_payload_not_json": "the statement's payload is not JSON",
    "rotation_payload_members": "the statement's payload has the wrong members",
    "rotation_signed_not_statement": "the signed payload is not a gsomia-key-rotation/1 statement",
    "rotation_time_form": "the statement's time is not RFC 3339 UTC",
    "rotation_new_nation": "the new card is {new}'s, not {old}'s",
    "rotation_new_profile": "the new card uses the {new} profile, the pinned one {old}",
    "rotation_same_keys": "the new card carries the same keys as the pinned one",
    "rotation_same_tls": "the new card must carry a new TLS key: the link is pinned too",
    # seal/token.py, seal/token_uri.py (a PKCS#11 token, its URI and PIN)
    "pkcs11_module_load": "cannot load the PKCS#11 module {path}: {detail}",
    "token_keys_count": (
        "token '{token}' holds {count} keys labelled '{label}' with id {key} (one is needed)"
    ),
    "token_keys_exist": "token '{token}' already holds keys labelled '{label}'",
    "token_point_invalid": "the token's public key is not a 32-byte curve25519 point",
    "token_unreachable": "token '{token}' is no longer reachable ({type_name})",
    "token_refused": "token '{token}' refused the operation ({type_name})",
    "token_wrong_pin": "wrong PIN for token '{token}'",
    "token_not_found": "no token labelled '{token}' in {path}",
    "token_label_twice": "more than one token is labelled '{token}'",
    "token_pin_locked": "the PIN of token '{token}' is locked",
    "token_cannot_open": "cannot open token '{token}': {type_name}",
    "pkcs11_uri_attribute": "PKCS#11 URI: '{name}' is not a {part} attribute here",
    "pkcs11_uri_twice": "PKCS#11 URI: '{name}' is given twice",
    "pkcs11_uri_not": "'{value}' is not a PKCS#11 URI (it must begin with pkcs11:)",
    "pkcs11_uri_escape": "PKCS#11 URI: a %-escape is not UTF-8",
    "pkcs11_uri_pin_clear": "a PIN in the PKCS#11 URI would be kept in clear in config.toml",
    "pkcs11_uri_pin_source": "PKCS#11 URI: pin-source=file:/path or pin-source=env:NAME is needed",
    "token_pin_variable": "the token PIN variable {name} is not set or empty",
    "token_pin_file_unreadable": "cannot read the token PIN file {path}: {detail}",
    "token_pin_file_readable": "token PIN file {path} is readable by others",
    # seal/ztdf.py (a ZTDF container and its key access)
    "ztdf_no_ed25519": "this node's profile has no Ed25519 key to sign an assertion with",
    "ztdf_container_size": "a container is at most {limit} bytes",
    "ztdf_not_container": "not a TDF container: {detail}",
    "ztdf_manifest_object": "a TDF manifest is a JSON object",
    "ztdf_rewrap_malformed": "the key access request is malformed: {detail}",
    "ztdf_policy_unbound": "the policy is not the one the key was bound to",
    "ztdf_client_key_pem": "clientPublicKey is not a PEM public key",
    "ztdf_client_key_rsa": "clientPublicKey must be an RSA key of at least 2048 bits",
    "ztdf_payload_key": "the payload does not decrypt under this key",
    # seal/cbor.py: a value over its cap, before anything is decoded
    "cbor_over_limit": "{what} of {size} bytes exceeds the {limit}-byte limit",
    # seal/envelope.py, seal/jose.py, seal/opening.py, seal/sealed.py, seal/stream.py: why an
    # envelope did not open (`EnvelopeError.reason`), for the log and inside "the partner's
    # answers did not open: …" on the officers' banner; its sender is told only
    # envelope_not_opened
    "envelope_members_wrong": "envelope members are wrong",
    "jwe_members_wrong": "JWE members are wrong",
    "jwe_recipients_wrong": "JWE recipients are wrong",
    "jwe_recipient_members_wrong": "JWE recipient entry members are wrong",
    "jwe_recipient_header_object": "JWE recipient header is not an object",
    "jwe_members_strings": "JWE members must be strings",
    "jwe_protected_malformed": "JWE protected header is malformed",
    "jwe_protected_binding": "JWE protected header does not match the binding",
    "envelope_malformed_as": "envelope is malformed ({type_name})",
    "envelope_not_addressed": "envelope is not addressed to this node",
    "recipient_header_profile": "recipient header does not match the profile",
    "ek_length": "ek has the wrong length",
    "hpke_cek_failed": "HPKE decryption of the CEK failed",
    "cek_length": "CEK has the wrong length",
    "epk_not_x25519": "epk is not an X25519 key",
    "ecdh_unwrap_failed": "ECDH-ES+A256KW unwrap of the CEK failed",
    "iv_tag_cek_length": "iv, tag or CEK has the wrong length",
    "content_decryption_failed": "content decryption failed",
    "jws_members": "JWS must have exactly payload and signatures",
    "jws_profile_signatures": "JWS does not carry the profile's signatures",
    "jws_signature_members": "JWS signature entry must have exactly protected and signature",
    "jws_protected_not_sender": "JWS protected header is not {alg} by the sender",
    "signature_alg_failed": "{alg} signature did not verify",
    "ed25519_signature_failed": "Ed25519 signature did not verify",
    "not_a_recipient": "this node is not a recipient",
    "own_keys_other_profile": "this node's keys are of another profile",
    "content_digest_differs": "content does not match the signed digest",
    "jws_malformed": "JWS is malformed",
    "jws_no_kid": "JWS names no key id",
    "signer_untrusted": "signer '{signer}' is not a trusted sender",
    "signer_revoked": "signer '{signer}' is revoked",
    "batch_profile_mismatch": "profile {own_profile} cannot seal for a {profile} node",
    "batch_at_most": "a batch holds at most {limit} messages",
    "batch_size_differs": "the batch's messages do not match its size",
    "batch_not_between": "the batch is not from this sender to this node",
    "batch_other_recipient": "the batch names {named} as its recipient, not {recipient}",
    "batch_order": "the batch's messages are not in the order its sender signed",
    "shared_part_malformed": "the shared part is malformed",
    "shared_part_unopened": "the shared part did not open ({type_name})",
    "message_id_proof_malformed": "message id or proof is malformed",
    "message_unopened": "the message did not open ({type_name})",
    "answers_malformed": "the answers are malformed or too large",
    "answers_unopened": "the answers did not open ({type_name})",
    "stream_frame_large": "stream frame is too large",
    "stream_frame_expected": "expected a {kind} frame",
    "stream_frame_members": "{kind} frame members are wrong",
    "stream_header_profile": "stream header does not match the profile",
    "stream_chunk_range": "stream chunk size is out of range",
    "stream_nonce_length": "stream nonce prefix has the wrong length",
    "stream_key_length": "stream key has the wrong length",
    "stream_ends_early": "stream ends before its last chunk",
    "stream_chunk_size": "stream chunk has the wrong size",
    "stream_chunk_unauthenticated": "stream chunk {index} did not authenticate",
    "stream_data_after": "stream has data after its signature",
}
