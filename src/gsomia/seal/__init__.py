"""Sealed envelopes and node keys: the only package of gsomia that imports crypto libraries.

Importing it checks that `cryptography` can do ML-KEM, ML-DSA and hybrid HPKE, and refuses
(UsageError) otherwise. The node calls:

* `generate_node_keys`, `write_node_keys`, `load_node_keys` — its own keys;
* `make_card`, `parse_card`, `fingerprint_groups` — identity cards, its own and partners'
  (`parse_held_card` for a card kept with something held, which may predate TLS pinning);
* `certificate_pem`, `certificate_der`, `tls_pin` — the TLS certificates links are pinned to;
* `seal_envelope` / `open_envelope` — items in memory;
* `seal_stream` / `open_stream` / `open_file` — content of any size, bounded memory;
* `sign_document` / `verify_document`, `bind` / `verify_binding` — documents signed in the
  node's own name: consent, purpose approval, the originator's binding (`seal.documents`);
* `node_note_key`, `ed25519_verify` — Ed25519 for the log's signed notes and cosignatures, in
  the pure formats of `gsomia.ledger` (`seal.notes`).
"""

from __future__ import annotations

from gsomia.seal.profiles import require_crypto_support

require_crypto_support()

from gsomia.seal.documents import (  # noqa: E402
    CONSENT_DOC,
    ORIGINATOR_BINDING_DOC,
    PURPOSE_DOC,
    bind,
    bound_digest,
    content_sha256,
    sign_document,
    sign_payload,
    under_any,
    verified_payload,
    verify_binding,
    verify_document,
)
from gsomia.seal.encoding import canonical_json  # noqa: E402
from gsomia.seal.envelope import (  # noqa: E402
    DEFAULT_MEDIA_TYPE,
    Opened,
    open_envelope,
    seal_envelope,
)
from gsomia.seal.identity import (  # noqa: E402
    IdentityCard,
    fingerprint_groups,
    make_card,
    parse_card,
    parse_held_card,
)
from gsomia.seal.inspect import Summary, describe_envelope, describe_stream  # noqa: E402
from gsomia.seal.kdf import check_strength, is_legacy  # noqa: E402
from gsomia.seal.keys import (  # noqa: E402
    NodeKeys,
    PublicKeys,
    TlsFiles,
    add_link_keys,
    generate_node_keys,
    load_node_keys,
    rewrap_node_keys,
    write_node_keys,
)
from gsomia.seal.link_keys import (  # noqa: E402
    certificate_der,
    certificate_pem,
    missing_link_keys,
    tls_pin,
)
from gsomia.seal.notes import (  # noqa: E402
    NoteKey,
    ed25519_key,
    ed25519_verify,
    node_note_key,
    seed_key,
)
from gsomia.seal.opening import EnvelopeError  # noqa: E402
from gsomia.seal.profiles import (  # noqa: E402
    ALL_PROFILES,
    CLASSIC,
    CNSA2,
    DEFAULT_PROFILE,
    POST_QUANTUM_PROFILES,
    PQ,
)
from gsomia.seal.stream import (  # noqa: E402
    MAGIC as STREAM_MAGIC,
)
from gsomia.seal.stream import (  # noqa: E402
    StreamOpened,
    open_file,
    open_stream,
    seal_stream,
)
from gsomia.seal.token import Token, open_token  # noqa: E402
from gsomia.seal.token_uri import TokenUri, parse_token_uri  # noqa: E402

__all__ = [
    "ALL_PROFILES",
    "CLASSIC",
    "CNSA2",
    "CONSENT_DOC",
    "DEFAULT_MEDIA_TYPE",
    "DEFAULT_PROFILE",
    "ORIGINATOR_BINDING_DOC",
    "POST_QUANTUM_PROFILES",
    "PQ",
    "PURPOSE_DOC",
    "STREAM_MAGIC",
    "EnvelopeError",
    "IdentityCard",
    "NodeKeys",
    "NoteKey",
    "Opened",
    "PublicKeys",
    "StreamOpened",
    "Summary",
    "TlsFiles",
    "Token",
    "TokenUri",
    "add_link_keys",
    "bind",
    "bound_digest",
    "canonical_json",
    "certificate_der",
    "certificate_pem",
    "check_strength",
    "content_sha256",
    "describe_envelope",
    "describe_stream",
    "ed25519_key",
    "ed25519_verify",
    "fingerprint_groups",
    "generate_node_keys",
    "is_legacy",
    "load_node_keys",
    "make_card",
    "missing_link_keys",
    "node_note_key",
    "open_envelope",
    "open_file",
    "open_stream",
    "open_token",
    "parse_card",
    "parse_held_card",
    "parse_token_uri",
    "rewrap_node_keys",
    "seal_envelope",
    "seal_stream",
    "seed_key",
    "sign_document",
    "sign_payload",
    "tls_pin",
    "under_any",
    "verified_payload",
    "verify_binding",
    "verify_document",
    "write_node_keys",
]
