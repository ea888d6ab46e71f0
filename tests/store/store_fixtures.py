"""Records for the repository tests: KOR's item on KOR's node and JPN's holding of it, and
JPN's people with their passwords."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from gsomia.labels import (
    TAG_COPY_LIMIT,
    TAG_HANDLING,
    TAG_PURPOSE_ENDS,
    label_from_obj,
    label_to_obj,
    make_alternative,
    make_label,
    national_policy,
)
from gsomia.seal.at_rest import Vault
from gsomia.store.holdings import HoldingRecord
from gsomia.store.items import ItemRecord
from gsomia.store.users import UserRecord, add_user
from gsomia.treaty.schemes import load_schemes

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
ENDS = datetime(2027, 6, 30, tzinfo=UTC)
SCHEMES = load_schemes()
PURPOSE = "missile-warning"
KIM = UserRecord("kim", "KOR", "군사II급비밀", date(2099, 1, 1), (PURPOSE,), ("analyst",), True)
PARK = UserRecord("park", "KOR", "군사I급비밀", date(2099, 1, 1), (PURPOSE,), ("officer",), True)


def _effective(nation: str, at: datetime = NOW) -> date:
    return SCHEMES.scheme(nation, at=at.date()).effective or at.date()


def label(
    item_id: str,
    nation: str = "KOR",
    marking: str = "군사II급비밀",
    *,
    terms: Mapping[str, Iterable[str]] | None = None,
    at: datetime = NOW,
    purpose: str = PURPOSE,
) -> dict[str, Any]:
    return label_to_obj(
        make_label(
            policy=national_policy(nation, _effective(nation, at)),
            classification=marking,
            originator=nation,
            created_at=at,
            releasable_to=("KOR", "JPN"),
            caveats=("ORCON",),
            purposes=(purpose,),
            informative=terms,
            label_id=item_id,
        )
    )


TERMS = {
    TAG_HANDLING: ("NO REPRODUCTION",),
    TAG_COPY_LIMIT: ("2",),
    TAG_PURPOSE_ENDS: (ENDS.isoformat(),),
}


def item(item_id: str, **fields: Any) -> ItemRecord:
    """A KOR item, published by kim `fields.get("created_at", NOW)`."""
    values: dict[str, Any] = {
        "id": item_id,
        "title": "DPRK launch track",
        "originator": "KOR",
        "level": "군사II급비밀",
        "releasable_to": ("JPN",),
        "purpose": PURPOSE,
        "precedence": "FLASH",
        "caveats": ("ORCON",),
        "feed": None,
        "media_type": "text/plain; charset=utf-8",
        "content": b"track 1",
        "label": label(item_id, terms=TERMS),
        "author": "kim",
        "created_at": NOW,
        "state": "draft",
    } | fields
    return ItemRecord(**values)


def holding(holding_id: str, item_id: str, **fields: Any) -> HoldingRecord:
    """JPN's holding of a KOR item, received `fields.get("received_at", NOW)`; its labels say
    the purpose and local level it is given (a read checks them against the columns)."""
    original = label(item_id, terms=TERMS, purpose=fields.get("purpose", PURPOSE))
    values: dict[str, Any] = {
        "id": holding_id,
        "envelope_id": f"env-{holding_id}",
        "item_id": item_id,
        "originator": "KOR",
        "sender": "KOR",
        "agreement_id": "KOR-JPN-2016",
        "agreement_version": 1,
        "title": "DPRK launch track",
        "original_label": original,
        "local_label": label_to_obj(
            make_alternative(
                label_from_obj(original),
                policy=national_policy("JPN", _effective("JPN")),
                classification=fields.get("local_level", "極秘"),
                originator="JPN",
                created_at=NOW,
            )
        ),
        "local_level": "極秘",
        "purpose": PURPOSE,
        "precedence": "FLASH",
        "media_type": "text/plain; charset=utf-8",
        "envelope": b"sealed",
        "sender_card": {"nation": "KOR"},
        "received_at": NOW,
        "state": "held",
    } | fields
    return HoldingRecord(**values)


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


#: The storage key of the tests that seal people and their credentials (a node's comes from
#: its KEK).
VAULT = Vault(bytes(range(32)))
#: The password of each person `with_people` keeps.
PASSWORD = "correct horse battery staple"
SATO = UserRecord("sato", "JPN", "極秘", date(2030, 1, 1), ("missile-warning",), ("officer",), True)


def with_people(engine: Engine, people: Iterable[UserRecord], at: datetime) -> Engine:
    """`engine` (the conftest's: migrated, on each backend) keeping `people`, each added `at`
    with the password `PASSWORD`, sealed under `VAULT`."""
    with engine.begin() as conn:
        for person in people:
            add_user(conn, person, at, VAULT, password=PASSWORD)
    return engine
