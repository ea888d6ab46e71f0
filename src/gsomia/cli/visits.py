"""(filled in by its workflow)."""

from __future__ import annotations
