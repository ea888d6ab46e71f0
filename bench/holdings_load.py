"""Holdings inserted straight into a node's database, each like a real one received: the load
of `bench_taxii` and of the TAXII paging tests (receiving 100,000 items one by one would
measure the exchange, not TAXII)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from gsomia.node import sharing
from gsomia.node.runtime import Node
from gsomia.seal import parse_held_card
from gsomia.seal.held import held, open_holding
from gsomia.seal.sealed import OpenedV2
from gsomia.stix.objects import object_of, serialised
from gsomia.store import holdings
from gsomia.store.holdings import HoldingRecord

#: Copies written a transaction: as receipt writes a partner's bulk batch
#: (`exchange.worker.BULK_BATCH`). Written 2,000 a transaction (≈ 50 MB of rows), the
#: write-ahead log they left behind slowed the node's next passes over 10,000 (100 pages
#: each): 917 and 1,481 objects/s, the third 4,260; the log truncated first, 4,234 from the
#: first; written 64 a transaction, 4,278 from the first (load 4-10; ADR 0132). A cost of
#: the copying, which receipt, a batch at a time, does not leave.
CHUNK = 64


def template_of(node: Node, item_id: str) -> HoldingRecord:
    """The holding of `item_id` on `node`, to copy."""
    with node.engine.connect() as conn:
        record = holdings.get(conn, item_id, node.vault)
    assert record is not None, f"{item_id} is not held"
    return record


def copy_holdings(node: Node, template: HoldingRecord, count: int, *, after: int = 0) -> set[str]:
    """`count` holdings like `template` (same agreement, purpose and markings; a title, item id
    and labels of their own; received 1 ms apart after the template, from copy number `after`
    on), each sealed at rest for its own id as receipt seals it, with the STIX object receipt
    makes (ADR 0124). Their item ids.

    Each copy's labels carry its own item id (`Id`), as a real item's do (`publish` labels an
    item with its id): copies sharing one label's bytes would flatter anything that keeps
    work per distinct label (ADR 0132)."""
    card = parse_held_card(json.dumps(template.sender_card).encode())
    envelope = holdings.envelope_of(template, node.vault)
    opened = open_holding(node.keys, template.id, envelope, template.format, card)
    assert isinstance(opened, OpenedV2), "copies are of a v2 holding"
    item = sharing.holding_item(node, template)
    made: set[str] = set()
    for start in range(after, after + count, CHUNK):
        rows = []
        for n in range(start, min(start + CHUNK, after + count)):
            holding_id, item_id = str(uuid.uuid4()), f"{template.originator}-{uuid.uuid4()}"
            original, local = (
                _own(template.original_label, item_id),
                _own(template.local_label, item_id),
            )
            record = replace(
                template,
                id=holding_id,
                envelope_id=str(uuid.uuid4()),
                item_id=item_id,
                title=f"track copy {n}",
                original_label=original,
                local_label=local,
                received_at=template.received_at + timedelta(milliseconds=n + 1),
                envelope=held(node.keys, opened, holding_id),
                data_key=None,
            )
            values = holdings._values(record)
            values.pop("data_key")
            copied = replace(
                item,
                item_id=item_id,
                title=record.title,
                originator_label=original,
                national_label=local,
            )
            values["stix"] = serialised(object_of(copied))
            rows.append(values)
            made.add(item_id)
        with node.engine.begin() as conn:
            holdings.insert_rows(conn, rows, node.vault)
    return made


def _own(label: Mapping[str, Any], item_id: str) -> dict[str, Any]:
    """`label` as the label of `item_id`: its `Id` that item's, when it names one."""
    return {**label, "Id": item_id} if "Id" in label else dict(label)
