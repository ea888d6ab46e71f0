"""A node marks items in its scheme as it stood on the day, and items keep that version (R5).

Japan's scheme before 10 December 2014 has 防衛秘密; the version from that day does not. A JPN
node whose clock reads June 2014 publishes a 防衛秘密 item, labelled under the older policy;
in 2026 the same node still reads that item's level in the scheme it was marked under, while a
new item marked 防衛秘密 is refused as a marking the scheme in force does not have.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.node.node_fixtures import Clock, build_cast

from gsomia.node import read
from gsomia.store import items
from gsomia.treaty.schemes import UnknownMarking


def test_an_item_keeps_the_scheme_version_it_was_marked_under(tmp_path: Path) -> None:
    clock = Clock(datetime(2014, 6, 1, 9, tzinfo=UTC))
    cast = build_cast(tmp_path, ("JPN",), clock=clock)
    jpn = cast["JPN"]
    item_id = cast.publish(
        "JPN", "tanaka", level="防衛秘密", releasable_to=("KOR",), title="SDF defence secret"
    )
    with jpn.reader.connect() as conn:
        record = items.get(conn, item_id, jpn.vault)
    assert record is not None
    marked = record.label["ConfidentialityInformation"]
    assert marked["Classification"] == "防衛秘密"
    assert marked["PolicyIdentifier"] < "urn:gsomia:policy:JPN:2014-12-10"

    clock.now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    later = read.own_item(jpn, record)
    assert later.level.native == "防衛秘密"  # read in the 1954 scheme, as it was marked
    assert "防衛秘密" not in {level.native for level in jpn.scheme(clock.now.date()).levels}
    with pytest.raises(UnknownMarking, match="防衛秘密"):
        cast.publish("JPN", "tanaka", level="防衛秘密", releasable_to=("KOR",))
    new_id = cast.publish("JPN", "tanaka", level="特定秘密", releasable_to=("KOR",))
    with jpn.reader.connect() as conn:
        new = items.get(conn, new_id, jpn.vault)
    assert new is not None
    policy = new.label["ConfidentialityInformation"]["PolicyIdentifier"]
    assert policy == "urn:gsomia:policy:JPN:2014-12-10"
