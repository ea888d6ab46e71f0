"""Standing release rules in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from tests.store.store_fixtures import KIM, NOW, PARK, PURPOSE, later

from gsomia.seal.at_rest import Vault
from gsomia.store import release_rules
from gsomia.store.db import make_engine, migrate
from gsomia.store.release_rules import ReleaseRuleRecord
from gsomia.store.users import add_user

VAULT = Vault(bytes(range(32)))  # a node's key-encryption key, for its people's terms


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        add_user(conn, KIM, NOW, VAULT)
        add_user(conn, PARK, NOW, VAULT)
    yield engine
    engine.dispose()


def _add(engine: Engine, feed: str, ends: int, nations: tuple[str, ...] = ("JPN",)) -> int:
    with engine.begin() as conn:
        return release_rules.add(
            conn,
            feed=feed,
            to_nations=nations,
            max_level="군사II급비밀",
            purpose=PURPOSE,
            officer="park",
            created_at=NOW,
            expires_at=later(ends),
        )


def test_rules_in_force_are_those_of_the_feed_not_yet_ended(engine: Engine) -> None:
    first = _add(engine, "dprk", 60, ("JPN", "USA"))
    _add(engine, "dprk", 1)
    third = _add(engine, "dprk", 120)
    _add(engine, "other", 60)
    assert first < third
    with engine.connect() as conn:
        found = release_rules.unexpired(conn, "dprk", later(30))
        assert release_rules.unexpired(conn, "nothing", NOW) == []
    assert [rule.id for rule in found] == [first, third]
    assert found[0] == ReleaseRuleRecord(
        first, "dprk", ("JPN", "USA"), "군사II급비밀", PURPOSE, "park", NOW, later(60)
    )
