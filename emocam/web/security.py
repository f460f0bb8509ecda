"""Response headers and error answers shared by every route.

- A strict Content-Security-Policy (no inline script or style, nothing from other origins) and the
  usual companions (nosniff, no framing, no referrer) on every HTTP response.
- Requests from another site (an ``Origin`` that is not this server) are refused for anything but
  GET/HEAD, and so are WebSocket connections: a page on the internet cannot drive the local API.
- Every error is JSON ``{"detail": "one line"}``; an unexpected failure is logged here and the client
  gets a short message, never a traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from emocam.web.uploads import WebError

log = logging.getLogger(__name__)

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
            "media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'; object-src 'none'")
HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(self), microphone=(), geolocation=()",
    "cache-control": "no-store",
}


class SecurityHeaders:
    """Pure ASGI middleware: adds :data:`HEADERS` and the CSP (unless the route set its own) and
    refuses cross-site writes and WebSocket connections."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if _cross_site(scope):
            return await _refuse(scope, receive, send)
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                present = {k.lower() for k, _ in headers}
                extra = dict(HEADERS, **{"content-security-policy": PAGE_CSP})
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _cross_site(scope) -> bool:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    origin = headers.get("origin")
    if origin is None:
        return False
    if scope["type"] == "http" and scope["method"] in ("GET", "HEAD", "OPTIONS"):
        return False
    host = headers.get("host", "")
    return origin.split("://", 1)[-1] != host


async def _refuse(scope, receive, send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": "cross-site connection refused"})
        return
    response = JSONResponse({"detail": "cross-site request refused: use the page this server serves"}, 403)
    await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Every error as ``{"detail": message}`` with the right status; no traceback ever leaves."""

    @app.exception_handler(WebError)
    async def _web_error(request: Request, e: WebError):
        return JSONResponse({"detail": e.message}, e.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, e: StarletteHTTPException):
        return JSONResponse({"detail": str(e.detail)}, e.status_code, headers=getattr(e, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError):
        problems = "; ".join(f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}"
                             for err in e.errors())
        return JSONResponse({"detail": f"invalid request: {problems}"}, 422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, e: Exception):
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=e)
        # this answer is made outside the middleware stack: it carries the headers itself
        return JSONResponse({"detail": f"internal error ({type(e).__name__}); the server's log has the details"}, 500,
                            headers=dict(HEADERS, **{"content-security-policy": PAGE_CSP}))
