"""What this node holds, in the store on SQLite and PostgreSQL, and its one treaty mapping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from tests.store.store_fixtures import ENDS, NOW, SCHEMES, holding, label, later

from gsomia.errors import StoreDamaged
from gsomia.seal.at_rest import Vault
from gsomia.store import db, disposals, holdings
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import disposals as disposals_table
from gsomia.store.tables import held_cards
from gsomia.store.tables import holdings as holdings_table
from gsomia.treaty.classification import DECLASSIFIED, DeclassifiedHolding
from gsomia.treaty.listing import ListFilter

FIRST = holding("h1", "KOR-1")
SECOND = holding("h2", "KOR-2", received_at=later(1), precedence="ROUTINE")
THIRD = holding(
    "h3", "KOR-3", received_at=later(2), consent_id="c1", approved_purposes=("exercise",)
)


VAULT = Vault(bytes(range(32)))


def _opened(record: holdings.HoldingRecord | None) -> holdings.HoldingRecord:
    """The record with its envelope opened under its data key, as the fixtures wrote it."""
    assert record is not None
    assert record.data_key is not None  # every holding stored now has its own data key
    return replace(record, envelope=holdings.envelope_of(record, VAULT), data_key=None)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        holdings.add_all(conn, [FIRST, SECOND, THIRD], VAULT)
    yield engine
    engine.dispose()


def test_a_holding_is_found_by_its_id_or_its_items(engine: Engine) -> None:
    with engine.connect() as conn:
        assert _opened(holdings.get(conn, "h1", VAULT)) == FIRST
        assert _opened(holdings.get(conn, "KOR-3", VAULT)) == THIRD
        assert holdings.get(conn, "nothing", VAULT) is None
        row = holdings.get_row(conn, "KOR-1")
        assert row is not None
        assert _opened(holdings.from_row(row, VAULT)) == FIRST
        assert holdings.get_row(conn, "nothing") is None
        found = holdings.by_ids(conn, ["h1", "h3", "nothing"], VAULT)
        assert {k: _opened(v) for k, v in found.items()} == {"h1": FIRST, "h3": THIRD}
        assert holdings.ids_of_items(conn, ["KOR-2", "KOR-9"]) == {"KOR-2": "h2"}
        many = [f"KOR-{n}" for n in range(2, 100)]  # past the count asked straight
        assert holdings.ids_of_items(conn, many) == {"KOR-2": "h2", "KOR-3": "h3"}
        assert holdings.state_of(conn, "h2") == "held"
        assert holdings.state_of(conn, "nothing") is None


def test_lists_are_ordered_by_receipt(engine: Engine) -> None:
    with engine.begin() as conn:
        holdings.add_all(
            conn, [holding("h4", "KOR-1", envelope_id="e4", received_at=later(3))], VAULT
        )
    with engine.connect() as conn:
        assert [r.id for r in holdings.newest(conn, VAULT)] == ["h4", "h3", "h2", "h1"]
        assert [r.id for r in holdings.newest(conn, VAULT, 2)] == ["h4", "h3"]
        assert [r.id for r in holdings.newest_flash(conn, 2, VAULT)] == ["h4", "h3"]
        assert [r.id for r in holdings.of_item(conn, "KOR-1", VAULT)] == ["h1", "h4"]


def test_disposal_approval_and_remarking_are_recorded(engine: Engine) -> None:
    relabelled = label("KOR-1", marking="군사III급비밀")
    with engine.begin() as conn:
        holdings.empty(conn, "h1", "destroyed", VAULT)
        holdings.set_approved_purposes(conn, "h2", ["training", "exercise"], VAULT)
        holdings.remark(
            conn,
            "h3",
            local_level="秘",
            local_label={"marking": "秘"},
            original_label=relabelled,
            binding="signed",
            vault=VAULT,
        )
    with engine.connect() as conn:
        emptied, approved, remarked = (holdings.get(conn, h, VAULT) for h in ("h1", "h2", "h3"))
    assert emptied is not None
    assert (emptied.state, emptied.envelope, emptied.disposed) == ("destroyed", b"", True)
    assert approved is not None
    assert approved.approved_purposes == ("exercise", "training")
    assert remarked is not None
    assert (remarked.local_level, remarked.binding) == ("秘", "signed")
    assert remarked.original_label == relabelled


def test_a_row_selected_elsewhere_maps_to_the_same_record(engine: Engine) -> None:
    with engine.connect() as conn:
        query = holdings.whole().where(holdings_table.c.id == "h3")  # the card joined in
        assert _opened(holdings.from_row(conn.execute(query).mappings().one(), VAULT)) == THIRD


# The treaty's view ------------------------------------------------------------------------------


def test_to_holding_reads_both_markings_and_the_originators_terms() -> None:
    treaty = holdings.to_holding(THIRD, SCHEMES, "JPN")
    assert treaty.level == SCHEMES.parse("JPN", "極秘")
    assert treaty.item.level == SCHEMES.parse("KOR", "군사II급비밀")
    assert treaty.item.releasable_to == {"KOR", "JPN"}
    assert treaty.item.created_at == NOW
    assert {"NO REPRODUCTION", "ORCON"} <= treaty.item.caveats
    assert (treaty.item.copy_limit, treaty.item.purpose_ends) == (2, ENDS)
    assert (treaty.consent_id, treaty.approved_purposes) == ("c1", frozenset({"exercise"}))
    assert not treaty.destroyed
    assert holdings.to_holding(replace(THIRD, state="returned"), SCHEMES, "JPN").destroyed


@pytest.mark.parametrize("state", ["held", "destroyed"])
def test_to_readable_gives_a_declassified_holding_its_own_kind(state: str) -> None:
    declassified = replace(FIRST, local_level=DECLASSIFIED, state=state)
    assert holdings.to_readable(declassified, SCHEMES, "JPN") == DeclassifiedHolding(
        "h1", "KOR-1", disposed=state != "held"
    )
    assert holdings.to_readable(FIRST, SCHEMES, "JPN") == holdings.to_holding(FIRST, SCHEMES, "JPN")


def test_a_destruction_is_vacuumed_out_on_postgresql(engine: Engine) -> None:
    """VACUUM cannot run in a transaction: `db.vacuum` runs it in autocommit (a no-op on
    SQLite), and the emptied row reads back with neither envelope nor data key."""
    with engine.begin() as conn:
        holdings.empty(conn, "h2", "destroyed", VAULT)
    db.vacuum(engine)
    with engine.connect() as conn:
        emptied = holdings.get(conn, "h2", VAULT)
    assert emptied is not None
    assert (emptied.envelope, emptied.data_key) == (b"", None)


# Stored once -----------------------------------------------------------------------------------


def test_the_card_that_verified_holdings_is_stored_once(engine: Engine) -> None:
    """Three holdings verified by the same card keep one copy of it (ADR 0096); another card
    is a row of its own, and each holding reads its own card back."""
    other = holding("h9", "KOR-9", sender_card={"nation": "KOR", "rotated": True})
    with engine.begin() as conn:
        holdings.add_all(conn, [other], VAULT)
    with engine.connect() as conn:
        stored = conn.execute(select(held_cards.c.card)).scalars().all()
        assert sorted(stored, key=len) == [{"nation": "KOR"}, {"nation": "KOR", "rotated": True}]
        assert _opened(holdings.get(conn, "h9", VAULT)).sender_card == other.sender_card
        assert _opened(holdings.get(conn, "h2", VAULT)).sender_card == {"nation": "KOR"}


def test_a_card_stored_concurrently_is_kept_once(engine: Engine) -> None:
    """Two transactions storing holdings verified by the same new card both commit."""
    card = {"nation": "KOR", "new": 1}
    with engine.begin() as conn:
        holdings.add_all(conn, [holding("h5", "KOR-5", sender_card=card)], VAULT)
    with engine.begin() as conn:
        holdings.add_all(conn, [holding("h6", "KOR-6", sender_card=card)], VAULT)
    with engine.connect() as conn:
        digests = conn.execute(select(holdings_table.c.sender_card_digest)).scalars().all()
        assert digests.count(holdings.card_digest(card)) == 2
        assert len(conn.execute(select(held_cards)).all()) == 2


def _kept(engine: Engine, objects: dict[str, bytes]) -> None:
    """Holdings h5.. with the STIX objects `objects` (by id) kept, inserted as receipt does."""
    rows = []
    for n, (holding_id, obj) in enumerate(objects.items()):
        values = holdings._values(
            holding(holding_id, f"KOR-{holding_id}", envelope_id=f"e-{holding_id}")
        )
        rows.append({**values, "received_at": later(10 + n), "stix": obj})
    with engine.begin() as conn:
        holdings.insert_rows(conn, rows, VAULT)


def test_a_kept_stix_object_comes_with_its_row_when_small_and_is_completed_otherwise(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ADR 0124, on both backends: the scan's CASE expressions and the sealed column.
    small, large = b'{"type":"report"}', b'{"d":"' + b"x" * holdings.INLINE_BYTES + b'"}'
    _kept(engine, {"h5": small, "h6": large})

    def scanned() -> dict[str, tuple[holdings.HoldingRecord, int]]:
        with engine.connect() as conn:
            rows = holdings.collection_page(
                conn,
                VAULT,
                agreement_id="KOR-JPN-2016",
                purpose=FIRST.purpose,
                after=(later(9), ""),
                limit=10,
            )
        return {record.id: (record, size) for record, size in rows}

    rows = scanned()
    assert {k: size for k, (_, size) in rows.items()} == {
        "h5": len(small) + 31,
        "h6": len(large) + 31,
    }
    (five, _), (six, _) = rows["h5"], rows["h6"]
    assert five.title == six.title == ""  # left sealed: a page serves the kept object
    assert holdings.stix_of(five, VAULT) == small
    assert six.stix is None  # too large to come with the row: read after the decision
    with engine.connect() as conn:
        whole = holdings.completed(conn, [five, six], VAULT)
    assert holdings.stix_of(whole["h6"], VAULT) == large
    assert whole["h6"].envelope == b""  # the kept object is read, not the envelope
    monkeypatch.setattr(holdings, "INLINE_BYTES", 0)
    assert scanned()["h5"][0].stix is None
    with engine.begin() as conn:  # re-marking and destruction drop what was kept
        holdings.remark(
            conn,
            "h5",
            local_level="秘",
            local_label={"marking": "秘"},
            original_label=FIRST.original_label,
            binding=None,
            vault=VAULT,
        )
        holdings.empty(conn, "h6", "destroyed", VAULT)
    with engine.connect() as conn:
        after = holdings.completed(conn, [five, six], VAULT)
    assert (after["h5"].stix, after["h6"].stix) == (None, None)
    assert after["h5"].title == "DPRK launch track"  # rebuilt from the envelope: title opened


class _Captured:
    """A connection that keeps the statement it is given and returns no rows."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.statement: Any = None

    def execute(self, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
        self.statement = statement if params is None else statement.params(params)
        return []


@pytest.mark.parametrize(
    ("item_ids", "index"),
    [(None, "ix_holdings_collection"), (["KOR-1", "JPN-1"], "ix_holdings_item_id")],
)
def test_a_collection_page_for_some_items_finds_them_by_their_index(
    tmp_path: Path, item_ids: list[str] | None, index: str
) -> None:
    # One object by id (or `match[id]`) scanned the whole collection's index on SQLite,
    # filtering each row on its item id: 21-60 ms at 100 k stored against 10 ms at 10 k.
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    migrate(engine)
    captured = _Captured(engine)
    holdings.collection_page(
        captured,  # type: ignore[arg-type]
        VAULT,
        agreement_id="KOR-JPN-2016",
        purpose=FIRST.purpose,
        after=None,
        limit=1,
        item_ids=item_ids,
    )
    sql = str(captured.statement.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " ".join(str(row[3]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert f"USING INDEX {index} " in plan
    engine.dispose()


# The clear columns a decision reads, vouched for (ADR 0134) ------------------------------------


def _changed(engine: Engine, holding_id: str, **values: Any) -> None:
    """What an insider who may write the database (and holds no key) does: an UPDATE."""
    with engine.begin() as conn:
        conn.execute(
            update(holdings_table).where(holdings_table.c.id == holding_id).values(**values)
        )


def _every_read(engine: Engine, holding_id: str) -> None:
    """Each read of the store that gives a decision the holding `holding_id`."""
    with engine.connect() as conn:
        row = conn.execute(
            select(holdings_table.c.agreement_id, holdings_table.c.purpose).where(
                holdings_table.c.id == holding_id
            )
        ).one()
        reads: list[Callable[[], object]] = [
            lambda: holdings.get(conn, holding_id, VAULT),
            lambda: holdings.by_ids(conn, [holding_id], VAULT),
            lambda: holdings.newest(conn, VAULT),
            lambda: holdings.page(conn, VAULT, after=None, limit=10, where=ListFilter()),
            lambda: holdings.collection_page(
                conn,
                VAULT,
                agreement_id=row.agreement_id,
                purpose=row.purpose,
                after=None,
                limit=10,
            ),
        ]
        for read in reads:
            with pytest.raises(StoreDamaged, match=holding_id):
                read()


@pytest.mark.parametrize(
    "changed",
    [
        {"approved_purposes": ["exercise", "targeting"]},  # widens need-to-know (R13)
        {"consent_id": "c-forged"},  # an onward holding under a consent never given (R12)
        {"consent_id": None},
        {"agreement_id": "KOR-USA-2020"},  # into another agreement's TAXII collection
        {"agreement_version": 2},
        {"state": "destroyed"},  # gone from the inventory a visit is shown
        {"originator": "USA"},  # whose consent and approvals it takes
        {"item_id": "KOR-1"},
        {"sender": "USA"},
        {"precedence": "ROUTINE"},
        {"copies_made": 5},  # the copies made (R29): raised, past the limit (ADR 0140)
    ],
)
def test_a_decided_column_changed_in_clear_is_damage(
    engine: Engine, changed: dict[str, Any]
) -> None:
    """Found by the attack (ADR 0129, left alone; bound by ADR 0134): a holding's approved
    purposes, consent, agreement, state (and the rest of what `to_holding` takes) were kept in
    clear and vouched for by nothing; a writer of the database who added an approved purpose
    widened need-to-know. Each is now sealed where it is decided; a difference is damage on
    every read, on both backends."""
    _changed(engine, "h3", **changed)
    _every_read(engine, "h3")
    with engine.connect() as conn:  # the other holdings still read
        assert set(holdings.by_ids(conn, ["h1", "h2"], VAULT)) == {"h1", "h2"}


def test_a_destroyed_holding_set_back_to_held_is_damage(engine: Engine) -> None:
    with engine.begin() as conn:
        holdings.empty(conn, "h1", "destroyed", VAULT)
    _changed(engine, "h1", state="held")
    _every_read(engine, "h1")


def test_the_decided_columns_are_sealed_where_they_are_decided(engine: Engine) -> None:
    """An approval and a disposal write the column and its seal together, and each refuses a
    row whose columns no longer say what its seal says, instead of sealing the writer's value
    as the node's (ADR 0134)."""
    with engine.begin() as conn:
        holdings.set_approved_purposes(conn, "h2", ["training"], VAULT)
        holdings.empty(conn, "h3", "returned", VAULT)
    with engine.connect() as conn:
        approved, returned = holdings.get(conn, "h2", VAULT), holdings.get(conn, "h3", VAULT)
    assert approved is not None
    assert approved.approved_purposes == ("training",)
    assert returned is not None
    assert returned.state == "returned"
    _changed(engine, "h1", approved_purposes=["targeting"])
    with engine.begin() as conn, pytest.raises(StoreDamaged, match="h1"):
        holdings.set_approved_purposes(conn, "h1", ["targeting", "training"], VAULT)
    with engine.begin() as conn, pytest.raises(StoreDamaged, match="h1"):
        holdings.empty(conn, "h1", "destroyed", VAULT)


def test_holdings_from_before_are_vouched_for_once(engine: Engine) -> None:
    """A row stored before ADR 0134 has no seal of its columns: the node's one pass seals what
    they say (`bind_terms`), and from then on a row without one is damage."""
    _changed(engine, "h2", terms=None)
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="h2"):
        holdings.get(conn, "h2", VAULT)
    with engine.begin() as conn:
        assert holdings.bind_terms(conn, VAULT) == 1
        assert holdings.bind_terms(conn, VAULT) == 0
    with engine.connect() as conn:
        assert _opened(holdings.get(conn, "h2", VAULT)) == SECOND


def test_a_holdings_terms_moved_with_their_columns_onto_another_row_are_damage(
    engine: Engine,
) -> None:
    """Found held by the attack on ADR 0134 (ADR 0136): a writer of the database who moves
    another holding's sealed terms onto a row together with every column they say (h3's
    consent and approved purposes onto h1) leaves a seal made under the other row's metadata
    key: every read of h1 is damage, the originator's inventory too, and h3 still reads."""
    with engine.connect() as conn:
        source = conn.execute(
            select(
                holdings_table.c.terms, *(holdings_table.c[name] for name in holdings.DECIDED)
            ).where(holdings_table.c.id == "h3")
        ).one()
    moved = dict(source._mapping)
    del moved["item_id"]  # the item id is unique per holding here; the rest moves whole
    _changed(engine, "h1", **moved)
    _every_read(engine, "h1")
    with engine.connect() as conn:
        with pytest.raises(StoreDamaged, match="h1's sealed terms do not open as its own"):
            holdings.of_originator(conn, FIRST.originator, VAULT)
        assert set(holdings.by_ids(conn, ["h3"], VAULT)) == {"h3"}


@pytest.mark.parametrize("state", ["destroyed", "returned"])
def test_a_destroyed_holdings_row_put_back_whole_from_before_is_damage(
    engine: Engine, state: str
) -> None:
    """Found by the attack on ADR 0134, left by ADR 0136, fixed by ADR 0139: a writer of the
    database who kept h1's row from before its destruction or return (a backup, a dump) and
    writes it back whole, columns, sealed terms, envelope and wrapped data key together, had a
    holding the node read as held again, its content opening under the data key that still
    unwraps. Nothing in the row can tell its past from its present; its disposal's record,
    read beside it by every read, can."""
    with engine.connect() as conn:
        before = dict(
            conn.execute(select(holdings_table).where(holdings_table.c.id == "h1")).one()._mapping
        )
    with engine.begin() as conn:
        holdings.empty(conn, "h1", state, VAULT)
    with engine.connect() as conn:
        scanned = holdings.page(conn, VAULT, after=None, limit=10, where=ListFilter())
    del before["id"]
    _changed(engine, "h1", **before)
    _every_read(engine, "h1")
    with engine.connect() as conn:
        match = f"holding h1 reads as held but was {state}"
        with pytest.raises(StoreDamaged, match=match):
            holdings.completed(conn, scanned, VAULT)  # a TAXII page's second read
        with pytest.raises(StoreDamaged, match=match):
            holdings.of_originator(conn, FIRST.originator, VAULT)
        assert set(holdings.by_ids(conn, ["h2", "h3"], VAULT)) == {"h2", "h3"}  # the rest reads
    with engine.begin() as conn, pytest.raises(StoreDamaged, match=match):
        holdings.empty(conn, "h1", "destroyed", VAULT)  # never disposed of twice


def test_a_remarked_holdings_row_put_back_whole_from_before_is_damage(engine: Engine) -> None:
    """Left open by ADR 0139: a writer of the database who kept h3's row from before the
    originator's notice upgraded it (R14) writes it back whole: labels, level and kept STIX
    object of before, each seal opening, so readers cleared for the old marking read it. Now
    its terms seal its version, witnessed beside it (ADR 0146)."""
    with engine.connect() as conn:
        before = dict(
            conn.execute(select(holdings_table).where(holdings_table.c.id == "h3")).one()._mapping
        )
    with engine.begin() as conn:
        holdings.remark(
            conn,
            "h3",
            local_level="機密",
            local_label={"marking": "機密"},
            original_label=label("KOR-3", marking="군사I급비밀"),
            binding="signed",
            vault=VAULT,
        )
    del before["id"]
    _changed(engine, "h3", **before)
    with engine.connect() as conn, pytest.raises(StoreDamaged, match="h3"):
        holdings.get(conn, "h3", VAULT)


def test_a_disposal_record_saying_anything_but_the_rows_state_is_damage(engine: Engine) -> None:
    """The record is the node's, written once: one edited to say "held", or a state the
    row does not say, is damage too (`disposals.contradicted`)."""
    with engine.begin() as conn:
        holdings.empty(conn, "h1", "destroyed", VAULT)
    for said in ("held", "returned"):
        with engine.begin() as conn:
            conn.execute(update(disposals_table).values(state=said))
        with engine.connect() as conn, pytest.raises(StoreDamaged, match="h1 reads as destroyed"):
            holdings.get(conn, "h1", VAULT)


@pytest.mark.parametrize(
    ("state", "disposed", "contradicted"),
    [
        ("held", None, False),
        ("destroyed", None, False),  # from before the record (the migration records these)
        ("destroyed", "destroyed", False),
        ("returned", "returned", False),
        ("held", "destroyed", True),  # put back from before its destruction
        ("held", "returned", True),
        ("returned", "destroyed", True),
        ("destroyed", "returned", True),
        ("held", "held", True),  # no record the node writes
        ("destroyed", "held", True),
    ],
)
def test_a_row_contradicts_its_disposal_unless_it_says_that_disposal(
    state: str, disposed: str | None, contradicted: bool
) -> None:
    assert disposals.contradicted(state, disposed) is contradicted
