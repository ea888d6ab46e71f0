"""Documents a node signs in its own name: consent, purpose approval, the originator's binding.

The originator's binding and the envelope's binding are two signed documents; neither can be
taken for the other, and an originator binding stored under the old shared name still holds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from gsomia.errors import InputError, VerificationError
from gsomia.seal import (
    CONSENT_DOC,
    ORIGINATOR_BINDING_DOC,
    PURPOSE_DOC,
    EnvelopeError,
    bind,
    bound_digest,
    content_sha256,
    open_envelope,
    seal_envelope,
    sign_document,
    verify_binding,
    verify_document,
)
from gsomia.seal.binding import BINDING_TYPE, parse_binding
from gsomia.seal.documents import LEGACY_BINDING_DOC
from gsomia.seal.encoding import b64u_decode

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # as in conftest.py
LABEL = {"policy": "urn:gsomia:policy:KOR-JPN:2016", "classification": "군사II급비밀"}
CONTENT = b"DPRK launch track"

Nodes = dict[tuple[str, str], Any]  # conftest.Node: keys and card


def _payload(jws: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(b64u_decode(jws["payload"], what="payload"))
    return document


def _check(binding: Any, nodes: Nodes, **kw: Any) -> None:
    verify_binding(
        binding,
        nodes["pq", "KOR"].card,
        item_id=kw.get("item_id", "KOR-1"),
        label=kw.get("label", LABEL),
        digest=kw.get("digest", content_sha256(CONTENT)),
    )


@pytest.mark.parametrize("kind", [CONSENT_DOC, PURPOSE_DOC])
def test_a_signed_document_verifies_only_against_its_signer(nodes: Nodes, kind: str) -> None:
    jws = sign_document(nodes["pq", "KOR"].keys, {"type": kind, "id": "c-1"})
    assert verify_document(jws, nodes["pq", "KOR"].card, "consent") == {"type": kind, "id": "c-1"}
    with pytest.raises(VerificationError, match="not signed by JPN's node"):
        verify_document(jws, nodes["pq", "JPN"].card, "consent")
    with pytest.raises(VerificationError, match="not a gsomia binding document"):
        verify_document(jws, nodes["pq", "KOR"].card, "binding", (ORIGINATOR_BINDING_DOC,))


def test_the_originator_binding_has_its_own_name_and_holds(nodes: Nodes) -> None:
    binding = bind(nodes["pq", "KOR"].keys, "KOR-1", LABEL, CONTENT)
    assert _payload(binding)["type"] == ORIGINATOR_BINDING_DOC != BINDING_TYPE
    _check(binding, nodes)
    assert bound_digest(json.dumps(binding)) == content_sha256(CONTENT)
    with pytest.raises(VerificationError, match="another item"):
        _check(binding, nodes, item_id="KOR-2")
    with pytest.raises(VerificationError, match="differs from the label"):
        _check(binding, nodes, label={**LABEL, "classification": "군사III급비밀"})
    with pytest.raises(VerificationError, match="differs from the content"):
        _check(binding, nodes, digest=content_sha256(b"other"))


def _legacy(nodes: Nodes, **extra: Any) -> dict[str, Any]:
    """An originator binding as nodes signed them before it had its own name."""
    document = {
        "type": LEGACY_BINDING_DOC,
        "item": "KOR-1",
        "label": LABEL,
        "content_sha256": content_sha256(CONTENT),
        **extra,
    }
    return sign_document(nodes["pq", "KOR"].keys, document)


def test_an_originator_binding_under_the_old_name_still_verifies(nodes: Nodes) -> None:
    """Holdings keep such bindings (holdings.binding) and pass them on with the item."""
    binding = _legacy(nodes)
    _check(binding, nodes)
    assert bound_digest(json.dumps(binding)) == content_sha256(CONTENT)
    with pytest.raises(VerificationError, match="differs from the content"):
        _check(binding, nodes, digest=content_sha256(b"other"))


def test_the_old_name_is_accepted_only_with_the_originator_bindings_members(
    nodes: Nodes,
) -> None:
    with pytest.raises(VerificationError, match="wrong members"):
        _check(_legacy(nodes, recipients=[]), nodes)


def _envelope(nodes: Nodes) -> dict[str, Any]:
    data = seal_envelope(
        CONTENT,
        label=LABEL,
        keys=nodes["pq", "KOR"].keys,
        recipients=[nodes["pq", "JPN"].card],
        now=NOW,
    )
    envelope: dict[str, Any] = json.loads(data)
    return envelope


def test_an_envelope_binding_is_never_taken_for_an_originator_binding(nodes: Nodes) -> None:
    """KOR signed it, and it names the label and content: still not KOR's word on the item."""
    jws = _envelope(nodes)["jws"]
    assert _payload(jws)["typ"] == BINDING_TYPE == LEGACY_BINDING_DOC
    with pytest.raises(VerificationError, match="not a gsomia binding document"):
        _check(jws, nodes)


@pytest.mark.parametrize("name", [ORIGINATOR_BINDING_DOC, LEGACY_BINDING_DOC])
def test_an_originator_binding_is_never_taken_for_an_envelope_binding(
    nodes: Nodes, name: str
) -> None:
    """Signed by the envelope's signer, yet no envelope opens on it."""
    document = {"type": name, "item": "KOR-1", "label": LABEL, "content_sha256": "00"}
    jws = sign_document(nodes["pq", "KOR"].keys, document)
    with pytest.raises(InputError, match="binding members are wrong"):
        parse_binding(b64u_decode(jws["payload"], what="payload"))
    envelope = {**_envelope(nodes), "jws": jws}
    with pytest.raises(EnvelopeError) as caught:
        open_envelope(
            json.dumps(envelope).encode(),
            keys=nodes["pq", "JPN"].keys,
            senders=[nodes["pq", "KOR"].card],
        )
    assert "binding members are wrong" in caught.value.reason
