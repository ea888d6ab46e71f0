"""When a log signs its next checkpoint: after enough new entries or enough time (ADR 0034).

Partners can only witness what a checkpoint covers, so a quiet log still signs a last one soon
after its last entries, and a busy one does not sign for every entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from gsomia.errors import UsageError


@dataclass(frozen=True)
class LogPolicy:
    """When to sign a checkpoint: after `checkpoint_events` new events or `checkpoint_seconds`."""

    checkpoint_events: int = 1000
    checkpoint_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.checkpoint_events < 1 or self.checkpoint_seconds <= 0:
            raise UsageError(
                "[log] checkpoint_events must be at least 1 and checkpoint_seconds above 0"
            )

    def due(self, *, size: int, last_size: int | None, last_at: float | None, now: float) -> bool:
        """Whether a new checkpoint is due; never for a log that did not grow."""
        if size == 0 or (last_size is not None and size <= last_size):
            return False
        if last_size is None or last_at is None:
            return True
        return (
            size - last_size >= self.checkpoint_events or now - last_at >= self.checkpoint_seconds
        )
