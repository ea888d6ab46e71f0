"""A ZTDF export of a holding, and the node's key-access route: the key goes only to a reader
the access decision allows, each request logged; the container carries both labels."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from tests.node.node_fixtures import Cast

from gsomia.errors import NotFound
from gsomia.node import ztdf
from gsomia.seal.ztdf import decrypt_payload, read_container
from gsomia.store import holdings

KAS = "https://jpn.example/api/v1/kas"
REQUESTER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC = (
    REQUESTER.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


@pytest.fixture(scope="module")
def held(cast: Cast) -> str:
    item_id = cast.publish("KOR", "kim", title="ztdf track", content=b"track for a container")
    cast.release("KOR", "park", item_id)
    cast.deliver("KOR", "JPN")
    return item_id


def test_a_reader_exports_a_container_and_only_a_reader_gets_its_key(cast: Cast, held: str) -> None:
    node = cast.nodes["JPN"]
    container = ztdf.export_container(node, cast.user("JPN", "sato"), held, KAS)
    manifest, payload = read_container(container.data)
    labels = {a["id"]: a["statement"]["value"] for a in manifest["assertions"]}
    assert labels["originator-label"]["ConfidentialityInformation"]["Classification"] == (
        "군사II급비밀"
    )
    assert labels["national-label"]["ConfidentialityInformation"]["Classification"] == "極秘"
    policy = json.loads(base64.b64decode(manifest["encryptionInformation"]["policy"]))
    names = [a["attribute"] for a in policy["body"]["dataAttributes"]]
    assert "https://gsomia.kor/attr/releasable-to/value/JPN" in names
    # Both classifications as attributes (issue 17), each in its nation's namespace.
    assert f"https://gsomia.kor/attr/classification/value/{quote('군사II급비밀')}" in names
    assert f"https://gsomia.jpn/attr/classification/value/{quote('極秘')}" in names
    assert f"https://gsomia.jpn/attr/item/value/{held}" in names
    access = manifest["encryptionInformation"]["keyAccess"][0]
    assert access["url"] == KAS

    args = (access, manifest["encryptionInformation"]["policy"], PUBLIC)
    wrapped = ztdf.rewrap(node, cast.user("JPN", "sato"), *args)
    key = REQUESTER.decrypt(base64.b64decode(wrapped), OAEP)
    assert decrypt_payload(key, manifest, payload) == b"track for a container"
    # 秘 is below 極秘; a US liaison is not of a releasable nationality (R19–R21).
    for name in ("suzuki", "miller"):
        with pytest.raises(NotFound):
            ztdf.rewrap(node, cast.user("JPN", name), *args)
    decisions = {
        (row["actor"], row["allowed"])
        for row in cast.log("JPN", _holding_id(cast, held))
        if row["action"] == "read:kas"
    }
    assert decisions == {("sato", True), ("suzuki", False), ("miller", False)}


def test_a_refused_reader_gets_no_container(cast: Cast, held: str) -> None:
    with pytest.raises(NotFound):
        ztdf.export_container(cast.nodes["JPN"], cast.user("JPN", "suzuki"), held, KAS)


def _holding_id(cast: Cast, item_id: str) -> str:
    node = cast.nodes["JPN"]
    with node.engine.connect() as conn:
        record = holdings.get(conn, item_id, node.vault)
    assert record is not None
    return record.id
