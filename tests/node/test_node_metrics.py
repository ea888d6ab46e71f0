"""Metrics whose label values come from fixed sets: what a sender chooses never becomes a
time series (issue 13: 512 k garbage kinds grew a node by 416 MB and its scrape to 112 MB)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from tests.node.node_fixtures import Cast, sealed

from gsomia.node.metrics import OTHER, Metrics
from gsomia.node.receive import receive_batch
from gsomia.seal.sealed import Plain


def test_garbage_kinds_from_a_partner_do_not_grow_the_metrics(cast: Cast) -> None:
    kor, jpn = cast["KOR"], cast["JPN"]
    receive_batch(jpn, "KOR", sealed(kor, jpn, Plain("warm-up", "garbage", {}, b"junk")))
    before = jpn.metrics.exposition(jpn.reader)
    garbage = [Plain(f"g-{i}", f"garbage-{i}-" + "x" * 40, {}, b"junk") for i in range(300)]
    for i in range(0, 300, 30):  # in batches, as a sender would; the kinds are sealed inside
        receive_batch(jpn, "KOR", sealed(kor, jpn, *garbage[i : i + 30]))
    after = jpn.metrics.exposition(jpn.reader)
    assert b"garbage-" not in after
    assert len(after) <= len(before) + 16  # the counter's digits, nothing more
    assert b'gsomia_rejections_total{kind="other",verified="false"} 301.0' in after


@given(st.text(max_size=30), st.text(max_size=30))
def test_a_label_outside_its_set_is_counted_as_other(peer: str, outcome: str) -> None:
    metrics = Metrics()
    metrics.deliveries.labels(peer, outcome).inc()
    text = metrics.registry.get_sample_value(
        "gsomia_deliveries_total",
        {
            "peer": peer if re.fullmatch("[A-Z]{3}", peer) else OTHER,
            "outcome": outcome if outcome in ("received", "rejected") else OTHER,
        },
    )
    assert text == 1.0
