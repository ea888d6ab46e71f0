"""What the delivery worker sends: outbox rows sealed for one partner as one v2 batch.

An outbox row holds its message sealed at rest under this node's own key (`gsomia.seal.held`).
At each send the worker opens the rows due for a partner and seals them for that partner's
node as one batch, signed once (`gsomia.seal.sealed`, ADR 0070). Batches are cut by count and
by bytes, so a burst of large items never makes a body the partner's API would refuse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from gsomia.exchange.outbox import Pending, Queued
from gsomia.exchange.wire import MAX_BATCH_BYTES
from gsomia.seal import IdentityCard, NodeKeys
from gsomia.seal.held import unqueued
from gsomia.seal.sealed import seal_batch

R = TypeVar("R", bound=Pending | Queued)


def cut(rows: Sequence[R], count: int, size: int = MAX_BATCH_BYTES) -> Iterator[list[R]]:
    """`rows` in order, in batches of at most `count` rows and about `size` bytes (a row
    larger than `size` goes alone)."""
    batch: list[R] = []
    total = 0
    for row in rows:
        length = len(row.body) if isinstance(row, Pending) else row.size
        if batch and (len(batch) >= count or total + length > size):
            yield batch
            batch, total = [], 0
        batch.append(row)
        total += length
    if batch:
        yield batch


def sealed_batch(
    keys: NodeKeys, sender: str, card: IdentityCard, rows: Sequence[Pending], now: datetime
) -> tuple[bytes, bytes]:
    """`rows` sealed for `card`'s node as one signed batch: (batch id, the batch's bytes)."""
    batch_id = os.urandom(16)
    plains = [unqueued(keys, row.message_id, row.body, card.nation) for row in rows]
    data = seal_batch(plains, keys=keys, sender=sender, recipient=card, now=now, batch_id=batch_id)
    return batch_id, data
