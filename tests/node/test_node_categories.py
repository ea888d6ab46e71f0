"""Security categories through the node (R19, R48; ADR 0104): a label's categories are
checked against its nation's SPIF at publication, travel in the label to the partner, and
take part in the partner's access decision.

The national schemes gsomia ships define no tag sets. Here KOR's SPIF is the shipped one with
two tag sets added, as a nation's SPIF defining categories would carry them: a restrictive
compartment (TRACK excluded below 군사II급비밀) and a permissive mission set. Both nodes read
it, as both read KOR's scheme to place KOR's markings.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
from tests.node.node_fixtures import Cast, build_cast

from gsomia.errors import InputError, PolicyDenied
from gsomia.node import labels, read
from gsomia.store import items
from gsomia.store.users import update_user
from gsomia.treaty.schemes import load_schemes, parse_spif, registry_from

TAG_SETS = b"""
  <spif:securityCategoryTagSets>
    <spif:securityCategoryTagSet name="Compartment" id="2.25.1335755966516190017762809.1">
      <spif:securityCategoryTag name="Compartment" tagType="restrictive">
        <spif:tagCategory name="TRACK" lacv="1">
          <spif:excludedClass>\xea\xb5\xb0\xec\x82\xacIII\xea\xb8\x89\xeb\xb9\x84\xeb\xb0\x80</spif:excludedClass>
        </spif:tagCategory>
        <spif:tagCategory name="WARNING" lacv="2"/>
      </spif:securityCategoryTag>
    </spif:securityCategoryTagSet>
    <spif:securityCategoryTagSet name="Mission" id="2.25.1335755966516190017762809.2">
      <spif:securityCategoryTag name="Mission" tagType="permissive" singleSelection="false">
        <spif:tagCategory name="ALPHA" lacv="1"/>
        <spif:tagCategory name="BRAVO" lacv="2"/>
      </spif:securityCategoryTag>
    </spif:securityCategoryTagSet>
  </spif:securityCategoryTagSets>
  <spif:extensions>"""


def kor_with_categories() -> bytes:
    shipped = (resources.files("gsomia.treaty") / "data" / "schemes" / "kor.xml").read_bytes()
    return shipped.replace(b"\n  <spif:extensions>", TAG_SETS, 1)


@pytest.fixture(scope="module")
def cats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    built = build_cast(tmp_path_factory.mktemp("categories"), ("KOR", "JPN"))
    kor = parse_spif(kor_with_categories())
    shipped = load_schemes()
    registry = registry_from(
        [s for n in shipped.nations() if n != "KOR" for s in shipped.versions(n)] + [kor]
    )
    for node in built.nodes.values():
        node.schemes = registry
    yield built
    for node in built.nodes.values():
        node.engine.dispose()


def hold(cast: Cast, nation: str, name: str, *held: str) -> None:
    with cast[nation].engine.begin() as conn:
        update_user(conn, name, {"categories": held}, cast[nation].vault)


def test_r48_a_label_the_spif_refuses_is_not_published_and_the_rule_is_named(
    cats: Cast, cast: Cast
) -> None:
    cases = [
        ([("Compartment", "RESTRICTIVE", ("BOGUS",))], "'Compartment' has no value 'BOGUS'"),
        ([("Compartment", "PERMISSIVE", ("TRACK",))], "'Compartment' is RESTRICTIVE"),
        ([("Caveat Set", "RESTRICTIVE", ("X",))], "defines no category 'Caveat Set'"),
    ]
    for categories, words in cases:
        with pytest.raises(InputError, match=words):
            cats.publish("KOR", "kim", categories=categories)
    track = [("Compartment", "RESTRICTIVE", ("TRACK",))]
    with pytest.raises(InputError, match=r"TRACK is excluded at 군사III급비밀 \(excludedClass\)"):
        cats.publish("KOR", "kim", level="군사III급비밀", categories=track)
    # The scheme KOR ships defines no tag sets: every category beyond gsomia's own is refused.
    with pytest.raises(InputError, match="it defines none"):
        cast.publish("KOR", "kim", categories=[("Compartment", "RESTRICTIVE", ("TRACK",))])


def test_r19_categories_travel_in_the_label_and_decide_the_partners_access(cats: Cast) -> None:
    item_id = cats.publish(
        "KOR",
        "kim",
        content=b"track 7",
        categories=[
            ("Compartment", "RESTRICTIVE", ("TRACK", "WARNING")),
            ("Mission", "PERMISSIVE", ("ALPHA", "BRAVO")),
        ],
    )
    _, [accepted] = cats.send("KOR", "JPN", cats.release("KOR", "park", item_id))
    held = accepted.holding_id
    jpn = cats["JPN"]
    # sato is cleared, registered and has need-to-know, but holds no category yet.
    with pytest.raises(PolicyDenied, match=r"none of .* permissive category 'Mission'.*\(R19\)"):
        read.read_holding(jpn, cats.user("JPN", "sato"), held)
    hold(cats, "JPN", "sato", "Mission=BRAVO")
    with pytest.raises(PolicyDenied, match="'Compartment' needs TRACK, WARNING"):
        read.read_holding(jpn, cats.user("JPN", "sato"), held)
    hold(cats, "JPN", "sato", "Compartment=TRACK", "Mission=BRAVO")
    with pytest.raises(PolicyDenied, match="'Compartment' needs WARNING"):
        read.read_holding(jpn, cats.user("JPN", "sato"), held)
    hold(cats, "JPN", "sato", "Compartment=TRACK", "Compartment=WARNING", "Mission=BRAVO")
    _, content, decision = read.read_holding(jpn, cats.user("JPN", "sato"), held)
    assert content == b"track 7"
    assert decision.allowed
    refused = [e for e in cats.log("JPN", held) if not e["allowed"]]
    assert len(refused) == 3  # every refusal logged, as every decision is (R39)


def test_r48_the_holding_shows_the_marking_its_originators_spif_prescribes(cats: Cast) -> None:
    """What `item show`, the API and the pages print beside the markings (ADR 0103)."""
    item_id = cats.publish(
        "KOR",
        "kim",
        categories=[
            ("Mission", "PERMISSIVE", ("BRAVO", "ALPHA")),
            ("Compartment", "RESTRICTIVE", ("WARNING",)),
        ],
    )
    _, [accepted] = cats.send("KOR", "JPN", cats.release("KOR", "park", item_id))
    view = read.get_holding(cats["JPN"], accepted.holding_id)
    shown = labels.category_marking(cats["JPN"], view.original_label)
    assert shown == "군사II급비밀 WARNING ALPHA/BRAVO"
    # An item whose label carries none of its SPIF's categories needs no second marking.
    plain = cats.publish("KOR", "kim")
    with cats["KOR"].engine.connect() as conn:
        record = items.get(conn, plain, cats["KOR"].vault)
    assert record is not None
    assert labels.category_marking(cats["KOR"], record.label) == ""
