"""Step 10 of `gsomia demo`: by courier across an air gap (R27).

JPN's node goes off the network. A KOR officer writes what is queued for JPN into a bundle
(`gsomia bundle export`), a courier carries it, and JPN's officer takes it in on the
disconnected node (`gsomia bundle import`) through the same checks as the online path,
writing a signed receipt; taken in twice, it changes nothing. JPN comes back, and KOR's
officer takes the receipt in, which settles the dispatch and the transfer. The bundle
commands run on each node's own machine, so the story calls the same node functions here.
"""

from __future__ import annotations

from gsomia.demo.story import Story, console, step, until
from gsomia.devnet import DevNet
from gsomia.node import courier
from gsomia.node.users import get_user

COURIER = "diplomatic courier, 2nd Secretary Lee"


def courier_step(net: DevNet, story: Story) -> None:
    """Step 10: a bundle from KOR to an air-gapped JPN, and its receipt back."""
    step(10, "By courier across an air gap: a bundle out, a receipt back (R27)")
    net.stop("JPN")
    console.print("  JPN's node is off the network; what KOR releases for it waits")
    kim, park = net.client("KOR", "kim"), net.client("KOR", "park")
    item_id = kim.publish(
        title="Mine-laying survey, East Sea",
        level="군사III급비밀",
        releasable_to=["JPN"],
        purpose="missile-warning",
        precedence="ROUTINE",
        text="Survey of suspected mine-laying, grid 38N 129E.",
    )
    park.release(item_id)
    kor, jpn = net.node("KOR"), net.node("JPN")
    out, back = net.workdir / "kor-to-jpn.bundle", net.workdir / "jpn-receipt.bundle"
    sent = courier.export_bundle(
        kor, get_user(kor, "park"), to="JPN", path=out, channel="diplomatic-courier",
        courier=COURIER, item_ids=[item_id],
    )  # fmt: skip
    console.print(
        f"  gsomia bundle export --to JPN --items {item_id[:8]}… → dispatch "
        f"[bold]{sent['dispatch']}[/], {sent['bytes']:,} bytes, "
        f"receipt due {sent['receipt_due'][:10]}"
    )
    taken = courier.import_bundle(jpn, get_user(jpn, "tanaka"), out, receipt=back)
    again = courier.import_bundle(jpn, get_user(jpn, "tanaka"), out, receipt=back)
    console.print(
        f"  JPN: gsomia bundle import → {taken['answers']}; taken in again: "
        f"{'no change' if not again['first_time'] else 'applied twice!'}"
    )
    story.check(
        "JPN took the bundle in through the online path's checks, once only",
        taken["answers"] == {"received": 1} and not again["first_time"],
    )
    net.start("JPN")
    settled = courier.import_bundle(kor, get_user(kor, "park"), back)
    console.print(f"  KOR: receipt of {settled['dispatch']} taken in → {settled['answers']}")
    transfer = until(
        lambda: [t for t in park.transfers() if t["item_id"] == item_id and t["state"] != "queued"]
    )
    held = [h for h in net.client("JPN", "sato").holdings() if h["item_id"] == item_id]
    story.check(
        "JPN's signed receipt settled the dispatch and the transfer; JPN marks it 秘",
        settled["answers"] == {"received": 1}
        and bool(transfer)
        and [t["state"] for t in transfer or []] == ["received"]
        and bool(held)
        and held[0]["marking"] == "秘",
    )
