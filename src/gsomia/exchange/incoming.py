"""What a partner's node sent, verified before a word of it is believed: once, for every kind.

A message arrives in a v2 batch whose one signature the receiver verified first
(`gsomia.seal.sealed`). `verify_sealed` opens it against the card of the nation the batch
comes from, and checks that it is the message it says it is: a header of the kind named
inside the encryption (`gsomia.exchange.kinds.header_matches`). Only then is it `Verified`;
anything else is a `Refusal`, which the receiver answers but never stores (see `Refusal`).

An item may come in the classic (non-post-quantum) profile: whether its agreement allows that
is the treaty's to say once the item names it (R26, `gsomia.node.acceptance`), so items open
with every profile. Every other kind opens post-quantum only (`PROFILES`), unless the
receiver's agreement with the sender approves the classic profile (`classic_allowed`): then
the link is classic for every kind, as the sender picked it (`treaty.may_use_link`).

A verified message is attributable to its signer and to nobody else: a document in it that
speaks for another nation is refused by `require_party`, the same way in every workflow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from gsomia.errors import InputError, VerificationError
from gsomia.exchange.kinds import Kind, UnknownKind, describe, header_matches, kind_of
from gsomia.exchange.wire import WireMessage
from gsomia.seal import (
    ALL_PROFILES,
    POST_QUANTUM_PROFILES,
    EnvelopeError,
    IdentityCard,
    NodeKeys,
    Opened,
)
from gsomia.seal.encoding import b64u
from gsomia.seal.sealed import OpenedV2, Parsed, open_message

log = logging.getLogger("gsomia.incoming")

#: The article a refused transmission is answered under (transmission between the parties).
ARTICLE = "Art. 9"
#: An agreement's lifecycle steps are the parties' diplomatic notes, not transmissions of CMI:
#: their envelopes are refused under the article of the notes (Art. 21).
ARTICLES: dict[Kind, str] = {Kind.AGREEMENT_EVENT: "Art. 21"}

#: The envelope profiles each kind opens with. An item's agreement decides on the classic
#: profile after opening (R26); no other kind is checked against an agreement's choice, so no
#: other kind may come classic.
PROFILES: dict[Kind, frozenset[str]] = dict.fromkeys(Kind, POST_QUANTUM_PROFILES) | {
    Kind.ITEM: ALL_PROFILES
}


@dataclass(frozen=True)
class Verified:
    """A message whose envelope opened against its sender's card, as the message it claims to
    be: who signed it (`card`, `sender`), its authenticated `header`, its `content`, and the
    signed bytes themselves (`signed`), kept as evidence."""

    message: WireMessage
    kind: Kind
    opened: Opened | OpenedV2

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def card(self) -> IdentityCard:
        return self.opened.sender

    @property
    def sender(self) -> str:
        return self.opened.sender.nation

    @property
    def header(self) -> dict[str, Any]:
        return self.opened.label

    @property
    def content(self) -> bytes:
        return self.opened.content

    @property
    def signed(self) -> bytes:
        """The evidence of what the sender signed: a v1 envelope, or (v2) the message's
        signed batch head, inclusion proof and salt, base64url (`gsomia.seal.evidence`)."""
        return self.message.body


@dataclass(frozen=True)
class Refusal:
    """A message that did not verify. It is answered, logged by the process and counted, but
    neither remembered as answered (anyone who guessed a message id could otherwise pre-empt
    the genuine envelope) nor recorded as a rejection nor put in the log the partner cosigns:
    it cannot be attributed to the nation it names, and storing it would let anyone who can
    reach the peer port write to this node."""

    message: WireMessage
    reason: str
    article: str = ARTICLE


def _checked(
    kind: Kind, message: WireMessage, opened: Opened | OpenedV2, classic_allowed: bool
) -> Verified | Refusal:
    """`opened` as the message of `kind` it claims to be, or why not."""
    article = ARTICLES.get(kind, ARTICLE)
    if opened.profile not in PROFILES[kind] and not classic_allowed:
        return Refusal(
            message,
            f"the envelope's {opened.profile} profile is not post-quantum and the agreement "
            f"with {opened.sender.nation} does not approve it (R26)",
            article,
        )
    if opened.envelope_id != message.id:
        return Refusal(message, "the envelope's id differs from the message id", article)
    if not header_matches(kind, opened.label):
        return Refusal(message, f"the envelope does not carry {describe(kind)}", article)
    return Verified(message, kind, opened)


def verify_sealed(
    parsed: Parsed,
    index: int,
    *,
    keys: NodeKeys,
    card: IdentityCard,
    classic_allowed: bool = False,
) -> Verified | Refusal:
    """Message `index` of a v2 batch whose signature verified (`gsomia.seal.sealed`), opened
    and checked as the kind it says it is inside the encryption; or why it is not.
    `classic_allowed`: this node's agreement with the sender approves the classic profile,
    so a message of any kind may come in it (R26)."""
    raw = parsed.messages[index]
    claimed = raw.get("id") if isinstance(raw, dict) else None
    message = WireMessage(claimed if isinstance(claimed, str) else "", "", b"")
    try:
        opened = open_message(parsed, raw, keys=keys, sender=card)
    except EnvelopeError as error:
        log.warning("message %s from %s refused: %s", message.id, card.nation, error.reason)
        return Refusal(message, error.message)
    message = WireMessage(opened.plain.id, opened.plain.kind, b64u(opened.evidence).encode())
    try:
        kind = kind_of(opened.plain.kind)
    except UnknownKind as error:
        return Refusal(message, error.message)
    return _checked(kind, message, opened, classic_allowed)


class Signed(Protocol):
    """A verified message, as far as who signed it goes."""

    @property
    def sender(self) -> str: ...


def require_addressee(nation: str, named: str, what: str) -> None:
    """Refuse a request that names another nation than this node's (`nation`) as the one to
    answer it (`named`: the originator asked for consent or a purpose, the host of a visit).
    One fault, one error wherever it is met: `InputError`, the sender's mistake."""
    if named != nation:
        raise InputError(f"{what} is addressed to {named}, not to {nation}")


def require_party(incoming: Signed, party: str, role: str) -> None:
    """Refuse a document that speaks for another nation than the one that signed it.

    `party` is the nation the document (or the case it answers) says acts, as `role`. A node
    speaks only for its own nation: what another party says must come signed by that party.
    `VerificationError`: the claim does not verify against the signature it came under.
    """
    if party != incoming.sender:
        raise VerificationError(
            f"{incoming.sender} cannot speak for {party}, {role}: "
            f"only {party}'s node may send this message"
        )
