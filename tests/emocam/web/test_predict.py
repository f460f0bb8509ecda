"""POST /api/predict and GET /api/models through the framework's test client, on the real app:
shipped model, real cascade, real demo portrait."""

from __future__ import annotations

import io
import struct
import tempfile
import zlib

import numpy as np
import pytest
from PIL import Image

from emocam.emotions import NAMES
from emocam.web.uploads import MAX_UPLOAD_BYTES
from emocam import resources
from tests.emocam.media import PORTRAIT, PORTRAIT_FACE, blank, portrait
from tests.emocam.web.conftest import encode


SHIPPED = resources.weights_dir() / "emocam_fer_v5.tflite"


def _png_header(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header declares ``width`` x ``height``: tiny on disk, huge if decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.zeros((40, 40, 3), np.uint8)).save(buf, "GIF")
    return buf.getvalue()


def test_predict_finds_the_face_with_label_probabilities_and_emoji(client, face_jpeg):
    r = client.post("/api/predict", files={"image": ("astronaut.jpg", face_jpeg, "image/jpeg")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "emocam_fer_v5.tflite"
    assert (body["width"], body["height"]) == (512, 512)
    [face] = body["faces"]
    x, y, w, h = face["box"]
    assert abs(x - PORTRAIT_FACE.x) <= 4 and abs(y - PORTRAIT_FACE.y) <= 4 and abs(w - PORTRAIT_FACE.w) <= 8
    assert list(face["probabilities"]) == list(NAMES)
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=0.01)
    assert face["emotion"] == max(face["probabilities"], key=face["probabilities"].get)
    emoji = client.get(face["emoji"])
    assert emoji.status_code == 200 and emoji.headers["content-type"] == "image/png"
    assert face["emoji"] == f"/emojis/{face['emotion'].lower()}.png"


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "BMP"])
def test_predict_reads_other_formats_whatever_the_file_is_called(client, fmt):
    r = client.post("/api/predict", files={"image": ("photo.jpg", encode(portrait(), fmt), "application/octet-stream")})
    assert r.status_code == 200, r.text
    assert len(r.json()["faces"]) == 1


def test_predict_with_a_model_chosen_by_name(client, face_jpeg):
    r = client.post("/api/predict", files={"image": ("a.jpg", face_jpeg, "image/jpeg")},
                    data={"model": "emocam_fer_v5.tflite"})
    assert r.status_code == 200 and r.json()["model"] == "emocam_fer_v5.tflite"


def test_no_face_is_an_empty_list_with_a_message(client):
    r = client.post("/api/predict", files={"image": ("wall.png", encode(blank(90), "PNG"), "image/png")})
    assert r.status_code == 200
    assert r.json()["faces"] == []
    assert "no face found" in r.json()["message"]


# (case, request keyword arguments, status, words the message must contain)
ERRORS = [
    ("file over 10 MB", {"files": {"image": ("big.jpg", b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES), "image/jpeg")}},
     413, "limit is 10.0 MB"),
    ("text called .jpg", {"files": {"image": ("photo.jpg", b"just some text " * 20, "image/jpeg")}}, 415, "not an image"),
    ("HTML called .png", {"files": {"image": ("x.png", b"<html><script>alert(1)</script></html>", "image/png")}},
     415, "JPEG, PNG, WebP or BMP"),
    ("SVG", {"files": {"image": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml")}}, 415, "not an image"),
    ("GIF", {"files": {"image": ("x.gif", _gif(), "image/gif")}}, 415, "not an image"),
    ("truncated JPEG", "truncated", 422, "could not be decoded"),
    ("PNG with corrupt pixel data", {"files": {"image": ("x.png", _png_header(64, 64, b"\x78\x9c" + b"garbage" * 9), "image/png")}},
     422, "could not be decoded"),
    ("48 MP header", {"files": {"image": ("x.png", _png_header(8000, 6000), "image/png")}}, 413, "8000x6000"),
    ("900 MP header (decompression bomb)", {"files": {"image": ("x.png", _png_header(30000, 30000), "image/png")}},
     413, "megapixels"),
    ("empty file", {"files": {"image": ("x.jpg", b"", "image/jpeg")}}, 422, "no 'image'"),
    ("no image field", {"data": {"model": "emocam_fer_v5.tflite"}, "files": {"other": ("x", b"1", "text/plain")}},
     422, "no 'image'"),
    ("unknown model", "model:nope.tflite", 404, "unknown model 'nope.tflite'; choose one of: emocam_fer_v5.tflite"),
    ("relative path as model", "model:../weights/emocam_fer_v5.tflite", 404, "unknown model"),
    ("absolute path as model", "model:/etc/passwd", 404, "unknown model"),
    ("JSON instead of a form", {"json": {"image": "aGVsbG8="}}, 415, "multipart/form-data"),
    ("too many fields", {"data": {f"f{i}": "x" for i in range(9)}, "files": {"image": ("a.jpg", b"x", "image/jpeg")}},
     422, "too many form fields"),
    ("malformed form", {"content": b"--zz\r\nno headers, no end", "headers": {"content-type": "multipart/form-data; boundary=zz"}},
     400, "the form could not be read"),
]


@pytest.mark.parametrize("case, kwargs, status, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_are_json_with_a_message(client, face_jpeg, case, kwargs, status, words):
    if kwargs == "truncated":
        kwargs = {"files": {"image": ("a.jpg", face_jpeg[: len(face_jpeg) // 2], "image/jpeg")}}
    elif isinstance(kwargs, str):
        kwargs = {"files": {"image": ("a.jpg", face_jpeg, "image/jpeg")}, "data": {"model": kwargs[6:]}}
    r = client.post("/api/predict", **kwargs)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    assert words in r.json()["detail"]
    assert "Traceback" not in r.text and "/" + "work" not in r.json()["detail"]


def test_a_body_over_the_cap_is_refused_while_it_streams(client):
    """No Content-Length (chunked): the cap is enforced on the bytes received."""
    boundary = "x" * 16
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode()

    def body():
        yield head
        for _ in range(25):
            yield bytes(1024 * 1024)

    r = client.post("/api/predict", content=body(), headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413 and "limit is 10.0 MB" in r.json()["detail"]


def test_uploads_never_touch_the_disk(client, face_jpeg, tmp_path, monkeypatch):
    """A 6 MB upload (a form parser would spool anything over 1 MB to a temporary file) with the
    temporary folder pointed at one that does not exist: any temporary file would fail the request."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    padded = face_jpeg + bytes(6 * 1024 * 1024)  # JPEG decoders stop at the end-of-image marker
    r = client.post("/api/predict", files={"image": ("a.jpg", padded, "image/jpeg")})
    assert r.status_code == 200 and len(r.json()["faces"]) == 1
    assert not (tmp_path / "no-such-folder").exists()


def test_models_lists_shipped_then_user_models_by_name(client, user_models):
    (user_models / "mine.tflite").write_bytes(SHIPPED.read_bytes())
    (user_models / "run.resume.keras").write_bytes(b"checkpoint")
    (user_models / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(b"vgg")
    (user_models / "notes.txt").write_text("not a model")
    models = client.get("/api/models").json()["models"]
    assert models[0] == {"name": "emocam_fer_v5.tflite", "source": "shipped", "default": True, "format": "tflite"}
    assert [(m["name"], m["source"]) for m in models[1:]] == [("emocam_fer_v5.keras", "shipped"), ("mine.tflite", "user")]
    assert "path" not in str(models) and str(user_models) not in str(models)


def test_the_web_app_and_the_desktop_menu_offer_the_same_user_models(client, user_models):
    """One drop-in folder for both apps, and one rule for what is a model: half-copied downloads,
    hidden files and training leftovers are skipped by both."""
    from emocam.models.catalog import find_models

    for name in ("mine.tflite", "other.keras", "big.tflite.part", ".hidden.tflite", "run.tmp.keras"):
        (user_models / name).write_bytes(SHIPPED.read_bytes())
    web = {m["name"] for m in client.get("/api/models").json()["models"] if m["source"] == "user"}
    desktop = {f.name for e in find_models() if e.folder == "user" for f in e.files}
    assert web == desktop == {"mine.tflite", "other.keras"}


def test_a_user_model_is_checked_in_a_child_process_then_used(client, user_models, face_jpeg):
    (user_models / "mine.tflite").write_bytes(SHIPPED.read_bytes())
    r = client.post("/api/predict", files={"image": ("a.jpg", face_jpeg, "image/jpeg")}, data={"model": "mine.tflite"})
    assert r.status_code == 200 and r.json()["model"] == "mine.tflite" and len(r.json()["faces"]) == 1


def test_a_broken_user_model_is_refused_with_the_reason(client, user_models, face_jpeg):
    (user_models / "broken.tflite").write_bytes(b"TFL3" + bytes(200))
    r = client.post("/api/predict", files={"image": ("a.jpg", face_jpeg, "image/jpeg")}, data={"model": "broken.tflite"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("model 'broken.tflite' refused: ")
    assert str(user_models) not in r.json()["detail"]
    assert client.post("/api/predict", files={"image": ("a.jpg", face_jpeg, "image/jpeg")}).status_code == 200


def test_an_empty_model_field_means_the_default(client, face_jpeg):
    """The page sends an empty name while its model list is still loading."""
    r = client.post("/api/predict", files={"image": ("a.jpg", face_jpeg, "image/jpeg")}, data={"model": ""})
    assert r.status_code == 200 and r.json()["model"] == "emocam_fer_v5.tflite"


def test_models_from_the_weights_folder_and_name_clashes(client, user_models, tmp_path, monkeypatch):
    """EMOCAM_WEIGHTS_DIR is listed as "weights"; a file name seen before is qualified by its source,
    and the shipped default keeps its plain name."""
    weights = tmp_path / "my-weights"
    weights.mkdir()
    (weights / "team.tflite").write_bytes(SHIPPED.read_bytes())
    (user_models / "emocam_fer_v5.tflite").write_bytes(SHIPPED.read_bytes())
    monkeypatch.setenv("EMOCAM_WEIGHTS_DIR", str(weights))
    from tests.emocam.web.conftest import make_client

    with make_client() as c:
        names = [(m["name"], m["source"]) for m in c.get("/api/models").json()["models"]]
        assert names == [("emocam_fer_v5.tflite", "shipped"), ("emocam_fer_v5.keras", "shipped"),
                         ("team.tflite", "weights"), ("user:emocam_fer_v5.tflite", "user")]
        r = c.post("/api/predict", files={"image": ("a.jpg", PORTRAIT.read_bytes(), "image/jpeg")},
                   data={"model": "user:emocam_fer_v5.tflite"})
        assert r.status_code == 200 and r.json()["model"] == "user:emocam_fer_v5.tflite"


def test_a_model_removed_after_listing_is_a_404(user_models, face_jpeg):
    from emocam.web.catalog import ModelCatalog
    from emocam.web.service import Analyzers
    from emocam.web.uploads import WebError

    (user_models / "gone.tflite").write_bytes(SHIPPED.read_bytes())
    catalog = ModelCatalog([("user", user_models)])
    entry = catalog.find("gone.tflite")
    (user_models / "gone.tflite").unlink()
    for load in (Analyzers(catalog).get, catalog.load):
        with pytest.raises(WebError) as e:
            load(entry)
        assert e.value.status == 404 and "'gone.tflite' is no longer there" in e.value.message


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(client):
    """Stored on its side with EXIF orientation 6 ("turn 90 degrees clockwise to show"), as phones
    do: the face is found, and the box and size are those of the upright picture browsers show."""
    upright = portrait()[:, 40:440]  # 400 wide, 512 high
    sideways = np.ascontiguousarray(np.rot90(upright, k=1))  # 512 wide, 400 high, face on its side
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.fromarray(sideways).save(buf, "JPEG", exif=exif, quality=95)
    r = client.post("/api/predict", files={"image": ("phone.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 200
    assert (r.json()["width"], r.json()["height"]) == (400, 512)
    [face] = r.json()["faces"]
    assert abs(face["box"][0] - (PORTRAIT_FACE.x - 40)) <= 6 and abs(face["box"][1] - PORTRAIT_FACE.y) <= 6
