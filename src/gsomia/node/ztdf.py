"""ZTDF exports (R49) and the node's key-access route: a container a person may take away,
whose data key only this node releases, and only to someone the read decision allows.

The container carries the originator's STANAG 4774 label (and this nation's re-marking, for a
holding) as signed assertions, and classification, releasability and purpose as policy
attributes. Opening it needs its data key: `rewrap` asks the same read decision as a page
(`gsomia.node.sharing`), logs it (`read:kas`), and only then unwraps the key and wraps it for
the requester's own public key. A container leaked to someone else opens for nobody the node
would refuse.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from gsomia.errors import InputError
from gsomia.labels import label_from_obj
from gsomia.node import sharing
from gsomia.node.runtime import Node
from gsomia.seal.ztdf import (
    ITEM_ATTRIBUTE,
    Container,
    policy_item,
    unwrap_data_key,
    wrap_for_requester,
    write_container,
)
from gsomia.stix.objects import StixItem
from gsomia.store.users import UserRecord

__all__ = ["export_container", "policy_of", "rewrap"]


def _attribute(namespace: str, name: str, value: str, kas_url: str) -> dict[str, Any]:
    return {
        "attribute": f"https://{namespace}/attr/{name}/value/{quote(value, safe='')}",
        "displayName": f"{name}: {value}",
        "isDefault": False,
        "pubKey": None,
        "kasUrl": kas_url,
    }


def policy_of(item: StixItem, holder: str, kas_url: str) -> dict[str, Any]:
    """The container's policy: a fresh uuid; the originator's classification and this
    nation's (for a holding), each nation it is releasable to, its purpose, and the item."""
    original = label_from_obj(item.originator_label)
    originator, here = f"gsomia.{item.originator.lower()}", f"gsomia.{holder.lower()}"
    attributes = [_attribute(originator, "classification", original.classification, kas_url)]
    if item.national_label is not None:
        national = label_from_obj(item.national_label).classification
        attributes.append(_attribute(here, "classification", national, kas_url))
    attributes += [
        _attribute(originator, "releasable-to", nation, kas_url)
        for nation in sorted(original.releasable_to)
    ]
    attributes.append(_attribute(originator, "purpose", item.purpose, kas_url))
    item_attribute = _attribute(here, "item", item.item_id, kas_url)
    assert ITEM_ATTRIBUTE in item_attribute["attribute"]
    attributes.append(item_attribute)
    return {"uuid": str(uuid.uuid4()), "body": {"dataAttributes": attributes, "dissem": []}}


def export_container(node: Node, user: UserRecord, item_id: str, kas_url: str) -> Container:
    """A ZTDF container of `item_id` for `user`, if the read decision allows (logged)."""
    [item] = sharing.export(node, user, [item_id], action="read:ztdf")
    labels: dict[str, Mapping[str, Any]] = {"originator-label": item.originator_label}
    if item.national_label is not None:
        labels["national-label"] = item.national_label
    return write_container(
        node.keys,
        content=item.content,
        mime_type=item.media_type,
        policy=policy_of(item, node.nation, kas_url),
        item_key=item.item_id,
        labels=labels,
        kas_url=kas_url,
    )


def rewrap(
    node: Node,
    user: UserRecord,
    key_access: Mapping[str, Any],
    policy_b64: str,
    client_public_key: str,
) -> str:
    """The data key of a container this node made, wrapped for `client_public_key`, if
    `user` may read the item its policy names (the decision logged either way); otherwise
    `NotFound`, as a page says. `VerificationError` for a policy not bound to the key."""
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
        item_id = policy_item(policy)
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        raise InputError("the policy is not a container policy of this node") from None
    sharing.export(node, user, [item_id], action="read:kas")
    key = unwrap_data_key(node.keys, key_access, policy_b64)
    return wrap_for_requester(key, client_public_key)
