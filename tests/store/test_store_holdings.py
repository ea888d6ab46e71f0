"""What this node holds, in the store on SQLite and PostgreSQL, and its one treaty mapping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.store.store_fixtures import ENDS, NOW, SCHEMES, holding, label, later

from gsomia.seal.at_rest import Vault
from gsomia.store import db, holdings
from gsomia.store.db import make_engine, migrate
from gsomia.store.tables import held_cards
from gsomia.store.tables import holdings as holdings_table
from gsomia.treaty.classification import DECLASSIFIED, DeclassifiedHolding

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
        holdings.empty(conn, "h1", "destroyed")
        holdings.set_approved_purposes(conn, "h2", ["training", "exercise"])
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
        holdings.empty(conn, "h2", "destroyed")
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
        holdings.empty(conn, "h6", "destroyed")
    with engine.connect() as conn:
        after = holdings.completed(conn, [five, six], VAULT)
    assert (after["h5"].stix, after["h6"].stix) == (None, None)
    assert after["h5"].title == "DPRK launch track"  # rebuilt from the envelope: title opened


class _Captured:
    """A connection that keeps the statement it is given and returns no rows."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self.statement: Any = None

    def execute(self, statement: Any) -> list[Any]:
        self.statement = statement
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
