"""Destruction and return of JPN's holdings of KOR items, and reads after them (R13, R18, R31, R32).

JPN's people are those of `node_fixtures.PEOPLE`: tanaka the officer (機密), sato (極秘) and
suzuki (秘) analysts. A 군사II급비밀 item is held at 極秘 (SECRET-equivalent: two officials), a
군사III급비밀 item at 秘 (one official suffices).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.node.custody_fixtures import database_bytes, holding_row, provide
from tests.node.node_fixtures import Cast

from gsomia.errors import NotFound, PolicyDenied, VerificationError
from gsomia.exchange import outbox
from gsomia.node import read
from gsomia.node.control import derivatives, disposal, messages
from gsomia.node.control.copies import make_copies, translate
from gsomia.store import holdings as holdings_repo
from gsomia.store.holdings import envelope_of
from gsomia.store.tables import copies, destructions, transfers

CONFIDENTIAL = "군사III급비밀"


def _destroy(cast: Cast, holding_id: str, **fields: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "method": "shredding",
        "officials": ["tanaka", "sato"],
        "witnesses": ["yamada"],
        **fields,
    }
    return disposal.destroy(cast["JPN"], cast.user("JPN", "tanaka"), holding_id, **args)


def _records(cast: Cast, holding_id: str) -> list[dict[str, object]]:
    with cast["JPN"].engine.connect() as conn:
        rows = conn.execute(select(destructions).where(destructions.c.subject_id == holding_id))
        return [dict(r._mapping) for r in rows]


def test_destruction_is_recorded_the_content_is_gone_and_every_read_is_refused(
    cast: Cast,
) -> None:
    held = provide(cast, content=b"track D: 38.9N 125.1E")
    envelope = holding_row(cast, held)["envelope"]
    assert read.read_holding(cast["JPN"], cast.user("JPN", "sato"), held)[1].startswith(b"track D")
    record = _destroy(cast, held)
    assert record["method"] == "cross-cut shredding"
    assert (record["officials"], record["witnesses"]) == (["tanaka", "sato"], ["yamada"])
    [row] = _records(cast, held)
    assert (row["recorded_by"], row["officials"], row["witnesses"]) == (
        "tanaka",
        ["tanaka", "sato"],
        ["yamada"],
    )
    stored = holding_row(cast, held)
    assert (stored["state"], stored["envelope"]) == ("destroyed", b"")
    # Irrecoverable from the store: no stretch of the sealed envelope is left in the files.
    assert envelope[200:264] not in database_bytes(cast, "JPN")
    for reader in ("sato", "tanaka"):
        with pytest.raises(PolicyDenied, match="destroyed") as caught:
            read.read_holding(cast["JPN"], cast.user("JPN", reader), held)
        assert caught.value.article == "Art. 13"
    logged = [e for e in cast.log("JPN", held) if e["action"] == "destroy"]
    assert [(e["actor"], e["allowed"]) for e in logged] == [("tanaka", True)]


def test_a_holding_is_destroyed_once(cast: Cast) -> None:
    held = provide(cast)
    _destroy(cast, held)
    with pytest.raises(PolicyDenied, match="already destroyed"):
        _destroy(cast, held)
    assert len(_records(cast, held)) == 1


def test_secret_equivalent_needs_two_officials(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(PolicyDenied, match="needs two officials") as caught:
        _destroy(cast, held, officials=["tanaka"])
    assert caught.value.article == "Art. 13"
    assert holding_row(cast, held)["state"] == "held"
    assert _records(cast, held) == []
    refusal = [e for e in cast.log("JPN", held) if e["action"] == "destroy"][-1]
    assert (refusal["allowed"], refusal["article"]) == (False, "Art. 13 R31")


def test_one_official_suffices_below_secret(cast: Cast) -> None:
    held = provide(cast, level=CONFIDENTIAL)
    record = _destroy(cast, held, officials=["tanaka"], witnesses=[])
    assert record["officials"] == ["tanaka"]
    assert holding_row(cast, held)["state"] == "destroyed"


def test_an_official_not_cleared_for_the_level_cannot_execute_it(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(PolicyDenied, match="suzuki is not a registered JPN official cleared"):
        _destroy(cast, held, officials=["tanaka", "suzuki"])
    assert holding_row(cast, held)["state"] == "held"


def test_an_unknown_official_is_named(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(NotFound, match="nobody"):
        _destroy(cast, held, officials=["tanaka", "nobody"])


def test_only_an_officer_records_a_destruction(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(PolicyDenied, match="needs the role"):
        disposal.destroy(
            cast["JPN"],
            cast.user("JPN", "sato"),
            held,
            method="burning",
            officials=["tanaka", "sato"],
        )
    assert holding_row(cast, held)["state"] == "held"


def test_an_unknown_method_is_refused_with_the_choices(cast: Cast) -> None:
    held = provide(cast)
    with pytest.raises(Exception, match="unknown destruction method") as caught:
        _destroy(cast, held, method="forgetting")
    assert "burning" in str(caught.value.hint)  # type: ignore[attr-defined]


def test_copies_are_destroyed_with_the_holding_or_block_it(cast: Cast) -> None:
    held = provide(cast)
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    [copy] = make_copies(jpn, sato, held)
    translation = translate(
        jpn,
        sato,
        held,
        translator="sato",
        language="ja",
        source_language="ko",
        content="航跡",
    )
    derivative = derivatives.derive(jpn, sato, [held], kind="summary", title="t", content="要約")
    # Without their disposition the destruction is refused and names them (R32).
    with pytest.raises(PolicyDenied, match="without disposition") as caught:
        _destroy(cast, held)
    for made in (copy, translation, derivative):
        assert made.id in caught.value.message
    assert holding_row(cast, held)["state"] == "held"
    # Destroying the holding with them covers all three.
    record = _destroy(cast, held, dispose_dependants=True)
    assert set(record["covers"]) == {copy.id, translation.id, derivative.id}
    with jpn.engine.connect() as conn:
        rows = conn.execute(select(copies).where(copies.c.id.in_(record["covers"]))).all()
    assert {(r.state, r.content or b"") for r in rows} == {("destroyed", b"")}
    for made in (copy, translation, derivative):
        assert [r["subject_kind"] for r in _records(cast, made.id)] == ["copy"]


def test_reads_are_suspended_once_the_purpose_ends_until_disposal(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    now = jpn.clock()
    ended = provide(cast, terms={"purpose_ends": now + timedelta(days=1)})
    running = provide(cast, terms={"purpose_ends": now + timedelta(days=30)})
    assert read.read_holding(jpn, sato, ended)[2].allowed  # until its purpose ends
    # Two days on, at JPN: the first purpose has ended, the second runs.
    monkeypatch.setattr(jpn, "clock", lambda: now + timedelta(days=2))
    assert read.read_holding(jpn, sato, running)[2].allowed
    with pytest.raises(PolicyDenied, match=r"purpose of .* ended") as caught:
        read.read_holding(jpn, sato, ended)
    assert caught.value.article == "Art. 6(h)"
    assert "R18" in caught.value.message
    # It can still be disposed of, and then it is refused as destroyed.
    _destroy(cast, ended)
    with pytest.raises(PolicyDenied, match="destroyed"):
        read.read_holding(jpn, sato, ended)


def test_copies_are_refused_once_the_purpose_ends(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    now = jpn.clock()
    ended = provide(cast, terms={"purpose_ends": now + timedelta(days=1)})
    assert make_copies(jpn, sato, ended)  # until its purpose ends
    monkeypatch.setattr(jpn, "clock", lambda: now + timedelta(days=2))
    with pytest.raises(PolicyDenied, match=r"purpose of .* ended") as caught:
        make_copies(jpn, sato, ended)
    assert (caught.value.article, "R18" in caught.value.message) == ("Art. 6(h)", True)


def test_a_new_purpose_needs_the_originators_approval(cast: Cast) -> None:
    held = provide(cast)
    jpn, sato = cast["JPN"], cast.user("JPN", "sato")
    assert read.read_holding(jpn, sato, held, purpose="missile-warning")[2].allowed
    with pytest.raises(PolicyDenied, match="originator has not approved") as caught:
        read.read_holding(jpn, sato, held, purpose="exercise-planning")
    assert "R13" in caught.value.message
    # The approval, as the purpose workflow records it (sealed with the holding's terms: one
    # written in the column alone is damage, ADR 0134), is honoured.
    with jpn.engine.begin() as conn:
        holdings_repo.set_approved_purposes(conn, held, ["exercise-planning"], jpn.vault)
    assert read.read_holding(jpn, sato, held, purpose="exercise-planning")[2].allowed


# Return to the originator (R18) ---------------------------------------------------------------


def test_a_holding_goes_back_to_its_originator_who_records_it(cast: Cast) -> None:
    held = provide(cast)
    jpn, kor = cast["JPN"], cast["KOR"]
    item_id = holding_row(cast, held)["item_id"]
    result = disposal.return_holding(jpn, cast.user("JPN", "tanaka"), held)
    assert (result["to"], result["state"]) == ("KOR", "returned")
    stored = holding_row(cast, held)
    assert (stored["state"], stored["envelope"]) == ("returned", b"")
    with pytest.raises(PolicyDenied, match="destroyed"):
        read.read_holding(jpn, cast.user("JPN", "sato"), held)
    with jpn.engine.begin() as conn:
        queued = [p for p in outbox.due(conn, jpn.clock(), 1000) if p.kind == "return_notice"]
    assert [p.item_id for p in queued] == [item_id]
    cast.deliver("JPN", "KOR")
    with kor.engine.connect() as conn:
        back = conn.execute(
            select(transfers).where(transfers.c.item_id == item_id, transfers.c.to_nation == "KOR")
        ).one()
    assert (back.from_nation, back.message_id, back.reported_by) == (
        "JPN",
        result["message_id"],
        "JPN",
    )
    received = [e for e in cast.log("KOR", item_id) if e["action"] == "receive:return_notice"]
    assert [e["allowed"] for e in received] == [True]
    with pytest.raises(PolicyDenied, match="already destroyed or returned"):
        disposal.return_holding(jpn, cast.user("JPN", "tanaka"), held)


def test_a_return_leaving_copies_without_disposition_is_refused(cast: Cast) -> None:
    held = provide(cast)
    jpn = cast["JPN"]
    [copy] = make_copies(jpn, cast.user("JPN", "sato"), held)
    with pytest.raises(PolicyDenied, match="without disposition") as caught:
        disposal.return_holding(jpn, cast.user("JPN", "tanaka"), held)
    assert copy.id in caught.value.message
    assert holding_row(cast, held)["state"] == "held"
    disposal.return_holding(jpn, cast.user("JPN", "tanaka"), held, dispose_dependants=True)
    with jpn.engine.connect() as conn:
        state = conn.execute(select(copies.c.state).where(copies.c.id == copy.id)).scalar_one()
    assert state == "returned"


def test_the_originator_refuses_a_return_of_what_it_never_provided(cast: Cast) -> None:
    jpn, kor = cast["JPN"], cast["KOR"]
    now = jpn.clock()
    own = cast.publish("KOR", "kim")  # published, never released to JPN
    with jpn.engine.begin() as conn:
        messages.send(
            conn,
            jpn,
            kind=disposal.RETURN_NOTICE,
            peer="KOR",
            document={
                "record": "r",
                "item_id": own,
                "holding_id": "h",
                "agreement": "KOR-JPN-2016",
                "returned_at": now.isoformat(),
                "by": "tanaka",
                "covers": [],
            },
            item_id=own,
            now=now,
        )
    cast.deliver("JPN", "KOR")
    [entry] = [e for e in cast.log("KOR", own) if e["action"] == "receive:return_notice"]
    assert (entry["allowed"], entry["article"]) == (False, "Art. 6(h) R18")
    with kor.engine.connect() as conn:
        assert conn.execute(select(transfers).where(transfers.c.item_id == own)).all() == []


def test_destruction_erases_the_data_key_so_the_ciphertext_never_opens_even_with_the_kek(
    cast: Cast,
) -> None:
    """Crypto-erasure (ADR 0075): a copy of the sealed envelope kept anywhere (a backup, a
    dead PostgreSQL row version) opens under no key the node still has."""
    held = provide(cast, content=b"track E: 39.0N 125.7E")
    jpn = cast["JPN"]
    before = holding_row(cast, held)
    assert before["data_key"] is not None
    with jpn.engine.connect() as conn:
        kept = holdings_repo.get(
            conn, held, jpn.vault
        )  # what a thief copied before the destruction
    assert kept is not None
    assert b"track E" not in kept.envelope  # sealed at rest under the holding's data key
    assert envelope_of(kept, jpn.vault)  # opens today, with the KEK and the data key
    _destroy(cast, held)
    after = holding_row(cast, held)
    assert (after["data_key"], after["envelope"]) == (None, b"")
    assert before["data_key"] not in database_bytes(cast, "JPN")  # gone from the files
    with pytest.raises(VerificationError, match="erased"):
        envelope_of(replace(kept, data_key=after["data_key"]), jpn.vault)
