"""A holding destroyed through a real node's API, then put back whole from before with SQL by
whoever may write its database (ADR 0139): the node's API refuses to read it, naming it, and
`gsomia audit verify`, run as an auditor would, names it from the log once the writer took
the disposal's record away too."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update
from tests.integration.conftest import MakeNet

from gsomia.devnet import DevNet
from gsomia.errors import Error
from gsomia.node.assembly import assemble
from gsomia.node.home import load_home
from gsomia.node.runtime import Node
from gsomia.node.taxii import collection_id
from gsomia.store.tables import disposals, holdings, row_versions

pytestmark = pytest.mark.integration

AGREEMENT, PURPOSE = "KOR-JPN-2016", "missile-warning"
TAXII = "application/taxii+json;version=2.1"


def _jpn(net: DevNet) -> Node:
    return assemble(load_home(net.nodes["JPN"].home, net.passphrase))


def _held(net: DevNet) -> str:
    """An item KOR publishes and releases to JPN; JPN's holding of it, once delivered."""
    kim = net.client("KOR", "kim")
    item = kim.publish(
        title="track R",
        level="군사III급비밀",
        releasable_to=["JPN"],
        purpose=PURPOSE,
        text="report R",
    )
    net.client("KOR", "park").release(item)
    sato = net.client("JPN", "sato")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = [h["id"] for h in sato.holdings() if h["item_id"] == item]
        if found:
            return str(found[0])
        time.sleep(0.2)
    pytest.fail("JPN never held the item")


def test_a_destroyed_holding_put_back_with_sql_is_refused_and_named_by_verify(
    make_net: MakeNet,
) -> None:
    net = make_net(("KOR", "JPN"))
    net.start_all()
    held = _held(net)
    sato, tanaka = net.client("JPN", "sato"), net.client("JPN", "tanaka")
    assert sato.read(held, purpose="missile-warning")[0] == b"report R"
    jpn = _jpn(net)
    try:
        with jpn.engine.connect() as conn:
            row = conn.execute(select(holdings).where(holdings.c.id == held)).one()
        before: dict[str, Any] = dict(row._mapping)
        destroyed = tanaka.post(
            f"/api/v1/holdings/{held}/destroy", {"method": "burning", "officials": ["tanaka"]}
        )
        assert destroyed["state"] == "destroyed"
        with jpn.engine.begin() as conn:
            conn.execute(update(holdings).where(holdings.c.id == held).values(**before))
        for read in (
            lambda: sato.read(held, purpose="missile-warning"),
            lambda: sato.holding(held),
            sato.holdings,
        ):
            with pytest.raises(Error, match=f"holding {held} reads as held but was destroyed"):
                read()
        # A partner's tool paging the collection over TAXII is refused too, not handed it.
        proc = net.nodes["JPN"]
        collection = collection_id(AGREEMENT, PURPOSE)
        objects = f"{proc.url}/taxii2/{AGREEMENT}/collections/{collection}/objects/"
        headers = {"Authorization": f"Bearer {proc.tokens['sato']}", "Accept": TAXII}
        verify = True if proc.cacert is None else str(proc.cacert)
        with httpx.Client(verify=verify, timeout=30) as http:
            answer = http.get(objects, headers=headers)
        assert answer.status_code == 500, answer.text
        assert f"holding {held} reads as held but was destroyed" in answer.text
        with jpn.engine.begin() as conn:
            conn.execute(delete(disposals))
    finally:
        jpn.engine.dispose()
    verified = subprocess.run(
        [sys.executable, "-m", "gsomia", "audit", "verify", "--home", str(net.nodes["JPN"].home)],
        env=net.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 74, verified.stdout + verified.stderr  # StoreDamaged
    said = " ".join(verified.stderr.split())
    assert f"{held} (reads as held, logged destroyed)" in said, verified.stderr


def test_a_remarked_holding_put_back_with_its_witness_is_named_by_verify(
    make_net: MakeNet,
) -> None:
    """KOR upgrades an item JPN holds (R14); a writer of JPN's database puts the holding's
    row back from before with SQL and deletes its `row_versions` witness: every read takes
    the old, lower marking (left for the reads), and `gsomia audit verify` names it from the
    marking and version the log says the re-marking left (ADR 0151)."""
    net = make_net(("KOR", "JPN"))
    net.start_all()
    held = _held(net)
    sato, park = net.client("JPN", "sato"), net.client("KOR", "park")
    assert sato.holding(held)["marking"] == "秘"
    jpn = _jpn(net)
    try:
        with jpn.engine.connect() as conn:
            row = conn.execute(select(holdings).where(holdings.c.id == held)).one()
        before: dict[str, Any] = dict(row._mapping)
        park.post(
            f"/api/v1/items/{before['item_id']}/classification",
            {"change": "upgrade", "level": "군사II급비밀"},
        )
        deadline = time.monotonic() + 60
        while sato.holding(held)["marking"] != "極秘":
            if time.monotonic() > deadline:
                pytest.fail("JPN never re-marked the holding")
            time.sleep(0.2)
        with jpn.engine.begin() as conn:
            conn.execute(update(holdings).where(holdings.c.id == held).values(**before))
            conn.execute(delete(row_versions).where(row_versions.c.subject_id == held))
        assert sato.holding(held)["marking"] == "秘"  # the reads cannot tell
    finally:
        jpn.engine.dispose()
    verified = subprocess.run(
        [sys.executable, "-m", "gsomia", "audit", "verify", "--home", str(net.nodes["JPN"].home)],
        env=net.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 74, verified.stdout + verified.stderr  # StoreDamaged
    said = " ".join(verified.stderr.split())
    assert f"holding {held} (marked 秘, logged 極秘; version 0, logged 1)" in said, said
