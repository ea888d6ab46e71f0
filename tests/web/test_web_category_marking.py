"""The item page shows the marking its nation's SPIF prescribes with the label's categories
(ADR 0103, 0104), beside the facts the page already gives; a label without any shows none."""

from __future__ import annotations

from tests.node.test_node_categories import kor_with_categories
from tests.web.conftest import Site, sign_in

from gsomia.node.publish import Draft, publish
from gsomia.store.users import get_user
from gsomia.treaty.schemes import load_schemes, parse_spif, registry_from


def test_the_item_page_shows_the_category_marking(sites: dict[str, Site]) -> None:
    kor = sites["KOR"].node
    shipped = load_schemes()
    kor.schemes = registry_from(
        [s for n in shipped.nations() if n != "KOR" for s in shipped.versions(n)]
        + [parse_spif(kor_with_categories())]
    )
    with kor.engine.connect() as conn:
        kim = get_user(conn, "kim", kor.vault)
    draft = Draft(
        title="Compartmented track",
        level="군사II급비밀",
        releasable_to=("JPN",),
        purpose="missile-warning",
        content=b"track",
        categories=(("Compartment", "RESTRICTIVE", ("TRACK",)),),
    )
    marked = publish(kor, kim, draft)
    plain = publish(kor, kim, Draft("Plain track", "군사II급비밀", ("JPN",), "missile-warning"))
    client = sites["KOR"].client()
    sign_in(client, "kim")
    page = client.get(f"/items/{marked}").text
    assert '<dd id="category-marking">군사II급비밀 TRACK</dd>' in page
    assert 'id="category-marking"' not in client.get(f"/items/{plain}").text
