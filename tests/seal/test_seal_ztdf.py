"""ZTDF containers read by an independent reader (otdf-python, the OpenTDF Python SDK): its
TDFReader and Manifest parse ours, its AES-GCM opens our payload with the key our key-access
route releases; the 4774 label assertion's JWS verifies against the node's card key; a policy
altered or moved to another item does not unwrap."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwcrypto import jwk, jws
from otdf_python.aesgcm import AesGcm
from otdf_python.manifest import Manifest
from otdf_python.tdf_reader import TDFReader

from gsomia.errors import VerificationError
from gsomia.seal import generate_node_keys
from gsomia.seal.ztdf import (
    LABEL_SCHEMA,
    assertion_hash,
    decrypt_payload,
    read_container,
    unwrap_data_key,
    wrap_for_requester,
    write_container,
)

KEYS = generate_node_keys(nation="KOR")
LABEL = {
    "Xmlns": LABEL_SCHEMA,
    "ConfidentialityInformation": {
        "PolicyIdentifier": "urn:gsomia:policy:KOR:2024-01-01",
        "Classification": "군사II급비밀",
    },
    "OriginatorID": {"IDType": "uniformResourceIdentifier", "Value": "urn:gsomia:originator:KOR"},
    "CreationTime": "2026-12-01T09:30:00Z",
}
ITEM = "KOR-5b7e8f6a-2c1d-4e3f-9a8b-7c6d5e4f3a2b"


def _policy(item: str = ITEM) -> dict[str, Any]:
    return {
        "uuid": "7d0e1c62-1b9f-4d55-9e9a-0a9d6f0c3e21",
        "body": {
            "dataAttributes": [
                {
                    "attribute": "https://gsomia.kor/attr/classification/value/%EA%B5%B0",
                    "isDefault": False,
                },
                {"attribute": f"https://gsomia.kor/attr/item/value/{item}", "isDefault": False},
            ],
            "dissem": [],
        },
    }


def _container(content: bytes = b"launch at 05:57 KST") -> Any:
    return write_container(
        KEYS,
        content=content,
        mime_type="text/plain",
        policy=_policy(),
        item_key=ITEM,
        labels={"originator-label": LABEL},
        kas_url="https://kor.example/api/v1/kas",
    )


def test_the_opentdf_reader_parses_the_container_and_its_policy() -> None:
    container = _container()
    reader = TDFReader(io.BytesIO(container.data))
    manifest = Manifest.from_json(reader.manifest())
    assert manifest.payload is not None
    assert manifest.payload.isEncrypted
    assert manifest.payload.mimeType == "text/plain"
    assert manifest.encryptionInformation is not None
    [access] = manifest.encryptionInformation.keyAccess
    assert (access.type, access.protocol, access.url) == (
        "wrapped",
        "kas",
        "https://kor.example/api/v1/kas",
    )
    policy = reader.read_policy_object()
    attributes = [a.attribute for a in policy.body.data_attributes]
    assert f"https://gsomia.kor/attr/item/value/{ITEM}" in attributes
    [assertion] = manifest.assertions
    # Issue 17 names the URN; the constant alone would follow a typo in it (ADR 0138).
    assert assertion.statement["schema"] == "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"
    assert assertion.statement["format"] == "json-structured"
    assert assertion.binding is not None
    assert assertion.binding.method == "jws"
    assert assertion.statement["value"] == LABEL


@pytest.mark.parametrize("size", [0, 19, (1 << 21) + 5])  # empty, one segment, two
def test_the_released_key_opens_the_payload_with_the_sdks_aes_gcm(size: int) -> None:
    content = bytes(n % 251 for n in range(size))
    container = _container(content)
    manifest, payload = read_container(container.data)
    info = manifest["encryptionInformation"]
    key = unwrap_data_key(KEYS, info["keyAccess"][0], info["policy"])
    # The requester receives it under its own RSA key, and unwraps it.
    mine = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = (
        mine.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    released = mine.decrypt(base64.b64decode(wrap_for_requester(key, public)), oaep)
    assert released == key
    # The SDK's own AES-GCM, segment by segment, and its root signature over the GMAC tags.
    aead, opened, offset, tags = AesGcm(released), b"", 0, b""
    for segment in info["integrityInformation"]["segments"]:
        sealed = payload[offset : offset + segment["encryptedSegmentSize"]]
        opened += aead.decrypt(AesGcm.Encrypted(sealed[:12], sealed[12:]))
        tags += base64.b64decode(segment["hash"])
        offset += len(sealed)
    assert opened == content == decrypt_payload(key, manifest, payload)
    root = base64.b64decode(info["integrityInformation"]["rootSignature"]["sig"])
    assert root == hmac.new(key, tags, hashlib.sha256).digest()


def test_the_label_assertion_is_signed_by_the_nodes_card_key() -> None:
    container = _container()
    [assertion] = container.manifest["assertions"]
    public = jwk.JWK(**next(k for k in KEYS.public["sig"] if k.get("crv") == "Ed25519"))
    token = jws.JWS()
    token.deserialize(assertion["binding"]["signature"])
    token.verify(public, alg="Ed25519")
    claims = json.loads(token.payload)
    assert claims["assertionHash"] == assertion_hash(assertion)
    # An edited label no longer matches what was signed.
    edited = json.loads(json.dumps(assertion))
    edited["statement"]["value"]["ConfidentialityInformation"]["Classification"] = "UNCLASSIFIED"
    assert assertion_hash(edited) != claims["assertionHash"]


def test_an_altered_or_moved_policy_does_not_unwrap() -> None:
    manifest, _ = read_container(_container().data)
    info = manifest["encryptionInformation"]
    access = info["keyAccess"][0]
    moved = base64.b64encode(json.dumps(_policy("KOR-someone-elses")).encode()).decode()
    with pytest.raises(VerificationError):
        unwrap_data_key(KEYS, access, moved)  # another item: the wrapping's context differs
    same_item = json.loads(base64.b64decode(info["policy"]))
    same_item["body"]["dissem"] = ["someone@else"]
    altered = base64.b64encode(json.dumps(same_item).encode()).decode()
    with pytest.raises(VerificationError, match="bound"):
        unwrap_data_key(KEYS, access, altered)
    with pytest.raises(VerificationError):  # another node's keys
        unwrap_data_key(generate_node_keys(nation="JPN"), access, info["policy"])
