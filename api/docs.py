"""Interactive API docs served offline: Swagger UI from the ``swagger-ui-bundle`` package.

FastAPI's default ``/docs`` page loads Swagger UI's script and stylesheet from a CDN, which a
hospital network (or this project's machines) may not reach. Here the same files are served
from the installed package under ``/docs/static``; nothing is fetched from outside.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

__all__ = ["install", "DOCS_URL", "STATIC_URL"]

DOCS_URL = "/docs"
STATIC_URL = "/docs/static"


def install(app: FastAPI) -> None:
    """Serve ``/docs`` (Swagger UI over ``app.openapi_url``) from local files only.

    The app must be created with ``docs_url=None`` and ``redoc_url=None``.
    """
    app.mount(STATIC_URL, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} API"

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon-32x32.png",
        )

    # A plain route like FastAPI's own /docs: public, outside the OpenAPI schema and the
    # /v1 permission walk.
    app.add_route(DOCS_URL, docs, include_in_schema=False)
