"""The cast of DESIGN.md as a module-scoped fixture (builders live in `node_fixtures`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.node.node_fixtures import Cast, build_cast


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cast]:
    """KOR, JPN and USA; shared by a module's tests, which each make their own items."""
    built = build_cast(tmp_path_factory.mktemp("cast"))
    yield built
    for node in built.nodes.values():
        node.engine.dispose()
