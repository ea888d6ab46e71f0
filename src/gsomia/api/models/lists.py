"""What a list route takes: a page size, a cursor, and the filters (ADR 0095).

The answer stays a JSON array of rows; the pages beside it are named in a `Link` header
(RFC 8288, `rel="next"` and `rel="prev"`), so a client that reads only the array still works
and one that pages follows the links.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gsomia.node.paging import MAX_LIMIT, Page, Position
from gsomia.treaty.listing import ListFilter


class ListQuery(BaseModel):
    """`?limit=&cursor=&level=&partner=&precedence=&purpose=&state=&text=`."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="rows on a page")
    cursor: str | None = Field(None, max_length=400, description="a `next` or `prev` link's")
    level: str | None = Field(None, min_length=1, max_length=64, description="a marking")
    partner: str | None = Field(None, min_length=3, max_length=4, description="a nation")
    precedence: str | None = Field(None, min_length=1, max_length=16)
    purpose: str | None = Field(None, min_length=1, max_length=200)
    state: str | None = Field(None, min_length=1, max_length=16)
    text: str | None = Field(None, min_length=1, max_length=200, description="in the title")

    def wanted(self) -> ListFilter:
        return ListFilter(
            level=self.level,
            partner=self.partner,
            precedence=self.precedence,
            purpose=self.purpose,
            state=self.state,
            text=self.text,
        )

    def position(self) -> Position:
        return Position.parse(self.cursor)


Listed = Annotated[ListQuery, Query()]


def link_pages(request: Request, response: Response, page: Page[Any]) -> None:
    """Name the pages beside `page` in a `Link` header, keeping the request's other
    parameters (the filters, the page size)."""
    links = []
    for rel, cursor in (("next", page.next), ("prev", page.previous)):
        if cursor is not None:
            url = request.url.include_query_params(cursor=cursor)
            links.append(f'<{url.path}?{url.query}>; rel="{rel}"')
    if links:
        response.headers["Link"] = ", ".join(links)
