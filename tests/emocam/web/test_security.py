"""Headers, cross-site refusals, host checks, JSON errors without tracebacks, and the offline docs."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.emocam.web.conftest import make_client

PAGES = ["/", "/static/app.js", "/static/app.css", "/emotions.css", "/api/models", "/emojis/happy.png",
         "/styles/ember.png", "/favicon.png"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_a_strict_policy(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_the_page_has_no_inline_script_or_style_and_nothing_from_elsewhere(client):
    html = client.get("/").text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html and " style=" not in html and " on" + "click=" not in html
    assert re.search(r"(src|href)=\"(https?:)?//", html) is None
    for path in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", html):
        assert client.get(path).status_code == 200, path
    for name in ("common", "photo", "live", "avatar"):
        js = client.get(f"/static/{name}.js").text
        assert "http://" not in js.replace("http://127.0.0.1", "") and "https://" not in js
        assert "innerHTML" not in js and "eval(" not in js


def test_docs_work_offline_and_allow_only_their_own_inline_script(client):
    r = client.get("/docs")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    [script] = re.findall(r"<script>(.*?)</script>", r.text, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    for asset in re.findall(r"(?:src|href)=\"(/docs-static/[^\"]+)\"", r.text):
        assert client.get(asset).status_code == 200, asset
    assert "//cdn" not in r.text
    spec = client.get("/openapi.json").json()
    assert {"/api/predict", "/api/models", "/api/avatar", "/api/avatar/{job_id}", "/api/styles"} <= set(spec["paths"])
    form = spec["paths"]["/api/predict"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["image"] and form["properties"]["image"]["format"] == "binary"


@pytest.mark.parametrize("origin, status", [
    ("http://evil.example", 403),
    ("null", 403),
    ("http://localhost", 200),
    (None, 200),
])
def test_writes_from_another_site_are_refused(client, face_jpeg, origin, status):
    headers = {"origin": origin} if origin else {}
    r = client.post("/api/predict", files={"image": ("a.jpg", face_jpeg, "image/jpeg")}, headers=headers)
    assert r.status_code == status
    if status == 403:
        assert "cross-site" in r.json()["detail"]


@pytest.mark.parametrize("host, status", [("localhost", 200), ("127.0.0.1:8000", 200), ("evil.example", 400),
                                          ("rebind.attacker.test:8000", 400)])
def test_only_local_host_names_are_served(client, host, status):
    """A guard against DNS rebinding: a page on another name that resolves here gets nothing."""
    assert client.get("/api/models", headers={"host": host}).status_code == status


def test_an_unexpected_failure_is_a_short_json_message_without_traceback(user_models):
    with make_client(raise_server_exceptions=False) as c:
        def fails():
            raise RuntimeError("secret internal detail at /some/path")
        c.app.add_api_route("/api/fails", fails)
        r = c.get("/api/fails")
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error (RuntimeError); the server's log has the details"}
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_unknown_routes_and_methods_are_json(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = client.put("/api/predict")
    assert r.status_code == 405 and "detail" in r.json()


@pytest.mark.parametrize("path", ["/emojis/../../setup.cfg", "/emojis/..%2f..%2fsetup.cfg", "/static/..%2fapp.py",
                                  "/styles/%2e%2e/%2e%2e/weights/DEFAULT", "/docs-static/..%2f__init__.py",
                                  "/emojis/", "/static/"])
def test_static_folders_serve_only_their_files(client, path):
    r = client.get(path)
    assert r.status_code == 404, (path, r.status_code, r.text[:80])
    assert r.json() == {"detail": "Not Found"}
