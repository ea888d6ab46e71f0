"""ZTDF / OpenTDF containers (R49): a zip of `0.manifest.json` and an encrypted `0.payload`.

The payload is AES-256-GCM in segments (each `iv ‖ ciphertext ‖ tag`, the tag its GMAC
segment hash), under a fresh data key; the root signature is HMAC-SHA256 under the data key
over the segment tags, and the policy binding `base64(hex(HMAC-SHA256(key, policy)))`, as the
OpenTDF SDKs write them. The data key is wrapped for this node only (`seal_at_rest`, bound to
the container and the item it carries), so only the node's key-access route unwraps it, after
the access decision. The STANAG 4774 label is an assertion (schema
`urn:nato:stanag:4774:confidentialitymetadatalabel:1:0`, the label's JSON), bound by a JWS
(alg Ed25519 per RFC 9864, the node's card key) over its hash and the payload's segment tags.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jws
from joserfc.jwk import OKPKey

from gsomia.errors import InputError, VerificationError
from gsomia.seal.encoding import b64u
from gsomia.seal.jose import protected_b64
from gsomia.seal.keys import NodeKeys
from gsomia.seal.storage import open_at_rest, seal_at_rest
from gsomia.seal.token import TokenEd25519

__all__ = [
    "LABEL_SCHEMA",
    "MANIFEST",
    "PAYLOAD",
    "Container",
    "assertion_hash",
    "decrypt_payload",
    "policy_item",
    "read_container",
    "unwrap_data_key",
    "wrap_for_requester",
    "write_container",
]

LABEL_SCHEMA = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"
MANIFEST, PAYLOAD = "0.manifest.json", "0.payload"
TDF_VERSION = "4.3.0"
SEGMENT = 1 << 21
MAX_CONTAINER = 64 << 20
_NONCE, _TAG = 12, 16


@dataclass(frozen=True)
class Container:
    data: bytes  # the zip
    manifest: dict[str, Any]


def _context(policy_id: str, item_key: str) -> str:
    return f"ztdf:{policy_id}:{item_key}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _binding(key: bytes, policy_b64: str) -> str:
    tag = hmac.new(key, policy_b64.encode("ascii"), hashlib.sha256).hexdigest()
    return _b64(tag.encode("ascii"))


def assertion_hash(assertion: Mapping[str, Any]) -> str:
    """The hex SHA-256 of an assertion without its binding, as JSON with sorted keys."""
    bare = {k: v for k, v in assertion.items() if k != "binding"}
    data = json.dumps(bare, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _ed25519(keys: NodeKeys) -> ed25519.Ed25519PrivateKey | TokenEd25519:
    for signer in keys.signers:
        if isinstance(signer, ed25519.Ed25519PrivateKey | TokenEd25519):
            return signer
    raise VerificationError("this node's profile has no Ed25519 key to sign an assertion with")


def _encrypt(key: bytes, content: bytes) -> tuple[bytes, list[dict[str, Any]], list[bytes]]:
    aead, out, segments, tags = AESGCM(key), bytearray(), [], []
    for start in range(0, max(len(content), 1), SEGMENT):
        chunk = content[start : start + SEGMENT]
        nonce = os.urandom(_NONCE)
        sealed = nonce + aead.encrypt(nonce, chunk, None)
        out += sealed
        tags.append(sealed[-_TAG:])
        segments.append(
            {
                "hash": _b64(sealed[-_TAG:]),
                "segmentSize": len(chunk),
                "encryptedSegmentSize": len(sealed),
            }
        )
    return bytes(out), segments, tags


def _label_assertion(
    keys: NodeKeys, name: str, label: Mapping[str, Any], tags: list[bytes]
) -> dict[str, Any]:
    assertion: dict[str, Any] = {
        "id": name,
        "type": "handling",
        "scope": "payload",
        "appliesToState": "encrypted",
        "statement": {"schema": LABEL_SCHEMA, "format": "json-structured", "value": dict(label)},
    }
    digest = assertion_hash(assertion)
    claims = {"assertionHash": digest, "assertionSig": _b64(b"".join(tags) + digest.encode())}
    header = {"alg": "Ed25519", "kid": keys.key_id}
    payload = json.dumps(claims, separators=(",", ":")).encode()
    key = _ed25519(keys)
    if isinstance(key, TokenEd25519):  # the token signs; joserfc would want the key itself
        signing_input = f"{protected_b64(header)}.{b64u(payload)}"
        token = f"{signing_input}.{b64u(key.sign(signing_input.encode('ascii')))}"
    else:
        signer = OKPKey.import_key(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        token = jws.serialize_compact(header, payload, signer, algorithms=["Ed25519"])
    return {**assertion, "binding": {"method": "jws", "signature": token}}


def write_container(
    keys: NodeKeys,
    *,
    content: bytes,
    mime_type: str,
    policy: Mapping[str, Any],
    item_key: str,
    labels: Mapping[str, Mapping[str, Any]],
    kas_url: str,
) -> Container:
    """A ZTDF container of `content` under `policy` (its `uuid` names the container), the
    data key wrapped for this node and bound to `item_key`, each of `labels` (by assertion
    id) a signed assertion."""
    key = os.urandom(32)
    payload, segments, tags = _encrypt(key, content)
    policy_b64 = _b64(json.dumps(policy, separators=(",", ":"), ensure_ascii=False).encode())
    wrapped = seal_at_rest(keys, key, _context(str(policy["uuid"]), item_key))
    manifest = {
        "schemaVersion": TDF_VERSION,
        "payload": {
            "type": "reference",
            "url": PAYLOAD,
            "protocol": "zip",
            "mimeType": mime_type,
            "isEncrypted": True,
        },
        "encryptionInformation": {
            "type": "split",
            "policy": policy_b64,
            "keyAccess": [
                {
                    "type": "wrapped",
                    "url": kas_url,
                    "protocol": "kas",
                    "wrappedKey": _b64(wrapped),
                    "policyBinding": {"alg": "HS256", "hash": _binding(key, policy_b64)},
                    "kid": keys.key_id,
                    "sid": "",
                    "schemaVersion": "1.0",
                }
            ],
            "method": {"algorithm": "AES-256-GCM", "iv": "", "isStreamable": True},
            "integrityInformation": {
                "rootSignature": {
                    "alg": "HS256",
                    "sig": _b64(hmac.new(key, b"".join(tags), hashlib.sha256).digest()),
                },
                "segmentHashAlg": "GMAC",
                "segmentSizeDefault": SEGMENT,
                "encryptedSegmentSizeDefault": SEGMENT + _NONCE + _TAG,
                "segments": segments,
            },
        },
        "assertions": [_label_assertion(keys, k, label, tags) for k, label in labels.items()],
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(PAYLOAD, payload)
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False))
    return Container(out.getvalue(), manifest)


def read_container(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The manifest and encrypted payload of a container; `InputError` if it is not one."""
    if len(data) > MAX_CONTAINER:
        raise InputError(f"a container is at most {MAX_CONTAINER} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest = json.loads(archive.read(MANIFEST))
            payload = archive.read(PAYLOAD)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InputError(f"not a TDF container: {error}") from None
    if not isinstance(manifest, dict):
        raise InputError("a TDF manifest is a JSON object")
    return manifest, payload


def unwrap_data_key(keys: NodeKeys, key_access: Mapping[str, Any], policy_b64: str) -> bytes:
    """The data key of a container whose policy is `policy_b64`, if it was wrapped by this node
    for that policy (its `uuid`) and item, and the policy is the one it was bound to;
    `VerificationError` otherwise (a policy moved or altered does not unwrap)."""
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
        wrapped = base64.b64decode(str(key_access["wrappedKey"]), validate=True)
        bound = str(key_access["policyBinding"]["hash"])
        context = _context(str(policy["uuid"]), policy_item(policy))
    except (ValueError, KeyError, TypeError) as error:
        raise VerificationError(f"the key access request is malformed: {error}") from None
    key = open_at_rest(keys, wrapped, context)
    if not hmac.compare_digest(_binding(key, policy_b64), bound):
        raise VerificationError("the policy is not the one the key was bound to")
    return key


#: The attribute of a policy that names the item it protects (the item or holding id).
ITEM_ATTRIBUTE = "/attr/item/value/"


def policy_item(policy: Mapping[str, Any]) -> str:
    """The item id a container's policy names."""
    for attribute in (policy.get("body") or {}).get("dataAttributes") or []:
        name = str(attribute.get("attribute", ""))
        if ITEM_ATTRIBUTE in name:
            return unquote(name.rsplit(ITEM_ATTRIBUTE, 1)[1])
    raise KeyError("the policy names no item")


def wrap_for_requester(key: bytes, public_pem: str) -> str:
    """The data key wrapped (RSA-OAEP-SHA256) for the requester's own RSA public key."""
    try:
        public = serialization.load_pem_public_key(public_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise InputError("clientPublicKey is not a PEM public key") from None
    if not isinstance(public, rsa.RSAPublicKey) or public.key_size < 2048:
        raise InputError("clientPublicKey must be an RSA key of at least 2048 bits")
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return _b64(public.encrypt(key, oaep))


def decrypt_payload(key: bytes, manifest: Mapping[str, Any], payload: bytes) -> bytes:
    """The plaintext of a payload, each segment checked; `VerificationError` otherwise."""
    aead, out, offset = AESGCM(key), bytearray(), 0
    try:
        segments = manifest["encryptionInformation"]["integrityInformation"]["segments"]
        for segment in segments:
            sealed = payload[offset : offset + int(segment["encryptedSegmentSize"])]
            out += aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], None)
            offset += len(sealed)
    except (InvalidTag, KeyError, TypeError, ValueError):
        raise VerificationError("the payload does not decrypt under this key") from None
    return bytes(out)
