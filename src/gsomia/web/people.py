"""The admin's page of this node's people (issue 16): who is registered, cleared to what and
until when, their communities, role, language and whether they are disabled. Changes are made
at the console (`gsomia user update / disable / remove`), where each is logged (R16)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from gsomia.node.users import list_users
from gsomia.treaty.roles import Action
from gsomia.web.auth import SignedIn, requires
from gsomia.web.render import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/people", dependencies=[Depends(requires(Action.ADMINISTER))])
def people_page(page: SignedIn) -> Response:
    node = page.node
    return render(page, "people.html", people=list_users(node), today=node.clock().date())
