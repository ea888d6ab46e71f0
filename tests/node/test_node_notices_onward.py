"""A classification notice reaches a third-nation holder reached by consent (R12, R14).

KOR provides an item to JPN; with KOR's consent JPN passes it on to USA under JPN–USA (the
real onward workflow, node/onward.py). KOR's downgrade then reaches both: USA re-marks through
KOR–JPN and JPN–USA and acknowledges, and KOR is left waiting for no one.
"""

from __future__ import annotations

from tests.node.consent_fixtures import deliver, granted, holding_of, provided
from tests.node.node_fixtures import Cast

from gsomia.exchange.kinds import Kind
from gsomia.node.control import messages, onward
from gsomia.node.control.notice_case import get_notice
from gsomia.node.control.notices import reclassify


def test_a_consented_third_nation_holder_remarks_and_acknowledges(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    onward.release_onward_to(cast["JPN"], cast.user("JPN", "tanaka"), holding_id, "USA", case_id)
    assert [a["status"] for a in deliver(cast, "JPN", "USA")] == ["received"]
    assert [a["status"] for a in deliver(cast, "JPN", "KOR")] == ["received"]  # the report
    usa = holding_of(cast, "USA", item_id)
    assert usa is not None
    assert usa["local_level"] == "SECRET"

    sent = reclassify(
        cast["KOR"], cast.user("KOR", "park"), item_id, change="downgrade", level="군사III급비밀"
    )
    assert sent.holders == ["JPN", "USA"]
    [to_usa] = deliver(cast, "KOR", "USA")
    assert to_usa["status"] == "received", to_usa
    usa = holding_of(cast, "USA", item_id)
    assert usa is not None
    assert usa["local_level"] == "CONFIDENTIAL"  # 군사III급비밀 → 秘 (KOR–JPN) → CONFIDENTIAL
    assert usa["original_label"]["ConfidentialityInformation"]["Classification"] == "군사III급비밀"
    [to_jpn] = deliver(cast, "KOR", "JPN")
    assert to_jpn["status"] == "received", to_jpn
    jpn = holding_of(cast, "JPN", item_id)
    assert jpn is not None
    assert jpn["local_level"] == "秘"
    assert get_notice(cast["KOR"], sent.id).outstanding == ["JPN", "USA"]
    deliver(cast, "USA", "KOR")
    assert get_notice(cast["KOR"], sent.id).outstanding == ["JPN"]
    deliver(cast, "JPN", "KOR")
    done = get_notice(cast["KOR"], sent.id)
    assert done.outstanding == []
    assert {a["holder"]: a["level"] for a in done.acknowledged} == {
        "JPN": "秘",
        "USA": "CONFIDENTIAL",
    }


def test_a_third_nation_holder_refuses_a_notice_relayed_by_the_first_holder(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    onward.release_onward_to(cast["JPN"], cast.user("JPN", "tanaka"), holding_id, "USA", case_id)
    deliver(cast, "JPN", "USA")
    deliver(cast, "JPN", "KOR")
    # JPN's officer cannot re-mark KOR's item for USA either: refused at USA on receipt.
    jpn = cast["JPN"]
    document = {
        "notice": "JPN-notice-relayed",
        "item_id": item_id,
        "originator": "KOR",
        "change": "downgrade",
        "previous": "군사II급비밀",
        "level": "군사III급비밀",
        "effective": jpn.clock().isoformat(),
        "issued_at": jpn.clock().isoformat(),
        "issued_by": "tanaka",
        "via": ["JPN-USA-2007"],
    }
    with jpn.engine.begin() as conn:
        messages.send(
            conn,
            jpn,
            kind=Kind.CLASSIFICATION_NOTICE,
            peer="USA",
            document=document,
            now=jpn.clock(),
        )
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert "only the originator KOR" in answer["reason"]
    usa = holding_of(cast, "USA", item_id)
    assert usa is not None
    assert usa["local_level"] == "SECRET"
