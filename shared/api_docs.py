"""Each service's interactive API documentation at `/docs`, served entirely from the
service itself.

FastAPI's default page loads Swagger UI from a public CDN. A council network may block
that, and a page pulling third-party script into a service that handles children's data
is one more thing to assure; so the assets come from the `fastapi-swagger` wheel (Swagger
UI 5, which renders the OpenAPI 3.1 documents FastAPI writes), pinned in `uv.lock` like
any other dependency. ReDoc is not offered: it has no maintained offline bundle.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


def asset(name: str) -> bytes:
    """One of the bundled Swagger UI files, read from the installed wheel."""
    return resources.files("fastapi_swagger.resources").joinpath(name).read_bytes()


def install_api_docs(app: FastAPI) -> None:
    """`/docs` and its assets; the app must be built with `docs_url=None, redoc_url=None`."""

    @app.get(DOCS_PATH, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )

    @app.get(ASSETS_PATH + "/{name}", include_in_schema=False)
    async def swagger_asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(status_code=404, detail="no such asset")
        return Response(
            asset(name),
            media_type=ASSETS[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )
