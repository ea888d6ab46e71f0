"""The answer every treaty decision gives: allowed or denied, why, and under which article."""

from __future__ import annotations

from dataclasses import dataclass

from gsomia.errors import PolicyDenied

__all__ = ["Decision"]


@dataclass(frozen=True, slots=True)
class Decision:
    """Allowed or denied, with the reason in words, the treaty article and the requirement (R…).

    Both kinds go to the log. Decisions are values: the hot paths return shared constants.
    """

    allowed: bool
    reason: str
    article: str
    requirement: str

    @classmethod
    def allow(cls, reason: str, article: str, requirement: str) -> Decision:
        return cls(True, reason, article, requirement)

    @classmethod
    def deny(cls, reason: str, article: str, requirement: str) -> Decision:
        return cls(False, reason, article, requirement)

    def enforce(self) -> Decision:
        """Return self if allowed; raise `PolicyDenied` with the reason and article otherwise."""
        if not self.allowed:
            raise PolicyDenied(f"{self.reason} ({self.requirement})", article=self.article)
        return self
