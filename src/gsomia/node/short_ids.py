"""A short id, as a list prints it, expanded to the one full id it begins (issue 16)."""

from __future__ import annotations

import re

from gsomia.errors import Conflict
from gsomia.node.runtime import Node
from gsomia.store import short_ids

#: The fewest characters taken as a prefix: fewer would match too much to be meant.
MIN_PREFIX = 6
#: Full ids: an item's `KOR-<uuid>`, a holding's `<uuid>`.
_FULL = re.compile(r"([A-Z]{3}-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SHORT = re.compile(r"([A-Z]{3}-)?[0-9a-f-]+")


def looks_short(text: str) -> bool:
    """Whether `text` may be the beginning of an id (and is not a whole one)."""
    return (
        len(text) >= MIN_PREFIX
        and _SHORT.fullmatch(text) is not None
        and _FULL.fullmatch(text) is None
    )


def expand(node: Node, kind: str, text: str) -> str:
    """The one id of `kind` that `text` begins; `text` itself if none does (the route then
    says "not found"); Conflict if more than one does."""
    if not looks_short(text):
        return text
    with node.reader.connect() as conn:
        found = short_ids.expand(conn, kind, text)
    if len(found) > 1:
        raise Conflict(
            f"{text} begins more than one of this node's {kind}",
            hint="give more of the id (`--json` lists show it whole)",
        )
    return found[0] if found else text
