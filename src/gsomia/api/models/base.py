"""What every request body shares: the strict base model and the bounded kinds of field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Body(BaseModel):
    """A request body: unknown fields refused, no value coerced into another type."""

    model_config = ConfigDict(extra="forbid", strict=True)


# JSON has no date or time type: these come as ISO 8601 text, which strict mode would refuse.
#: A moment with its time zone (`2027-01-01T00:00:00+00:00`).
When = Annotated[AwareDatetime, Field(strict=False)]
#: A moment, as the publish and visit bodies have always taken it.
Moment = Annotated[datetime, Field(strict=False)]
#: A day (`2027-01-01`).
Day = Annotated[date, Field(strict=False)]

#: The largest index or size a route takes: what the database's 64-bit integers hold.
MAX_INDEX = (1 << 63) - 1

Id = Annotated[str, Field(min_length=1, max_length=64, description="an id this node gave")]
Nation = Annotated[str, Field(min_length=3, max_length=4, description="ISO 3166 alpha-3, or NATO")]
Marking = Annotated[str, Field(min_length=1, max_length=64, description="a national level")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Purpose = Annotated[str, Field(min_length=1, max_length=200)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]
Note = Annotated[str, Field(min_length=1, max_length=4000)]
