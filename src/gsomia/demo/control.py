"""Steps 6–8 of `gsomia demo`: after the item has left, its originator stays in control.

JPN may not give KOR's item to USA until KOR's officer consents (6); KOR downgrades it and every
holder re-marks (7); JPN reports a possible compromise, KOR hears at once, and the case closes
only with findings (8). Each step runs over the nodes' real APIs; `Story.check` records what
`--exit` verifies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rich.table import Table

from gsomia.demo.story import Story, console, refusal, step, until
from gsomia.demo.termination import termination_step
from gsomia.devnet import DevNet


def _holding(client: Any, item_id: str) -> dict[str, Any] | None:
    return next((h for h in client.holdings() if h["item_id"] == item_id), None)


def consent_step(net: DevNet, story: Story, item_id: str, holding_id: str) -> str | None:
    """Step 6: onward release to USA, refused without KOR's consent, allowed with it; USA's
    holding id, if it arrived."""
    tanaka = net.client("JPN", "tanaka")
    path = f"/api/v1/holdings/{holding_id}/onward"
    denied = refusal(lambda: tanaka.post(path, {"to": "USA", "consent_id": "none"}))
    console.print(f"  tanaka (JPN officer) passes it to USA without consent: [red]{denied}[/]")
    story.check("without KOR's consent JPN cannot give it to USA (R12)", bool(denied))
    consent_id = _consent_granted(net, story, holding_id)
    if consent_id is None:
        return None
    tanaka.post(path, {"to": "USA", "consent_id": consent_id})
    return _onward_to_usa(net, story, item_id)


def _consent_granted(net: DevNet, story: Story, holding_id: str) -> str | None:
    """JPN asks, KOR's officer grants, JPN holds the signed consent: its id."""
    park, tanaka = net.client("KOR", "park"), net.client("JPN", "tanaka")
    until_day = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    asked = tanaka.post(
        "/api/v1/consents",
        {
            "holding_id": holding_id,
            "recipient": "USA",
            "purpose": "missile-warning",
            "until": until_day,
        },
    )
    console.print(f"  tanaka asks KOR: consent [bold]{asked['id']}[/] for USA, missile-warning")
    request = until(
        lambda: next((c for c in park.get("/api/v1/consents") if c["id"] == asked["id"]), None)
    )
    story.check("the signed request reached KOR's officer", request is not None)
    if request is None:
        return None
    park.post(f"/api/v1/consents/{asked['id']}/grant", {})
    granted = until(lambda: tanaka.get(f"/api/v1/consents/{asked['id']}")["status"] == "granted")
    console.print(f"  park (KOR officer) grants it; JPN holds the signed consent: {bool(granted)}")
    story.check("KOR's signed consent reached JPN", bool(granted))
    return str(asked["id"])


def _onward_to_usa(net: DevNet, story: Story, item_id: str) -> str | None:
    """USA holds it, and KOR sees the whole path; USA's holding id."""
    park, smith = net.client("KOR", "park"), net.client("USA", "smith")
    usa = until(lambda: _holding(smith, item_id))
    if usa:
        console.print(
            f"  USA holds it marked [bold]{usa['marking']}[/] (KOR: {usa['original_marking']})"
        )
    story.check(
        "USA receives it, re-marked SECRET under JPN–USA",
        usa is not None and usa["marking"] == "SECRET",
    )
    chain = until(
        lambda: (
            (c := park.get(f"/api/v1/items/{item_id}/custody"))
            and "USA" in {t["to"] for t in c["transfers"]}
            and c
        )
    )
    if chain:
        table = Table("from", "to", "marked", "under", "consent")
        for t in chain["transfers"]:
            table.add_row(t["from"], t["to"], t["level"], t["basis"], t.get("consent_id") or "")
        console.print(table)
    story.check(
        "KOR sees every nation holding its item and the path: KOR → JPN → USA",
        chain is not None
        and {(t["from"], t["to"]) for t in chain["transfers"]} >= {("KOR", "JPN"), ("JPN", "USA")},
    )
    return str(usa["id"]) if usa else None


def downgrade_step(net: DevNet, story: Story, item_id: str, holding_id: str) -> None:
    """Step 7: only the originator changes the classification; every holder re-marks."""
    park, tanaka = net.client("KOR", "park"), net.client("JPN", "tanaka")
    suzuki, smith = net.client("JPN", "suzuki"), net.client("USA", "smith")
    denied = refusal(
        lambda: tanaka.post(
            f"/api/v1/holdings/{holding_id}/classification", {"change": "downgrade", "level": "秘"}
        )
    )
    console.print(f"  tanaka (JPN) downgrades KOR's item himself: [red]{denied}[/]")
    story.check("a holder cannot change the classification (R14)", bool(denied))

    notice = park.post(
        f"/api/v1/items/{item_id}/classification", {"change": "downgrade", "level": "군사III급비밀"}
    )
    console.print(
        f"  park (KOR) downgrades it to 군사III급비밀; notice to {', '.join(notice['holders'])}"
    )
    done = until(
        lambda: (n := park.get(f"/api/v1/notices/{notice['id']}")) and not n["outstanding"] and n
    )
    if done:
        table = Table("holder", "re-marked", "acknowledged")
        for ack in done["acknowledged"]:
            table.add_row(ack["holder"], ack["level"], ack["at"][:19])
        console.print(table)
    story.check(
        "the notice reached JPN and USA (reached by consent), and both acknowledged",
        done is not None and {a["holder"] for a in done["acknowledged"]} >= {"JPN", "USA"},
    )
    jpn, usa = _holding(tanaka, item_id), _holding(smith, item_id)
    story.check(
        "JPN re-marks it 秘 and USA CONFIDENTIAL",
        jpn is not None
        and usa is not None
        and (jpn["marking"], usa["marking"]) == ("秘", "CONFIDENTIAL"),
    )
    content = refusal(lambda: suzuki.read(holding_id))
    story.check("suzuki (秘), refused before, may now read it", not content)


def compromise_step(net: DevNet, story: Story, item_id: str, holding_id: str) -> None:
    """Step 8: a possible compromise reported in JPN reaches KOR at once; closing needs findings."""
    park, sato, tanaka = (
        net.client("KOR", "park"),
        net.client("JPN", "sato"),
        net.client("JPN", "tanaka"),
    )
    case = sato.post(
        "/api/v1/compromises",
        {
            "holding_id": holding_id,
            "description": "printout left in an unlocked briefing room",
            "actual": False,
        },
    )
    console.print(f"  sato (JPN) reports a possible compromise: case [bold]{case['id']}[/]")
    at_kor = until(
        lambda: next((c for c in park.get("/api/v1/compromises") if c["item_id"] == item_id), None)
    )
    reported = until(
        lambda: (c := tanaka.get(f"/api/v1/compromises/{case['id']}")).get("notified_at") and c
    )
    if reported:
        console.print(
            f"  KOR notified at FLASH {reported['notification_seconds']:.2f} s after the report "
            f"(limit {reported['sla_seconds']:.0f} s)"
        )
    story.check("KOR's node holds the report at once (FLASH)", bool(at_kor) and bool(reported))
    early = refusal(lambda: tanaka.post(f"/api/v1/compromises/{case['id']}/close", {}))
    console.print(f"  tanaka closes it before sending findings: [red]{early}[/]")
    story.check("the case cannot close before findings reach KOR (R37)", bool(early))
    tanaka.post(
        f"/api/v1/compromises/{case['id']}/findings",
        {
            "result": "no evidence of disclosure; room was guarded",
            "measures": "clear-desk checks at shift change",
        },
    )
    closed = until(
        lambda: not refusal(lambda: tanaka.post(f"/api/v1/compromises/{case['id']}/close", {}))
    )
    story.check("with the findings at KOR, the case closes", bool(closed))


def originator_in_control(net: DevNet, story: Story, item_id: str, holding_id: str) -> None:
    """Steps 6–9, on JPN's holding `holding_id` of KOR's item `item_id`."""
    step(6, "JPN may not give it to USA, unless KOR consents")
    consent_step(net, story, item_id, holding_id)
    step(7, "KOR downgrades it; every holder re-marks and acknowledges")
    downgrade_step(net, story, item_id, holding_id)
    step(8, "JPN reports a possible compromise; KOR hears at once")
    compromise_step(net, story, item_id, holding_id)
    step(9, "KOR gives notice of termination; what was exchanged stays protected")
    termination_step(net, story, holding_id)
