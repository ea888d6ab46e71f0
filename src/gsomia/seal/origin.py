"""The originator's bindings, batched (issue 12): one signature over a Merkle root of bindings.

A binding ties an item's label to its content in the originator's name (STANAG 4778 idea,
ADR 0061), and travels with the item wherever it goes: a third nation must verify it years
later, alone, with the originator's card. v1 signed each item's binding (two signatures, one
ML-DSA); v2 signs the root over all bindings released together once, and each binding carries
its salted leaf's inclusion proof and the signed head, so it still stands alone:

```json
{"type": "gsomia-origin/2", "item": "…", "label": {…}, "content_sha256": "…hex",
 "head": "<b64u CBOR head>", "sig": ["<b64u>", …], "i": 3, "proof": ["<b64u>", …],
 "salt": "<b64u>"}
```

A verifier checks each signed head once per process (`_VERIFIED`): a batch of 64 items from
one release costs it one ML-DSA verification, not 64.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from gsomia.errors import Error, InputError, VerificationError
from gsomia.seal import batch, cbor, suite
from gsomia.seal.encoding import b64u, b64u_decode, canonical_json
from gsomia.seal.identity import IdentityCard
from gsomia.seal.keys import NodeKeys

ORIGIN_DOC = "gsomia-origin/2"
HEAD_TYPE = "gsomia-origins/2"
_HEAD = frozenset({"t", "batch", "from", "profile", "size", "root"})
_MEMBERS = frozenset(
    {"type", "item", "label", "content_sha256", "head", "sig", "i", "proof", "salt"}
)
_VERIFIED: OrderedDict[bytes, str] = OrderedDict()  # digest of head + sigs → signer's key id
_KEEP = 4096


def _leaf(head: Mapping[str, Any], salt: bytes, item_id: str, label: Any, digest: str) -> bytes:
    label_digest = hashlib.sha256(canonical_json(dict(label))).digest()
    data = [ORIGIN_DOC, head["batch"], head["from"], salt, item_id, label_digest, digest]
    return batch.leaf_hash(cbor.dumps(data))


def bind_all(
    keys: NodeKeys, items: Sequence[tuple[str, Mapping[str, Any], bytes]]
) -> list[dict[str, Any]]:
    """The originator's binding of each `(item id, label, content)`, signed once together."""
    head: dict[str, Any] = {"batch": os.urandom(16), "from": keys.key_id, "profile": keys.profile}
    salts = [os.urandom(16) for _ in items]
    digests = [hashlib.sha256(content).hexdigest() for _, _, content in items]
    leaves = [
        _leaf(head, salt, item_id, label, digest)
        for salt, (item_id, label, _), digest in zip(salts, items, digests, strict=True)
    ]
    root, proofs = batch.tree_of(leaves)
    head |= {"t": HEAD_TYPE, "size": len(leaves), "root": root}
    head_bytes = cbor.dumps(head)
    signatures = [b64u(s) for s in suite.sign(keys, head_bytes)]
    return [
        {
            "type": ORIGIN_DOC,
            "item": item_id,
            "label": dict(label),
            "content_sha256": digest,
            "head": b64u(head_bytes),
            "sig": signatures,
            "i": i,
            "proof": [b64u(p) for p in proof],
            "salt": b64u(salt),
        }
        for i, ((item_id, label, _), digest, salt, proof) in enumerate(
            zip(items, digests, salts, proofs, strict=True)
        )
    ]


def is_origin(binding: Any) -> bool:
    return isinstance(binding, dict) and binding.get("type") == ORIGIN_DOC


def _check_head(head_bytes: bytes, signatures: list[bytes], card: IdentityCard) -> dict[str, Any]:
    head = cbor.fields(cbor.loads(head_bytes, what="head", limit=4096), _HEAD, what="head")
    if head["t"] != HEAD_TYPE or head["from"] != card.key_id or head["profile"] != card.profile:
        raise VerificationError(f"the binding's head is not {card.nation}'s")
    seen = hashlib.sha256(head_bytes + b"".join(signatures)).digest()
    if _VERIFIED.get(seen) != card.key_id:
        suite.verify(card.keys, head_bytes, signatures)
        _VERIFIED[seen] = card.key_id
        while len(_VERIFIED) > _KEEP:
            _VERIFIED.popitem(last=False)
    return head


def verify_origin(binding: Any, card: IdentityCard) -> dict[str, Any]:
    """The document `{"type", "item", "label", "content_sha256"}` `card`'s node bound, once
    its batched signature and this binding's proof verified; VerificationError otherwise."""
    try:
        raw = cbor.fields(binding, _MEMBERS, what="binding")
        head_bytes = b64u_decode(raw["head"], what="head")
        signatures = [b64u_decode(s, what="signature") for s in raw["sig"]]
        head = _check_head(head_bytes, signatures, card)
        item_id, label = raw["item"], raw["label"]
        digest = cbor.typed(raw["content_sha256"], str, what="digest")
        if not isinstance(item_id, str) or not isinstance(label, dict):
            raise InputError("the binding's item or label is malformed")
        leaf = _leaf(head, b64u_decode(raw["salt"], what="salt"), item_id, label, digest)
        proof = [b64u_decode(p, what="proof") for p in raw["proof"]]
        batch.verify_leaf(head, cbor.typed(raw["i"], int, what="index"), proof, leaf)
    except VerificationError:
        raise
    except (Error, TypeError) as error:
        message = error.message if isinstance(error, Error) else str(error)
        raise VerificationError(f"{card.nation}'s binding is malformed: {message}") from error
    return {"type": ORIGIN_DOC, "item": item_id, "label": label, "content_sha256": digest}


# Carried once per delivery batch ---------------------------------------------------------------


def hoist(header: Mapping[str, Any]) -> tuple[dict[str, Any], dict[bytes, Any]]:
    """`header` with its origin binding's head and signatures replaced by their digest, and its
    label by a mark where it is the item's own: what the messages of one batch share (4.5 KB of
    signatures per binding) travels once in the batch (`gsomia.seal.sealed`)."""
    binding: Any = header.get("binding")
    if not is_origin(binding) or not isinstance(binding["sig"], list):
        return dict(header), {}
    key = _shared_key(binding["head"], binding["sig"])
    slim = {k: v for k, v in binding.items() if k not in ("head", "sig")} | {"shared": b64u(key)}
    if slim["label"] == header.get("label"):
        del slim["label"]
        slim["same_label"] = True
    return {**header, "binding": slim}, {key: [binding["head"], binding["sig"]]}


def restore(header: dict[str, Any], shared: Mapping[bytes, Any]) -> dict[str, Any]:
    """`header` as it was before `hoist`; InputError if what it refers to is not in `shared`."""
    binding: Any = header.get("binding")
    if not isinstance(binding, dict) or "shared" not in binding:
        return header
    key = b64u_decode(binding["shared"], what="shared binding")
    entry = shared.get(key)
    if not isinstance(entry, list) or len(entry) != 2 or _shared_key(*entry) != key:
        raise InputError("a binding refers to what its batch does not carry")
    full = {k: v for k, v in binding.items() if k not in ("shared", "same_label")}
    full |= {"head": entry[0], "sig": entry[1]}
    if binding.get("same_label") is True:
        full["label"] = header.get("label")
    return {**header, "binding": full}


def _shared_key(head: Any, signatures: Any) -> bytes:
    if not isinstance(head, str) or not all(isinstance(s, str) for s in signatures):
        raise InputError("a shared binding head is malformed")
    return hashlib.sha256(cbor.dumps([head, list(signatures)])).digest()
