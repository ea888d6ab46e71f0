"""Identifiers longer than their columns, on both databases: refused cleanly, never a crash.

SQLite does not enforce VARCHAR lengths; PostgreSQL does, so these only fail there.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.node.node_fixtures import LAUNCH, VALID, Cast, build_cast, sealed

from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import ITEM_HEADER
from gsomia.node import release, transfers
from gsomia.node.assembly import assemble
from gsomia.node.home import init_home
from gsomia.node.peers import add_peer
from gsomia.node.receive import receive_batch
from gsomia.node.release import RuleDraft
from gsomia.node.runtime import Node
from gsomia.seal.sealed import Plain
from gsomia.store.users import UserRecord, add_user


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    """Engines to dispose after the test, so no connection is left to the garbage collector."""
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def _on(database_url: str, tmp_path: Path, nation: str, name: str, engines: list[Engine]) -> Node:
    home = init_home(tmp_path / nation, nation, name, "pw-0123456789", database_url=database_url)
    node = assemble(home)
    engines.append(node.engine)
    node.migrate()
    return node


def test_a_long_item_id_is_answered_not_a_crash(
    database_url: str, tmp_path: Path, engines: list[Engine]
) -> None:
    cast: Cast = build_cast(tmp_path / "kor", ("KOR",), pin=False)
    kor = cast["KOR"]
    engines.append(kor.engine)
    jpn = _on(database_url, tmp_path, "JPN", "Japan MOD", engines)
    add_peer(kor, jpn.card.to_bytes(), "http://jpn.invalid")
    add_peer(jpn, kor.card.to_bytes(), "http://kor.invalid")
    item_id = cast.publish("KOR", "kim")
    label = copy.deepcopy(transfers.get_item(kor, item_id)["label"])
    long_id = "KOR-" + "x" * 80
    label["Id"] = long_id
    header = {
        "type": ITEM_HEADER,
        "label": label,
        "item": {
            "id": long_id,
            "title": "t",
            "agreement": "KOR-JPN-2016",
            "version": 1,
            "precedence": "ROUTINE",
        },
    }
    long = Plain("long-id", "item", header, b"x", "text/plain")
    [good] = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    document, accepted = receive_batch(jpn, "KOR", sealed(kor, jpn, long, good))
    answers = [e["answer"] for e in verify_answers(document, signer=jpn.card)]
    # Rejected or kept, either is an answer; what must not happen is losing the whole batch.
    assert answers[0]["status"] in ("received", "rejected")
    assert answers[1]["status"] == "received"
    assert item_id in [a.item.id for a in accepted]


def test_a_long_feed_name_makes_a_rule(
    database_url: str, tmp_path: Path, engines: list[Engine]
) -> None:
    kor = _on(database_url, tmp_path, "KOR", "ROK MND", engines)
    park = UserRecord("park", "KOR", "군사I급비밀", VALID, (LAUNCH,), ("officer",), True)
    with kor.engine.begin() as conn:
        add_user(conn, park, kor.clock(), kor.vault)
    draft = RuleDraft(
        feed="f" * 100,
        to_nations=("JPN",),
        ceiling="군사II급비밀",
        purpose=LAUNCH,
        valid_until=kor.clock() + timedelta(days=1),
    )
    assert release.set_release_rule(kor, park, draft) >= 1
