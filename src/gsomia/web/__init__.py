"""Web pages for officers, analysts and auditors, served by the node itself.

`install(app)` adds the pages and their static files to the node's FastAPI application.
"""

from gsomia.web.routes import install, router

__all__ = ["install", "router"]
