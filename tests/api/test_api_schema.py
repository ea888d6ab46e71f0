"""Schemathesis against the user API's own `/openapi.json`, with an officer's token (issue 13):
whatever fits the document, and much that does not, gets no server error, and every status the
API answers is one the document declares. Bounded examples, so it stays a few minutes at most.

Each operation is driven through Hypothesis here rather than by `schema.parametrize()`, whose
lazy loading from a fixture does not run under pytest 9.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import status_code_conformance
from tests.api.api_fixtures import Site

EXAMPLES = 25


def test_no_server_error_and_every_status_declared(site: Site) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", site.clients["KOR"].app)
    headers = site.auth("park")
    failures: list[str] = []
    results = list(schema.get_all_operations())
    invalid = [r.err() for r in results if isinstance(r, Err)]
    assert not invalid, invalid  # the document itself is valid OpenAPI
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) > 40

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def exercise(case: Any) -> None:
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, status_code_conformance]
            )

        try:
            exercise()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:800]}")
    assert not failures, "\n\n".join(failures)
