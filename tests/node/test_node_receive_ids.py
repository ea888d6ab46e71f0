"""A message id belongs to the partner who sent it (found by an attack on envelope v2).

The inbox remembers every answer by message id so a repeated delivery gets the same answer. A
hostile partner that learnt another partner's message id (it appears in receipts and logs)
must not be handed that answer, which names the item, this nation's marking of it and the
receipt; its message is refused whole, and nothing it sent is applied.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from tests.node.node_fixtures import Cast, sealed

from gsomia.errors import InputError
from gsomia.exchange.answers import verify_answers
from gsomia.node.receive import receive_batch
from gsomia.seal.sealed import Plain
from gsomia.store.tables import holdings, inbox


def count(cast: Cast, nation: str, table: Any) -> int:
    with cast[nation].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_message_id_reused_by_another_partner_does_not_get_the_first_partners_answer(
    cast: Cast,
) -> None:
    item_id = cast.publish("KOR", "kim", content=b"track for ids")
    [message] = cast.queued("KOR", cast.release("KOR", "park", item_id), "JPN")
    jpn, kor, usa = cast["JPN"], cast["KOR"], cast["USA"]
    document, _ = receive_batch(jpn, "KOR", sealed(kor, jpn, message))
    [entry] = verify_answers(document, signer=jpn.card)
    assert entry["answer"]["item"] == item_id
    before = (count(cast, "JPN", inbox), count(cast, "JPN", holdings))

    junk = Plain(message.id, "item", {"type": "nothing"}, b"junk", "text/plain")
    with pytest.raises(InputError, match="already used by another partner"):
        receive_batch(jpn, "USA", sealed(usa, jpn, junk))
    assert (count(cast, "JPN", inbox), count(cast, "JPN", holdings)) == before

    # KOR repeating its own message still gets its own answer.
    again, _ = receive_batch(jpn, "KOR", sealed(kor, jpn, message))
    assert [e["answer"] for e in verify_answers(again, signer=jpn.card)] == [entry["answer"]]
