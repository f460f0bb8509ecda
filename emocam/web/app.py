"""The web app: the page, its static files, the JSON API and the live socket (FastAPI).

    POST /api/predict   multipart ``image`` (+ optional ``model``) -> faces, emotions, emoji URLs
    GET  /api/models    the models that can be chosen, by name
    GET  /api/styles    the built-in avatar styles
    POST /api/avatar    multipart ``image`` + ``style`` (a built-in name) or ``style_image`` -> a job
    GET  /api/avatar/ID, GET /api/avatar/ID/image, DELETE /api/avatar/ID
    WS   /api/live?model=NAME   camera frames in, faces out (newest frame only)
    GET  /docs          OpenAPI documentation (served from the package: works offline)
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from emocam import __version__, resources
from emocam.emotions import EMOTIONS
from emocam.web import docs
from emocam.web.avatars import styles
from emocam.web.live import serve_live
from emocam.web.security import SecurityHeaders, install_error_handlers
from emocam.web.service import WebConfig, WebService
from emocam.web.uploads import MAX_UPLOAD_BYTES, WebError, decode_image, read_form

STATIC_DIR = Path(__file__).resolve().parent / "static"
_PREDICT_BODY = MAX_UPLOAD_BYTES + 64 * 1024


def create_app(config: WebConfig = WebConfig()) -> FastAPI:
    """A new app with its own service (models, analyzers, avatar jobs)."""
    service = WebService(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        service.close()

    app = FastAPI(title="emocam", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Faces, emotions, emoji and avatars from images. Runs on this computer only.")
    app.state.service = service
    install_error_handlers(app)
    _add_pages(app)
    _add_api(app, service)
    docs.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))
    return app


def _add_pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/emotions.css", include_in_schema=False)
    async def emotion_colours():
        return Response(emotions_css(), media_type="text/css")

    @app.get("/favicon.png", include_in_schema=False)
    async def favicon():
        return FileResponse(resources.assets_dir("icon.png"), media_type="image/png")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/emojis", StaticFiles(directory=resources.assets_dir("emojis")), name="emojis")
    app.mount("/styles", StaticFiles(directory=resources.assets_dir("styles")), name="styles")


def emotions_css() -> str:
    """The emotion colours as CSS variables, from the one emotion table: ``--emotion-Happy`` for
    scripts, and ``--c`` on anything marked ``data-emotion="Happy"``."""
    lines = [":root {"] + [f"  --emotion-{e.name}: rgb{e.colour};" for e in EMOTIONS] + ["}"]
    lines += [f'[data-emotion="{e.name}"] {{ --c: rgb{e.colour}; }}' for e in EMOTIONS]
    return "\n".join(lines) + "\n"


def _multipart(**fields: dict) -> dict:
    """OpenAPI description of a multipart body read by hand (see uploads.read_form)."""
    required = [name for name, spec in fields.items() if spec.pop("required", False)]
    schema = {"type": "object", "properties": fields, "required": required}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def _image_field(text: str, required: bool = True) -> dict:
    return {"type": "string", "format": "binary", "description": text, "required": required}


def _add_api(app: FastAPI, service: WebService) -> None:
    @app.get("/api/models", summary="The emotion models that can be chosen, default first")
    async def models():
        return {"models": [e.as_json() for e in service.catalog.entries()]}

    @app.get("/api/styles", summary="The built-in avatar styles")
    async def list_styles():
        engine = service.avatars.engine
        return {"styles": [{"name": n, "url": f"/styles/{p.name}"} for n, p in styles().items()],
                "engine": engine.name, "available": engine.missing() is None, "missing": engine.missing()}

    @app.post("/api/predict", summary="Faces, their emotion, the 7 probabilities and the emoji",
              openapi_extra=_multipart(image=_image_field("a photo (JPEG, PNG, WebP, BMP; at most 10 MB)"),
                                       model={"type": "string", "description": "a name from GET /api/models"}))
    async def predict(request: Request):
        form = await read_form(request, _PREDICT_BODY)
        entry = service.catalog.find(form.text("model"))
        rgb = await to_thread.run_sync(decode_image, form.file("image"))
        analyzer = await to_thread.run_sync(service.analyzers.get, entry)
        faces = await to_thread.run_sync(analyzer.analyze, rgb)
        body = {"faces": [f.as_json() for f in faces], "model": entry.name,
                "width": int(rgb.shape[1]), "height": int(rgb.shape[0])}
        if not faces:
            body["message"] = "no face found; try a brighter photo with a face looking at the camera"
        return body

    _add_avatar_api(app, service)

    @app.websocket("/api/live")
    async def live(ws: WebSocket, model: str | None = None):
        await serve_live(ws, service.catalog, model)


def _add_avatar_api(app: FastAPI, service: WebService) -> None:
    jobs = service.avatars

    @app.post("/api/avatar", status_code=202, summary="Start painting an avatar; poll its progress",
              openapi_extra=_multipart(image=_image_field("the photo"),
                                       style={"type": "string", "description": "a built-in style name"},
                                       style_image=_image_field("or your own style image", required=False)))
    async def avatar(request: Request):
        form = await read_form(request)
        missing = jobs.engine.missing()
        if missing:
            raise WebError(503, missing)
        photo = await to_thread.run_sync(decode_image, form.file("image"))
        style_name, style_rgb = await _style(form)
        return jobs.submit(photo, style_rgb, style_name).as_json()

    @app.get("/api/avatar/{job_id}", summary="Progress of an avatar job")
    async def avatar_status(job_id: str):
        return jobs.status(job_id)

    @app.get("/api/avatar/{job_id}/image", summary="The painted avatar (PNG, as a download)")
    async def avatar_image(job_id: str):
        png, style = jobs.png(job_id)
        name = f"emocam-avatar-{style}.png"
        return Response(png, media_type="image/png", headers={"content-disposition": f'attachment; filename="{name}"'})

    @app.delete("/api/avatar/{job_id}", summary="Cancel an avatar job")
    async def avatar_cancel(job_id: str):
        return jobs.cancel(job_id)


async def _style(form) -> tuple[str, object]:
    """The style image: an uploaded ``style_image`` or a built-in ``style`` name."""
    uploaded = form.file("style_image")
    if uploaded:
        return "custom", await to_thread.run_sync(decode_image, uploaded, "style_image")
    name, known = form.text("style"), styles()
    if name is None:
        raise WebError(422, f"choose a style: 'style' (one of {', '.join(known)}) or a 'style_image' file")
    if name not in known:
        raise WebError(404, f"unknown style {name[:60]!r}; built-in styles: {', '.join(known)}")
    data = await to_thread.run_sync(known[name].read_bytes)
    return name, await to_thread.run_sync(decode_image, data, "style")


