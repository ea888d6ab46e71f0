"""What a list page takes from its address: the filters and a cursor per list (ADR 0095).

The filter form is a GET form, so a filtered page has an address one can keep or send; the
next and previous links keep the filters and change only their own list's cursor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import URL, QueryParams

from gsomia.errors import InputError
from gsomia.node.audit_trail import DecisionFilter
from gsomia.node.paging import Page, Position
from gsomia.treaty.listing import ListFilter

#: The filters the dashboard's lists take, and the longest value each may be.
FILTERS = {"level": 64, "partner": 4, "precedence": 16, "purpose": 200, "state": 16, "text": 200}


def wanted(params: Mapping[str, str], allowed: Mapping[str, int] = FILTERS) -> dict[str, str]:
    """The filters asked for (blank ones left out); InputError for one too long."""
    asked = {}
    for name, longest in allowed.items():
        value = params.get(name, "").strip()
        if len(value) > longest:
            raise InputError(f"the {name} filter is longer than {longest} characters")
        if value:
            asked[name] = value
    return asked


def list_filter(params: Mapping[str, str]) -> ListFilter:
    return ListFilter(**wanted(params))


#: The audit page's filters and the longest value each may be.
AUDIT_FILTERS = {"actor": 100, "action": 32, "decision": 8, "text": 200}


def decision_filter(params: Mapping[str, str]) -> DecisionFilter:
    """The audit page's filters: who, which act, allowed or denied, words in subject or reason."""
    asked = wanted(params, AUDIT_FILTERS)
    decision = asked.get("decision")
    return DecisionFilter(
        actor=asked.get("actor"),
        action=asked.get("action"),
        allowed=None if decision is None else decision == "allowed",
        text=asked.get("text"),
    )


def kept(params: Mapping[str, str], allowed: Mapping[str, int]) -> str:
    """The filters of `params` as a query string, cursors left out: an export link takes the
    whole filtered list, not the page."""
    return str(QueryParams(wanted(params, allowed)))


def position(params: Mapping[str, str], name: str) -> Position:
    """Where the list whose cursor travels as `name` starts (the first page for none)."""
    return Position.parse(params.get(name) or None)


def links(url: URL, name: str, page: Page[Any]) -> dict[str, str | None]:
    """The addresses of the pages beside `page` of the list whose cursor is `name`."""

    def to(cursor: str | None) -> str | None:
        if cursor is None:
            return None
        moved = url.include_query_params(**{name: cursor})
        return f"{moved.path}?{moved.query}"

    return {"next": to(page.next), "previous": to(page.previous)}
