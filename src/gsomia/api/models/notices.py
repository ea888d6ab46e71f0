"""The notices router's body: a classification change of an own item (R14)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gsomia.api.models.base import Body, Marking, When


class ClassificationChange(Body):
    change: Literal["downgrade", "upgrade", "declassify"]
    level: Marking | None = Field(None, description="the new level; none to declassify")
    effective: When | None = Field(None, description="when it takes effect; now if absent")
