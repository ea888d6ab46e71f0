"""The node's tables. Every table lives on `gsomia.store.schema.metadata`.

Rows hold primitive values (marking text, nation codes, JSON); the treaty core turns them
into typed values, so the store never decides anything.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from gsomia.store.schema import metadata
from gsomia.store.types import UTCDateTime

users = Table(
    "users",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("nationality", String(4), nullable=False),
    Column("clearance", String(64), nullable=False),  # native marking in the node's scheme
    Column("clearance_expires", Date, nullable=False),
    Column("communities", JSON, nullable=False),
    Column("roles", JSON, nullable=False),
    Column("registered", Boolean, nullable=False),
    Column("password_hash", Text),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),  # `gsomia user disable`: no session, no token
    # SPIF security categories held, "tag set=value" (ADR 0104).
    Column("categories", JSON, nullable=False, server_default="[]"),
    # What the columns above decide, sealed under the person's metadata key (ADR 0146).
    Column("terms", Text),
    # HMAC of the name and `password_hash` under the KEK's key for verifiers (ADR 0150).
    Column("password_seal", String(64)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of a 256-bit random token
    Column("user_name", ForeignKey("users.name"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    # api | console | stream (`gsomia.treaty.credentials.Scope`); rows from before: api.
    Column("scope", String(16), nullable=False, server_default="api"),
    Column("expires_at", UTCDateTime),  # NULL only for tokens issued before tokens expired
    # The hash of the token that issued this one (a stream token), which it stands or falls with.
    Column("parent", String(64)),
    # HMAC of every column above under the KEK's key for tokens (ADR 0150).
    Column("seal", String(64)),
)

#: Signed-in web sessions, so that what ends one (logout, a password change, disabling the
#: person) holds across restarts. The cookie carries the session id; only its SHA-256 is kept.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("sid_hash", String(64), primary_key=True),
    Column("user_name", ForeignKey("users.name"), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_why", String(32)),  # logout | password | disabled | expired
    # HMAC of every column above under the KEK's key for sessions (ADR 0150).
    Column("seal", String(64)),
)

#: Marks the node leaves once a one-time step is done (ADR 0088): `at_rest_sealed` once rows kept
#: in clear from before were sealed, `cosigned_checkpoint` once the log had a cosigned one.
store_marks = Table(
    "store_marks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

#: Failed sign-ins in a row per name (known or not) and source address, for the login back-off
#: (ADR 0089); at most `store.sessions.MAX_FAILURE_ROWS` rows, the oldest forgotten first.
login_failures = Table(
    "login_failures",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("source", String(64), primary_key=True),  # the client's address; "" if unknown
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
)

#: Token buckets the node's processes share (ADR 0127), such as a partner's FLASH budget (ADR
#: 0092): one row per (kind, holder), replaced only as the turn its taker read, so N processes
#: give a partner what one process would. `over`: the holder's last take found the bucket
#: empty (a run of refusals began).
shared_buckets = Table(
    "shared_buckets",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("holder", String(128), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("over", Boolean, nullable=False),
    Column("turn", BigInteger, nullable=False),  # compare and set: `store.buckets.replace`
)

peers = Table(
    "peers",
    metadata,
    Column("nation", String(4), primary_key=True),
    Column("name", Text, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("card", JSON, nullable=False),
    Column("endpoint", Text),
    Column("added_at", UTCDateTime, nullable=False),
)

#: Each card a partner's key rotation statement replaced (ADR 0093): what the partner signed
#: under it (bindings, consents) stays verifiable, and the statement is the evidence.
peer_rotations = Table(
    "peer_rotations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("nation", String(4), nullable=False, index=True),
    Column("old_fingerprint", String(128), nullable=False, unique=True),
    Column("new_fingerprint", String(128), nullable=False),
    Column("old_card", JSON, nullable=False),
    Column("statement", JSON, nullable=False),
    Column("rotated_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

agreement_events = Table(
    "agreement_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agreement_id", String(64), nullable=False, index=True),
    Column("event", JSON, nullable=False),
    Column("source_nation", String(4), nullable=False),  # who recorded or sent it
    Column("signature", Text),  # the sending node's signed message, for peer-sent events
    Column("recorded_at", UTCDateTime, nullable=False),
)

release_rules = Table(
    "release_rules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(100), nullable=False),
    Column("to_nations", JSON, nullable=False),
    Column("max_level", String(64), nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("officer", ForeignKey("users.name"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
)

items = Table(
    "items",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("originator", String(4), nullable=False),
    Column("level", String(64), nullable=False),
    Column("releasable_to", JSON, nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("precedence", String(16), nullable=False),
    Column("caveats", JSON, nullable=False),
    Column("feed", String(100)),
    Column("media_type", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("label", JSON, nullable=False),
    Column("author", ForeignKey("users.name"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # draft | released
    Column("released_by", String(100)),
    Column("released_at", UTCDateTime),
    # The item's data key, wrapped by the node's KEK: title, label and content are sealed
    # under it (`gsomia.seal.at_rest`, ADR 0075). None on rows from before, kept in clear.
    Column("data_key", LargeBinary),
    # Lists read in these orders and stop when the page is full (ADR 0095).
    Index("ix_items_listed", "created_at", "id"),
    Index("ix_items_state_listed", "state", "created_at", "id"),
)

#: What every answer of one signed answer batch shares (its head and JWS, ≈ 7 KB with an
#: ML-DSA-65 signature), sealed at rest once under its digest; each outbox row keeps only its
#: own answer and inclusion proof and names the batch (ADR 0097).
answer_batches = Table(
    "answer_batches",
    metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the shared part, sorted JSON
    Column("evidence", JSON, nullable=False),  # {"sealed": …}, as an outbox answer is
)

outbox = Table(
    "outbox",
    metadata,
    # Every message to a peer (a sealed item, an agreement event, a consent request...) is
    # written here in the same transaction as the change that causes it; the delivery worker
    # sends FLASH first and settles a row only on the peer's signed answer.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),  # item | agreement_event | ...
    Column("peer", String(4), nullable=False),
    Column("item_id", String(64), index=True),
    Column("agreement_id", String(64)),
    Column("agreement_version", Integer),
    Column("priority", Integer, nullable=False),  # 0 FLASH … 3 ROUTINE
    Column("body", LargeBinary, nullable=False),
    # 1: a v1 envelope (settled by migration 0005); 2: the message sealed at rest (ADR 0070)
    Column("format", Integer, nullable=False, server_default="1"),
    Column("state", String(16), nullable=False),  # queued | received | rejected
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("settled_at", UTCDateTime),
    Column("answer", JSON),  # the peer's signed receipt or rejection
    Column("answer_batch", ForeignKey("answer_batches.digest")),  # its shared head and JWS
    # The delivery process sending the row now, and until when its claim stands (ADR 0111):
    # several processes on one PostgreSQL never send the same row at once.
    Column("claimed_by", String(64)),
    Column("claimed_until", UTCDateTime),
    Index("ix_outbox_queue", "state", "priority", "id"),
)

inbox = Table(
    "inbox",
    metadata,
    # One row per message applied; a repeated delivery finds its row and gets the same answer.
    Column("message_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("sender", String(4), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("answer", JSON, nullable=False),
)

#: The identity cards that verified holdings, each stored once (a card is ≈ 5 KB; every holding
#: from one partner was verified by the same one until it rotates its keys). ADR 0096.
held_cards = Table(
    "held_cards",
    metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the card's canonical JSON
    Column("card", JSON, nullable=False),
)

holdings = Table(
    "holdings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("envelope_id", String(64), nullable=False, unique=True),
    Column("item_id", String(64), nullable=False, index=True),
    Column("originator", String(4), nullable=False),
    Column("sender", String(4), nullable=False),
    Column("agreement_id", String(64), nullable=False),
    Column("agreement_version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("original_label", JSON, nullable=False),
    Column("local_label", JSON, nullable=False),
    Column("local_level", String(64), nullable=False),
    Column("purpose", String(200), nullable=False),
    Column("precedence", String(16), nullable=False),
    Column("media_type", String(200), nullable=False),
    Column("envelope", LargeBinary, nullable=False),  # plaintext only ever via a verified open
    # 1: a v1 envelope; 2: the opened v2 message and its evidence, sealed at rest (ADR 0070)
    Column("format", Integer, nullable=False, server_default="1"),
    # The card that verified it, kept for reads: stored once in `held_cards` (ADR 0096).
    Column("sender_card_digest", ForeignKey("held_cards.digest"), nullable=False),
    # The holding's data key, wrapped by the node's KEK: the envelope is sealed under it, and
    # destruction erases it (crypto-erasure, ADR 0075). None on rows from before.
    Column("data_key", LargeBinary),
    Column("received_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # held | destroyed | returned
    # An onward transfer's holding names the originator's consent it is held under (R12).
    Column("consent_id", String(64)),
    # Further purposes the originator approved in writing (R13).
    Column("approved_purposes", JSON, nullable=False, server_default="[]"),
    # The originator's signed binding of label and content (JWS JSON, ADR 0061), passed on
    # with the item; none for an item received before bindings existed.
    Column("binding", Text),
    # The STIX object a TAXII page hands over (ADR 0124), its JSON made once at receipt and
    # sealed under the data key beside the envelope, so destruction erases it with the
    # envelope; None on rows from before and once re-marked (rebuilt from the envelope then).
    Column("stix", LargeBinary),
    # What the decided columns above say (item, originator, sender, agreement, precedence,
    # state, consent, approved purposes), sealed under the holding's metadata key where each
    # is decided, so a writer of the database cannot change one unseen (ADR 0134). None on
    # rows from before, until the node's one pass seals them.
    Column("terms", Text),
    # How many copies and translations were ever made (R29), sealed in `terms` too: only up,
    # so a copy row deleted frees no slot under the originator's limit (ADR 0140).
    Column("copies_made", Integer, nullable=False, server_default="0"),
    # Lists read in these orders and stop when the page is full (ADR 0095).
    Index("ix_holdings_listed", "received_at", "id"),
    Index("ix_holdings_precedence_listed", "precedence", "received_at", "id"),
    # A TAXII collection is an agreement's holdings for one purpose, paged by (received, id)
    # (ADR 0116): this index keeps each page's cost the same at any depth.
    Index("ix_holdings_collection", "agreement_id", "purpose", "received_at", "id"),
)

rejections = Table(
    "rejections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("envelope_id", String(64)),
    Column("sender", String(4)),
    Column("reason", Text, nullable=False),
    Column("article", String(64)),
    Column("at", UTCDateTime, nullable=False),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("allowed", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("article", String(64), nullable=False),
    # The Merkle log entry this row lists (`gsomia.node.audit_rows`): what proves the row, so an
    # edited row is found by `gsomia audit verify` and shown as the log says. None only on rows
    # written before the column existed.
    Column("log_index", BigInteger, index=True),
)

# The originator-stays-in-control workflows (consent, purpose approvals, classification
# notices, compromise, disputes, visits) are cases: one row holding the treaty core's current
# state as JSON, and one step per act, each naming the signed message that carried it.
cases = Table(
    "cases",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),  # consent | purpose | notice | compromise | ...
    Column("item_id", String(64), index=True),
    Column("originator", String(4)),  # the nation whose item or decision it is
    Column("counterpart", String(4), nullable=False),  # the other nation of the case
    Column("opened_by", String(4), nullable=False),
    Column("status", String(32), nullable=False),
    Column("document", JSON, nullable=False),  # the treaty core's state, serialised
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_cases_kind_status", "kind", "status"),
)

case_steps = Table(
    "case_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),  # a user here, or the partner nation
    Column("nation", String(4), nullable=False),
    Column("step", String(32), nullable=False),
    Column("document", JSON, nullable=False),
    Column("message_id", String(64)),
    Column("signature", Text),  # the partner's signed message, for steps that came by wire
)

transfers = Table(
    "transfers",
    metadata,
    # Every movement of an item between nations this node knows of: its own provisions,
    # onward transfers it made or received, and those holders reported to it as originator.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(64), nullable=False, index=True),
    Column("from_nation", String(4), nullable=False),
    Column("to_nation", String(4), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("level", String(64), nullable=False),  # the marking in the receiver's scheme
    Column("basis", String(64), nullable=False),  # the agreement it moved under
    Column("consent_id", String(64)),
    Column("hub", String(4)),
    Column("message_id", String(64)),
    Column("reported_by", String(4), nullable=False),
    Index("ix_transfers_unique", "item_id", "from_nation", "to_nation", unique=True),
)

copies = Table(
    "copies",
    metadata,
    # Numbered reproductions, translations and derivatives of an item or holding (R15–R18).
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # copy | translation | derivative
    Column("item_id", String(64), nullable=False, index=True),
    Column("holding_id", String(64), index=True),  # none for the originator's own item
    Column("number", Integer, nullable=False),
    Column("level", String(64), nullable=False),
    Column("label", JSON, nullable=False),
    Column("details", JSON, nullable=False),  # language, translator, sources, originators
    Column("content", LargeBinary),  # sealed to this node's own key; emptied on destruction
    Column("made_by", String(100), nullable=False),
    Column("made_at", UTCDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # held | destroyed | returned
    # Every column but the content (sealed itself), sealed under the copy's metadata key where
    # each is decided: a writer of the database cannot re-mark a copy unseen (ADR 0140). None
    # on rows from before, until the node's one pass seals them.
    Column("terms", Text),
)

destructions = Table(
    "destructions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject_kind", String(16), nullable=False),  # holding | copy | item
    Column("subject_id", String(64), nullable=False, index=True),
    Column("item_id", String(64), nullable=False, index=True),
    Column("method", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("officials", JSON, nullable=False),
    Column("witnesses", JSON, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("record", JSON, nullable=False),
)

disposals = Table(
    "disposals",
    metadata,
    # One row per holding or copy disposed of, written with its emptying and never changed:
    # the second witness that a row put back from before its disposal contradicts (ADR 0139).
    Column("subject_kind", String(16), primary_key=True),  # holding | copy
    Column("subject_id", String(64), primary_key=True),
    Column("state", String(16), nullable=False),  # destroyed | returned
)

row_versions = Table(
    "row_versions",
    metadata,
    # The version of each holding and case changed since it was written, advanced in the
    # transaction that seals the change into the row: the second witness a row put back from
    # before a re-marking or an answer contradicts (ADR 0146). None here: version 0.
    Column("subject_kind", String(16), primary_key=True),  # holding | case
    Column("subject_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
)

hub_rules = Table(
    "hub_rules",
    metadata,
    # A hub arrangement this node forwards under (R47), e.g. the 2014 TISA.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("arrangement", String(64), nullable=False),
    Column("participants", JSON, nullable=False),
    Column("topics", JSON, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

dispatches = Table(
    "dispatches",
    metadata,
    # A courier or air-gapped bundle (R27): sent by this node ("out") or taken in ("in").
    Column("id", String(64), primary_key=True),  # the dispatch number, e.g. KOR-JPN-00001
    Column("direction", String(4), nullable=False),  # out | in
    Column("peer", String(8), nullable=False, index=True),
    Column("agreement_id", String(64), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("courier", String(200), nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("receipt_due", UTCDateTime, nullable=False),
    Column("message_ids", JSON, nullable=False),
    Column("batches", JSON, nullable=False),  # the inner envelopes' batch ids, base64url
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),  # out: the partner's receipt came back
    Column("answers", JSON),  # out: the answers' states by message id, once acknowledged
)

# Contractors (R33–R36, Art. 16) ---------------------------------------------------------------

facilities = Table(
    "facilities",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("clearance", String(64)),  # facility security clearance, native marking; none: none
    Column("clearance_expires", Date),
    Column("security_officer", String(200)),  # Art. 16(j)
    Column("parent_id", String(64)),  # the prime contractor of a subcontractor
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

facility_inspections = Table(
    "facility_inspections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("facility_id", String(64), ForeignKey("facilities.id"), nullable=False, index=True),
    Column("inspected_at", UTCDateTime, nullable=False),
    Column("kind", String(16), nullable=False),  # initial | periodic (Art. 16(g))
    Column("findings", Text, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

contractor_staff = Table(
    "contractor_staff",
    metadata,
    # The facility's register (Art. 16(i)): a user of this node who works for a contractor.
    Column("user_name", String(100), ForeignKey("users.name"), primary_key=True),
    Column("facility_id", String(64), ForeignKey("facilities.id"), nullable=False, index=True),
    Column("briefed_at", UTCDateTime),  # security briefing acknowledged (Art. 16(f))
    Column("added_by", String(100), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("facility_id", String(64), ForeignKey("facilities.id"), nullable=False, index=True),
    Column("partner", String(8), nullable=False),  # whose provided CMI the contract concerns
    Column("purpose", String(200), nullable=False),
    Column("highest_level", String(64), nullable=False),
    Column("security_clause", Text, nullable=False),
    Column("assurance_requested_at", UTCDateTime),
    Column("assurance_given_at", UTCDateTime),
    Column("assurance_reference", String(200)),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

contractor_releases = Table(
    "contractor_releases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contract_id", String(64), ForeignKey("contracts.id"), nullable=False, index=True),
    Column("holding_id", String(64), nullable=False, index=True),
    Column("released_by", String(100), nullable=False),
    Column("released_at", UTCDateTime, nullable=False),
)

security_visits = Table(
    "security_visits",
    metadata,
    # Reciprocal visits of security representatives (Art. 18, R38), beside `visits` (Art. 8).
    Column("id", String(64), primary_key=True),
    Column("agreement_id", String(64), nullable=False),
    Column("visiting_party", String(8), nullable=False),
    Column("host_party", String(8), nullable=False),
    Column("representatives", JSON, nullable=False),
    Column("place", String(500), nullable=False),
    Column("scope", Text, nullable=False),
    Column("starts", UTCDateTime, nullable=False),
    Column("ends", UTCDateTime, nullable=False),
    Column("consultations", JSON, nullable=False),  # party → {at, by, reference}
    Column("findings", Text, nullable=False),
    Column("findings_at", UTCDateTime),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)

taxii_statuses = Table(
    "taxii_statuses",
    metadata,
    # The status of a TAXII post (ADR 0118), kept so `GET …/status/{id}/` answers after a
    # restart; the oldest go first past a count and a total size (`store.taxii_statuses`).
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("api_root", String(64), nullable=False),
    Column("poster", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("size", Integer, nullable=False),
    Column("body", JSON, nullable=False),
)

taxii_status_totals = Table(
    "taxii_status_totals",
    metadata,
    # How many statuses are kept and their size together, one row (`id` 1) kept beside them in
    # each post's transaction: the bound checked without a scan of every status (ADR 0154).
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kept", Integer, nullable=False),
    Column("size", BigInteger, nullable=False),
)
