"""``/docs``: FastAPI's Swagger UI page, with the Swagger UI files served from the ``fastapi-offline``
package instead of a CDN, so the documentation works offline.

The page's one inline script (FastAPI's Swagger UI set-up) is allowed by its SHA-256 hash in the
page's own Content-Security-Policy; Swagger UI itself needs inline style attributes and data: icons,
which this page alone is granted.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

DOCS_STATIC = "/docs-static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def swagger_files() -> Path:
    """The folder of Swagger UI files that ``fastapi-offline`` ships."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    app.mount(DOCS_STATIC, StaticFiles(directory=swagger_files()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui():
        page = get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} API",
                                   swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
                                   swagger_favicon_url="/favicon.png")
        page.headers["content-security-policy"] = docs_csp(page.body.decode())
        return page


def docs_csp(html: str) -> str:
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
                      for s in _INLINE_SCRIPT.findall(html))
    return (f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'; object-src 'none'")
