"""Found by the attack: a contractor's staff took away, through a partner tool's door, what
their facility was never released (R33–R34). Reading a holding asks `contractor_decision`
after the access decision; the STIX export, the ZTDF export and its key-access route, the TAXII
collection and object routes, and the lists must ask it too, or they are a second way in."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from tests.node.node_fixtures import LAUNCH, Cast
from tests.node.test_node_contractors import _facility, _holding, _release

from gsomia.errors import NotFound
from gsomia.node import listing, sharing, taxii, ztdf
from gsomia.seal.ztdf import read_container
from gsomia.stix.objects import stix_id
from gsomia.store import holdings

KAS = "https://jpn.example/api/v1/kas"
AGREEMENT = "KOR-JPN-2016"
PUBLIC = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def _item_of(cast: Cast, holding: str) -> str:
    node = cast["JPN"]
    with node.reader.connect() as conn:
        record = holdings.get(conn, holding, node.vault)
    assert record is not None
    return record.item_id


def test_a_contractors_staff_take_nothing_unreleased_through_stix_ztdf_taxii_or_lists(
    cast: Cast,
) -> None:
    holding = _holding(cast, "Never released to a contractor")
    item_id = _item_of(cast, holding)
    made = _facility(cast)
    node, staff = cast["JPN"], cast.user("JPN", made["person"])
    # A government reader of the same clearance gets it every way: the test can fail.
    assert sharing.export(node, cast.user("JPN", "sato"), [holding], action="read:stix")
    with pytest.raises(NotFound):
        sharing.export(node, staff, [holding], action="read:stix")
    with pytest.raises(NotFound):
        ztdf.export_container(node, staff, holding, KAS)
    # A container a government reader exported, passed to the contractor: no key for them.
    container = ztdf.export_container(node, cast.user("JPN", "sato"), holding, KAS)
    manifest, _ = read_container(container.data)
    info = manifest["encryptionInformation"]
    with pytest.raises(NotFound):
        ztdf.rewrap(node, staff, info["keyAccess"][0], info["policy"], PUBLIC)
    found = taxii.collection(node, staff, AGREEMENT, LAUNCH)
    seen, page = [], taxii.objects_page(node, staff, found, limit=1000)
    seen += [h.key for h in page.objects]
    while page.more:
        page = taxii.objects_page(node, staff, found, next_=page.next, limit=1000)
        seen += [h.key for h in page.objects]
    assert holding not in seen
    with pytest.raises(NotFound):
        taxii.get_object(node, staff, found, stix_id(item_id))
    listed = [view.id for view, _ in listing.holdings_page(node, staff, limit=500).rows]
    assert holding not in listed
    with pytest.raises(NotFound):
        listing.holding_listing(node, staff, holding)
    # Released to their facility under the contract, they take it away like anyone.
    _release(cast, holding, made["contract"])
    assert sharing.export(node, staff, [holding], action="read:stix")[0].item_id == item_id
    assert holding in [view.id for view, _ in listing.holdings_page(node, staff, limit=500).rows]
    policy = json.loads(base64.b64decode(info["policy"]))
    assert policy["body"]["dataAttributes"]
    assert ztdf.rewrap(node, staff, info["keyAccess"][0], info["policy"], PUBLIC)
