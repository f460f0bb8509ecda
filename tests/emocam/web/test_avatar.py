"""The avatar API: a clear 503 without the VGG19 weights, a real (random-weight) Gatys painting end
to end, and the job queue's progress, cancel, limits and errors."""

from __future__ import annotations

import importlib.util
import io
import threading
import time

import numpy as np
import pytest
from PIL import Image

from emocam.style.vgg_weights import FILE_NAME
from emocam.web.avatars import AvatarCancelled, GatysEngine
from emocam.web.service import WebConfig
from tests.emocam.web.conftest import encode, make_client


HAS_FAST = importlib.util.find_spec("emocam.style.fast") is not None
needs_fast = pytest.mark.skipif(not HAS_FAST, reason="this tree has no fast avatar engine (emocam.style.fast)")


def _files(photo: bytes, **extra) -> dict:
    return {"files": {"image": ("me.jpg", photo, "image/jpeg"), **extra.pop("files", {})}, "data": extra}


def _wait(client, job: str, states=("done", "failed", "cancelled"), timeout: float = 180.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/avatar/{job}").json()
        if status["state"] in states:
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job} still {status['state']} after {timeout} s")


@needs_fast
def test_the_default_engine_paints_a_real_avatar_offline(client, face_jpeg):
    """The fast engine (shipped networks, no download): 202, done within seconds, a 384 px PNG that
    is a painting of the photo, not the photo."""
    r = client.post("/api/avatar", **_files(face_jpeg, style="ember"))
    assert r.status_code == 202, r.text
    status = _wait(client, r.json()["job"], timeout=60)
    assert status["state"] == "done" and status["progress"] == 1.0, status
    png = client.get(status["image_url"])
    assert png.headers["content-disposition"] == 'attachment; filename="emocam-avatar-ember.png"'
    avatar = np.asarray(Image.open(io.BytesIO(png.content)).convert("RGB"))
    assert avatar.shape == (384, 384, 3)
    from emocam.style.images import avatar_crop, resize_long_side

    photo = resize_long_side(avatar_crop(np.asarray(Image.open(io.BytesIO(face_jpeg))))[0], 384)
    assert np.abs(avatar.astype(int) - photo.astype(int)).mean() > 20  # painted, not the photo
    assert client.get("/api/styles").json() | {"styles": None} == {"styles": None, "engine": "fast",
                                                                      "available": True, "missing": None}


@needs_fast
def test_a_damaged_network_file_is_a_503_saying_so(user_models, face_jpeg, tmp_path):
    from emocam.style.networks import NETWORKS_DIR, PINNED
    from emocam.web.avatars import FastEngine

    for pinned in PINNED:
        (tmp_path / pinned.name).write_bytes((NETWORKS_DIR / pinned.name).read_bytes())
    with open(tmp_path / PINNED[1].name, "r+b") as f:  # one flipped byte
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with make_client(WebConfig(engine=FastEngine(networks=tmp_path))) as client:
        r = client.post("/api/avatar", **_files(face_jpeg, style="ember"))
    assert r.status_code == 503
    assert "refused, its SHA-256" in r.json()["detail"] and PINNED[1].name in r.json()["detail"]


def test_without_the_vgg19_weights_gatys_is_503_saying_what_is_missing(user_models, face_jpeg):
    with make_client(WebConfig(engine=GatysEngine())) as client:
        r = client.post("/api/avatar", **_files(face_jpeg, style="ember"))
        styles = client.get("/api/styles").json()
    assert r.status_code == 503
    detail = r.json()["detail"]
    assert "need the ImageNet VGG19 weights" in detail and FILE_NAME in detail and "--download" in detail
    assert styles["available"] is False and styles["missing"] == detail and styles["engine"] == "gatys"


@pytest.mark.skipif(HAS_FAST, reason="the default engine here is the fast one")
def test_without_the_fast_engine_the_default_says_what_gatys_needs(client, face_jpeg):
    r = client.post("/api/avatar", **_files(face_jpeg, style="ember"))
    assert r.status_code == 503 and "need the ImageNet VGG19 weights" in r.json()["detail"]


def test_styles_lists_the_built_in_styles_with_images(client):
    styles = client.get("/api/styles").json()["styles"]
    assert [s["name"] for s in styles] == ["confetti", "ember", "lichen", "mosaic", "nebula", "rain", "waves"]
    for s in styles:
        r = client.get(s["url"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_a_gatys_avatar_is_painted_with_progress_and_downloaded(user_models, face_jpeg):
    """The real Gatys engine with an untrained VGG19 (the painting is not art, the path is real)."""
    engine = GatysEngine(size=64, steps=3, random_vgg_for_tests=True)
    with make_client(WebConfig(engine=engine)) as client:
        r = client.post("/api/avatar", **_files(face_jpeg, style="ember"))
        assert r.status_code == 202, r.text
        job = r.json()["job"]
        status = _wait(client, job)
        assert status["state"] == "done", status
        assert status["progress"] == 1.0 and status["image_url"] == f"/api/avatar/{job}/image"
        png = client.get(status["image_url"])
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == 'attachment; filename="emocam-avatar-ember.png"'
    assert Image.open(io.BytesIO(png.content)).size == (64, 64)


class StepEngine:
    """A small real engine for the queue tests: blends the photo toward the style's mean colour in
    ``steps`` steps, each waiting for ``gate`` (so a test decides when it moves on)."""

    name = "test-blend"

    def __init__(self, steps: int = 4):
        self.steps, self.gate, self.started = steps, threading.Event(), threading.Event()

    def missing(self):
        return None

    def paint(self, photo, style, progress, cancelled):
        self.started.set()
        out = photo.astype(np.float32)
        for i in range(self.steps):
            self.gate.wait(5)
            if cancelled():
                raise AvatarCancelled("cancelled")
            out = 0.5 * out + 0.5 * style.reshape(-1, 3).mean(axis=0)
            progress((i + 1) / self.steps)
        return out.astype(np.uint8)


@pytest.fixture
def blend_client(user_models):
    engine = StepEngine()
    with make_client(WebConfig(engine=engine)) as c:
        yield c, engine
        engine.gate.set()


def test_an_uploaded_style_image_is_used(blend_client, face_jpeg):
    client, engine = blend_client
    engine.gate.set()
    red = encode(np.full((32, 32, 3), (255, 0, 0), np.uint8), "PNG")
    r = client.post("/api/avatar", **_files(face_jpeg, files={"style_image": ("red.png", red, "image/png")}))
    assert r.status_code == 202 and r.json()["style"] == "custom"
    status = _wait(client, r.json()["job"])
    avatar = np.asarray(Image.open(io.BytesIO(client.get(status["image_url"]).content)))
    assert avatar[..., 0].mean() > 200 and avatar[..., 2].mean() < 40  # moved toward red


def test_progress_then_cancel(blend_client, face_jpeg):
    client, engine = blend_client
    job = client.post("/api/avatar", **_files(face_jpeg, style="rain")).json()["job"]
    assert engine.started.wait(5)
    assert client.get(f"/api/avatar/{job}").json()["state"] == "running"
    r = client.get(f"/api/avatar/{job}/image")
    assert r.status_code == 409 and "poll GET /api/avatar/" in r.json()["detail"]
    assert client.delete(f"/api/avatar/{job}").json()["state"] == "cancelled"
    engine.gate.set()
    assert _wait(client, job)["state"] == "cancelled"
    assert client.get(f"/api/avatar/{job}/image").status_code == 409


def test_too_many_waiting_jobs_are_refused(blend_client, face_jpeg):
    client, engine = blend_client
    codes = [client.post("/api/avatar", **_files(face_jpeg, style="rain")).status_code for _ in range(4)]
    assert codes == [202, 202, 202, 429]


# (case, form, status, words)
AVATAR_ERRORS = [
    ("unknown style", {"style": "../../etc/passwd"}, 404, "unknown style '../../etc/passwd'; built-in styles: confetti"),
    ("no style", {}, 422, "choose a style"),
    ("style image not an image", {"files": {"style_image": ("s.png", b"text", "image/png")}}, 415, "'style_image' is not an image"),
]


@pytest.mark.parametrize("case, form, status, words", AVATAR_ERRORS, ids=[e[0] for e in AVATAR_ERRORS])
def test_avatar_request_errors(blend_client, face_jpeg, case, form, status, words):
    client, _ = blend_client
    r = client.post("/api/avatar", **_files(face_jpeg, **form))
    assert r.status_code == status and words in r.json()["detail"]


@pytest.mark.parametrize("photo, status", [(b"not an image", 415), (b"", 422)])
def test_avatar_photo_errors(blend_client, photo, status):
    client, _ = blend_client
    assert client.post("/api/avatar", **_files(photo, style="rain")).status_code == status


def test_an_unknown_job_is_404(client):
    r = client.get("/api/avatar/nope")
    assert r.status_code == 404 and "no avatar job 'nope'" in r.json()["detail"]
