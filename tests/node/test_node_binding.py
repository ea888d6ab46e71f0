"""The originator's binding of label and content travels with the item (ADR 0061, STANAG 4778).

KOR signs, when it releases an item, a binding of the item's label to the SHA-256 of its
content. JPN keeps it with the holding and passes it on; USA, receiving the item from JPN (by
consent, or from a hub), believes the label and content only if KOR's binding holds — so a
holder cannot lower the marking or change the content on the way.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from tests.node.consent_fixtures import deliver, granted, holding_of, provided
from tests.node.node_fixtures import LAUNCH, Cast, sealed

from gsomia.exchange.answers import verify_answers
from gsomia.exchange.kinds import ITEM_HEADER
from gsomia.node import transfers
from gsomia.node.control import handover, hub, notices, onward
from gsomia.node.control.notices import reclassify
from gsomia.node.receive import receive_batch
from gsomia.seal import documents, origin
from gsomia.seal.held import open_holding
from gsomia.seal.sealed import Plain
from gsomia.store.holdings import seal_binding
from gsomia.store.tables import holdings

LOWER = "군사III급비밀"


def _onward(cast: Cast, holding_id: str, case_id: str) -> dict[str, Any]:
    return onward.release_onward_to(
        cast["JPN"], cast.user("JPN", "tanaka"), holding_id, "USA", case_id
    )


def _change_holding(cast: Cast, holding_id: str, **values: Any) -> None:
    if "binding" in values:  # stored sealed, as the holder's store writes it (ADR 0075)
        values["binding"] = seal_binding(cast["JPN"].vault, holding_id, values["binding"])
    with cast["JPN"].engine.begin() as conn:
        conn.execute(update(holdings).where(holdings.c.id == holding_id).values(**values))


def _lower_label(cast: Cast, nation: str, holding_id: str, label: dict[str, Any]) -> None:
    """What a dishonest holder's node does to its own copy: it holds its vault, so it seals
    the lowered label as its store would (ADR 0075)."""
    sealed = cast[nation].vault.metadata_key(holding_id).seal_json("original_label", label)
    with cast[nation].engine.begin() as conn:
        conn.execute(
            update(holdings).where(holdings.c.id == holding_id).values(original_label=sealed)
        )


def _bound(cast: Cast, nation: str, item_id: str) -> dict[str, Any]:
    """The binding `nation` keeps for `item_id`, verified as KOR's."""
    held = holding_of(cast, nation, item_id)
    assert held is not None
    assert held["binding"] is not None
    kept = json.loads(held["binding"])
    if origin.is_origin(kept):  # batched at release (ADR 0070)
        return origin.verify_origin(kept, cast["KOR"].card)
    return documents.verify_document(
        kept, cast["KOR"].card, "binding", (documents.ORIGINATOR_BINDING_DOC,)
    )


def test_the_holder_keeps_kors_binding_and_usa_verifies_it_onward(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    bound = _bound(cast, "JPN", item_id)
    label = transfers.get_item(cast["KOR"], item_id)["label"]
    assert (bound["item"], bound["label"]) == (item_id, label)
    _onward(cast, holding_id, granted(cast, holding_id))
    [answer] = deliver(cast, "JPN", "USA")
    assert (answer["status"], answer["marked"]) == ("received", "SECRET")
    assert _bound(cast, "USA", item_id) == bound
    assert [a["status"] for a in deliver(cast, "JPN", "KOR")] == ["received"]  # the report


def test_a_binding_stored_under_the_old_name_is_still_passed_on(cast: Cast) -> None:
    """Holdings stored before the originator's binding had its own name keep one named like
    the envelope's binding; the third nation still verifies it (ADR 0061)."""
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    legacy = {**_bound(cast, "JPN", item_id), "type": documents.LEGACY_BINDING_DOC}
    _change_holding(
        cast, holding_id, binding=json.dumps(documents.sign_document(cast["KOR"].keys, legacy))
    )
    _onward(cast, holding_id, case_id)
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "received", answer
    held = holding_of(cast, "USA", item_id)
    assert held is not None
    names = (documents.LEGACY_BINDING_DOC,)
    kept = json.loads(held["binding"])
    assert documents.verify_document(kept, cast["KOR"].card, "binding", names) == legacy
    assert [a["status"] for a in deliver(cast, "JPN", "KOR")] == ["received"]  # the report


def test_a_holder_that_lowers_the_label_is_refused_by_usa(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    held = holding_of(cast, "JPN", item_id)
    assert held is not None
    lowered = json.loads(json.dumps(held["original_label"]))
    lowered["ConfidentialityInformation"]["Classification"] = LOWER
    _lower_label(cast, "JPN", holding_id, lowered)
    _onward(cast, holding_id, case_id)
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert f"the label of {item_id} differs from the label KOR bound" in answer["reason"]
    assert answer["article"].startswith("Art. 5")
    assert holding_of(cast, "USA", item_id) is None


def test_a_holder_that_alters_the_content_is_refused_by_usa(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)

    def altered(*args: Any, **kwargs: Any) -> Any:
        opened = open_holding(*args, **kwargs)
        return types.SimpleNamespace(content=opened.content + b" (edited by JPN)")

    monkeypatch.setattr(handover, "open_holding", altered)
    _onward(cast, holding_id, case_id)
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert f"the content of {item_id} differs from the content KOR bound" in answer["reason"]
    assert holding_of(cast, "USA", item_id) is None


def test_a_binding_signed_by_the_holder_is_refused_by_usa(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    payload = _bound(cast, "JPN", item_id)
    forged = documents.sign_document(cast["JPN"].keys, payload)  # KOR's words, JPN's signature
    _change_holding(cast, holding_id, binding=json.dumps(forged))
    _onward(cast, holding_id, case_id)
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert "binding is not signed by KOR" in answer["reason"]
    assert holding_of(cast, "USA", item_id) is None


def test_a_consent_passed_off_as_a_binding_is_refused_by_usa(cast: Cast) -> None:
    """A document KOR did sign, but not a binding: its signature alone is not enough."""
    _, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    consent = documents.sign_document(cast["KOR"].keys, {"type": documents.CONSENT_DOC})
    _change_holding(cast, holding_id, binding=json.dumps(consent))
    _onward(cast, holding_id, case_id)
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert "not a gsomia binding document" in answer["reason"]


def test_an_item_without_a_binding_is_not_passed_on(cast: Cast) -> None:
    """A holding from before bindings existed: USA cannot tell what KOR released."""
    item_id, holding_id = provided(cast)
    case_id = granted(cast, holding_id)
    _change_holding(cast, holding_id, binding=None)
    _onward(cast, holding_id, case_id)
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert f"{item_id} carries no binding of its label by KOR" in answer["reason"]


# A direct provision: the envelope is KOR's signature already; a binding, if any, must hold.


Bind = Callable[[str, dict[str, Any]], dict[str, Any]]


def _direct(cast: Cast, binding: Bind | None) -> dict[str, Any]:
    """KOR's node sends JPN an item header with the binding `binding` makes (if any) for the
    item id and label; JPN's answer."""
    kor, jpn = cast["KOR"], cast["JPN"]
    item_id = cast.publish("KOR", "kim")
    label = transfers.get_item(kor, item_id)["label"]
    header: dict[str, Any] = {
        "type": ITEM_HEADER,
        "label": label,
        "item": {
            "id": item_id,
            "title": "t",
            "agreement": "KOR-JPN-2016",
            "version": 1,
            "precedence": "FLASH",
        },
    }
    if binding is not None:
        header["binding"] = binding(item_id, label)
    message_id = f"direct-{item_id}"
    body = sealed(kor, jpn, Plain(message_id, "item", header, b"track", "text/plain"))
    document, _ = receive_batch(jpn, "KOR", body)
    [entry] = verify_answers(document, signer=jpn.card)
    return {**entry["answer"], "item_id": item_id}


def test_a_direct_provision_without_a_binding_is_accepted(cast: Cast) -> None:
    answer = _direct(cast, None)
    assert answer["status"] == "received"
    held = holding_of(cast, "JPN", answer["item_id"])
    assert held is not None
    assert held["binding"] is None


def test_a_direct_provision_with_a_binding_that_holds_keeps_it(cast: Cast) -> None:
    kor = cast["KOR"]
    answer = _direct(cast, lambda i, label: documents.bind(kor.keys, i, label, b"track"))
    assert answer["status"] == "received"
    assert _bound(cast, "JPN", answer["item_id"])["item"] == answer["item_id"]


def test_a_direct_provision_whose_binding_does_not_hold_is_refused(cast: Cast) -> None:
    kor = cast["KOR"]
    answer = _direct(cast, lambda i, label: documents.bind(kor.keys, i, label, b"other"))
    assert answer["status"] == "rejected"
    assert "the content of" in answer["reason"]
    assert holding_of(cast, "JPN", answer["item_id"]) is None


def test_usa_without_kors_card_cannot_verify_and_refuses(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id, holding_id = provided(cast)
    _onward(cast, holding_id, granted(cast, holding_id))
    usa = cast["USA"]
    known = usa.peer_card
    monkeypatch.setattr(usa, "peer_card", lambda n: None if n == "KOR" else known(n))
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert "no identity card of KOR" in answer["reason"]
    assert holding_of(cast, "USA", item_id) is None


# A hub passes the item on as KOR bound it (R47).


def _at_hub(cast: Cast) -> tuple[str, str]:
    """A KOR item provided to USA (the hub), which may forward it to JPN under a rule."""
    usa = cast["USA"]
    jones = cast.user("USA", "jones")
    if not hub.hub_rules_in_force(usa):
        hub.add_hub_rule(usa, jones, "TISA 2014", ["KOR", "JPN"], [LAUNCH])
    item_id = cast.publish("KOR", "kim", releasable_to=("USA", "JPN"))
    cast.release("KOR", "park", item_id)
    [answer] = [a for a in deliver(cast, "KOR", "USA") if a.get("item") == item_id]
    deliver(cast, "KOR", "JPN")  # the same item straight to JPN: not this test's concern
    assert answer["status"] == "received", answer
    return item_id, str(answer["holding"])


def test_a_hub_forwarding_carries_kors_binding_and_jpn_verifies_it(cast: Cast) -> None:
    item_id, holding_id = _at_hub(cast)
    with cast["JPN"].engine.begin() as conn:  # JPN holds it only through the hub here
        conn.execute(holdings.delete().where(holdings.c.item_id == item_id))
    hub.forward(cast["USA"], cast.user("USA", "jones"), holding_id, "JPN")
    [answer] = deliver(cast, "USA", "JPN")
    assert answer["status"] == "received", answer
    assert _bound(cast, "JPN", item_id) == _bound(cast, "USA", item_id)
    deliver(cast, "USA", "KOR")


def test_a_hub_that_lowers_the_label_is_refused(cast: Cast) -> None:
    item_id, holding_id = _at_hub(cast)
    with cast["JPN"].engine.begin() as conn:
        conn.execute(holdings.delete().where(holdings.c.item_id == item_id))
    usa = cast["USA"]
    held = holding_of(cast, "USA", item_id)
    assert held is not None
    lowered = json.loads(json.dumps(held["original_label"]))
    lowered["ConfidentialityInformation"]["Classification"] = LOWER
    _lower_label(cast, "USA", holding_id, lowered)
    hub.forward(usa, cast.user("USA", "jones"), holding_id, "JPN")
    [answer] = deliver(cast, "USA", "JPN")
    assert answer["status"] == "rejected"
    assert f"the label of {item_id} differs from the label KOR bound" in answer["reason"]
    assert holding_of(cast, "JPN", item_id) is None


# A classification notice brings a fresh binding for the new label (R14).


def test_after_a_downgrade_the_holder_passes_it_on_at_the_new_marking(cast: Cast) -> None:
    item_id, holding_id = provided(cast)
    before = _bound(cast, "JPN", item_id)
    reclassify(cast["KOR"], cast.user("KOR", "park"), item_id, change="downgrade", level=LOWER)
    [applied] = deliver(cast, "KOR", "JPN")
    assert applied["status"] == "received", applied
    deliver(cast, "JPN", "KOR")  # the acknowledgement
    after = _bound(cast, "JPN", item_id)
    assert after["label"]["ConfidentialityInformation"]["Classification"] == LOWER
    assert after["content_sha256"] == before["content_sha256"]
    _onward(cast, holding_id, granted(cast, holding_id))
    [answer] = deliver(cast, "JPN", "USA")
    assert (answer["status"], answer["marked"]) == ("received", "CONFIDENTIAL")
    assert _bound(cast, "USA", item_id) == after
    deliver(cast, "JPN", "KOR")  # the transfer report


def test_the_old_binding_does_not_carry_a_label_the_notice_changed(cast: Cast) -> None:
    """Without the fresh binding, the holder's new label is not what KOR bound: refused."""
    item_id, holding_id = provided(cast)
    stale = holding_of(cast, "JPN", item_id)
    assert stale is not None
    reclassify(cast["KOR"], cast.user("KOR", "park"), item_id, change="downgrade", level=LOWER)
    deliver(cast, "KOR", "JPN")
    deliver(cast, "JPN", "KOR")
    _change_holding(cast, holding_id, binding=stale["binding"])
    _onward(cast, holding_id, granted(cast, holding_id))
    [answer] = deliver(cast, "JPN", "USA")
    assert answer["status"] == "rejected"
    assert f"the label of {item_id} differs from the label KOR bound" in answer["reason"]


def test_a_notice_whose_binding_does_not_hold_is_refused(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    item_id, _ = provided(cast)
    before = holding_of(cast, "JPN", item_id)
    assert before is not None

    def wrong(keys: Any, item: str, label: Any, content: bytes) -> dict[str, Any]:
        return documents.bind(keys, item, label, content + b" (not what JPN holds)")

    monkeypatch.setattr(notices, "bind", wrong)
    reclassify(cast["KOR"], cast.user("KOR", "park"), item_id, change="downgrade", level=LOWER)
    [answer] = deliver(cast, "KOR", "JPN")
    assert answer["status"] == "rejected"
    assert f"the content of {item_id} differs from the content KOR bound" in answer["reason"]
    after = holding_of(cast, "JPN", item_id)
    assert after is not None
    assert (after["local_level"], after["binding"]) == (before["local_level"], before["binding"])


def test_a_holding_without_a_binding_gets_one_with_the_notice(cast: Cast) -> None:
    """A holding from before bindings: the notice's binding is checked against the content
    as JPN's envelope opens, and kept."""
    item_id, holding_id = provided(cast)
    content_hash = _bound(cast, "JPN", item_id)["content_sha256"]
    _change_holding(cast, holding_id, binding=None)
    reclassify(cast["KOR"], cast.user("KOR", "park"), item_id, change="downgrade", level=LOWER)
    [answer] = deliver(cast, "KOR", "JPN")
    assert answer["status"] == "received", answer
    deliver(cast, "JPN", "KOR")
    assert _bound(cast, "JPN", item_id)["content_sha256"] == content_hash
