"""When the log signs a checkpoint: after N new events or T seconds, never for no growth."""

from __future__ import annotations

import pytest

from gsomia.errors import UsageError
from gsomia.ledger.policy import LogPolicy


@pytest.mark.parametrize(
    ("size", "last_size", "last_at", "now", "due"),
    [
        (0, None, None, 100.0, False),  # nothing to sign
        (1, None, None, 100.0, True),  # the first checkpoint
        (10, 10, 0.0, 100.0, False),  # no growth, however long ago
        (11, 10, 99.0, 100.0, False),  # grew, but neither N events nor T seconds
        (11, 10, 95.0, 100.0, True),  # T seconds
        (1010, 10, 99.0, 100.0, True),  # N events
    ],
)
def test_checkpoint_policy(
    size: int, last_size: int | None, last_at: float | None, now: float, due: bool
) -> None:
    policy = LogPolicy(checkpoint_events=1000, checkpoint_seconds=5)
    assert policy.due(size=size, last_size=last_size, last_at=last_at, now=now) is due


@pytest.mark.parametrize(("events", "seconds"), [(0, 5.0), (10, 0.0), (10, -1.0)])
def test_a_policy_that_never_signs_is_refused(events: int, seconds: float) -> None:
    with pytest.raises(UsageError):
        LogPolicy(events, seconds)
