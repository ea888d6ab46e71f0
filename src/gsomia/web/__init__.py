"""Web pages for officers, analysts and auditors, served by the node itself.

`install(app)` adds the pages and their static files to the node's FastAPI application:
`routes` (sign-in, dashboard, items, holdings, agreements, audit), `control` (the originator's
control after release) and `casework` (copies, derivatives, disputes, visits, hub), all
answering through `render` (templates, headers, and every gsomia error as a page).
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gsomia.web import casework, contractors, control, exports, people, routes


def install(app: FastAPI) -> None:
    """Serve the pages and their static files from `app` (the node's own application)."""
    static = resources.files("gsomia.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="web-static")
    app.include_router(routes.router)
    app.include_router(control.router)
    app.include_router(casework.router)
    app.include_router(people.router)
    app.include_router(contractors.router)
    app.include_router(exports.router)


__all__ = ["install"]
