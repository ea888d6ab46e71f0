"""Found by the attack: two small holes at the edges of the credentials.

* HTTP Basic credentials to the TAXII server with a name of thousands of characters: each
  failure stored the whole name as a row of `login_failures` (a page form cuts the name at
  100 characters; Basic did not), and on PostgreSQL, whose column holds 100, the insert
  failed as a server error naming the store damaged.
* An item's author whose clearance lapsed (or was lowered) still took the item's content
  away as STIX, as a ZTDF container and through the key-access route: `sharing` let an author
  read their own item whatever their clearance, where every other read asks it (R19).
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import LAUNCH, VALID, Cast

from gsomia.errors import NotFound, Unauthenticated
from gsomia.node import sharing, taxii, ztdf
from gsomia.seal.ztdf import read_container
from gsomia.store.tables import login_failures
from gsomia.store.users import UserRecord, add_user, update_user

_serial = itertools.count()
KAS = "https://kor.example/api/v1/kas"


def _failure_rows(cast: Cast) -> int:
    with cast["JPN"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(login_failures)).scalar_one())


def test_a_basic_name_longer_than_any_persons_is_refused_and_not_stored(cast: Cast) -> None:
    before = _failure_rows(cast)
    with pytest.raises(Unauthenticated):
        taxii.basic_user(cast["JPN"], "n" * 5000, "guess")
    assert _failure_rows(cast) == before
    # A name a person could have is still counted, so the back-off holds for it.
    with pytest.raises(Unauthenticated):
        taxii.basic_user(cast["JPN"], "sato", "wrong password")
    assert _failure_rows(cast) == before + 1


def _author(cast: Cast) -> str:
    node = cast["KOR"]
    name = f"author{next(_serial)}"
    record = UserRecord(name, "KOR", "군사II급비밀", VALID, (LAUNCH,), ("analyst",), True)
    with node.engine.begin() as conn:
        add_user(conn, record, node.clock(), node.vault)
    return name


@pytest.mark.parametrize(
    "change",
    [{"clearance_expires": date(2020, 1, 1)}, {"clearance": "군사III급비밀"}],
    ids=["lapsed", "lowered"],
)
def test_an_author_takes_away_their_item_only_while_cleared_for_it(
    cast: Cast, change: dict[str, object]
) -> None:
    node, name = cast["KOR"], _author(cast)
    item_id = cast.publish("KOR", name, title="written before the clearance changed")
    assert sharing.export(node, cast.user("KOR", name), [item_id], action="read:stix")
    container = ztdf.export_container(node, cast.user("KOR", name), item_id, KAS)
    with node.engine.begin() as conn:
        update_user(conn, name, change, node.vault)
    author = cast.user("KOR", name)
    with pytest.raises(NotFound):
        sharing.export(node, author, [item_id], action="read:stix")
    with pytest.raises(NotFound):
        ztdf.export_container(node, author, item_id, KAS)
    manifest, _ = read_container(container.data)
    info = manifest["encryptionInformation"]
    with pytest.raises(NotFound):
        ztdf.rewrap(node, author, info["keyAccess"][0], info["policy"], "unused")
