"""`/docs` (Swagger UI) and `/redoc`, served with their scripts and styles from the
installed `fastapi-offline` wheel under `/static/docs/`: installations without internet
access (a bank's, usually) get working pages, and the browser fetches nothing from a CDN.
"""

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/static/docs"
ASSETS = files("fastapi_offline") / "static"
"""`swagger-ui-bundle.js`, `swagger-ui.css`, `redoc.standalone.js`, `favicon.png`."""


def install(app: FastAPI) -> None:
    """Serve the two pages and their assets; build `app` with `docs_url=None, redoc_url=None`
    so FastAPI's own CDN-backed pages are not served too."""
    app.mount(STATIC_URL, StaticFiles(directory=str(ASSETS)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # behind a proxy that adds a prefix
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            oauth2_redirect_url=None,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
