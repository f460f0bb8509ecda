"""``python -m emocam serve`` as a user runs it: a real process on a real port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request

import pytest

from emocam.web.serve import is_loopback
from tests.emocam.web.server import REPO, free_port, serving


def test_serve_answers_on_localhost_and_stops_on_ctrl_c():
    with serving() as (base, proc):
        with urllib.request.urlopen(f"{base}/api/models") as r:
            assert json.load(r)["models"][0]["default"] is True
        with urllib.request.urlopen(f"{base}/") as r:
            assert b"<title>emocam</title>" in r.read()
    assert proc.returncode == 0
    err = proc.stderr.read()
    assert f"open {base}/" in err and "WARNING" not in err and "Traceback" not in err


def test_another_host_only_when_asked_and_with_a_warning():
    with serving("--host", "0.0.0.0") as (base, proc):
        with urllib.request.urlopen(f"{base}/api/models") as r:
            assert r.status == 200
    assert "WARNING: serving on 0.0.0.0: anyone who can reach port" in proc.stderr.read()


@pytest.mark.parametrize("args, words", [
    (["--port", "70000"], "is not a port number"),
    (["--models-dir", "/no/such/folder"], "--models-dir /no/such/folder: no such folder"),
])
def test_bad_options_are_one_line(args, words):
    proc = subprocess.run([sys.executable, "-m", "emocam", "serve", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr


def test_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "emocam", "serve", "--port", str(port)], cwd=REPO,
                              capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in proc.stderr and f"--port {port + 1}" in proc.stderr


@pytest.mark.parametrize("host, local", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
                                         ("127.0.0.2", True), ("0.0.0.0", False), ("::", False),
                                         ("192.168.1.10", False), ("myhost.lan", False)])
def test_which_hosts_count_as_this_computer_only(host, local):
    assert is_loopback(host) is local


def test_without_the_web_extra_serve_says_which_extra_to_install():
    """Run as if FastAPI and uvicorn were not installed (a None entry makes their import fail)."""
    code = ("import sys; sys.modules['fastapi'] = sys.modules['uvicorn'] = None; "
            "from emocam.__main__ import main; sys.exit(main(['serve']))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "the web page needs the 'web' extra" in proc.stderr and "pip install 'emocam[web]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serving_the_shipped_model_never_imports_tensorflow():
    """The server starts, lists models and styles and answers a prediction on LiteRT alone."""
    code = "\n".join([
        "import sys",
        "from fastapi.testclient import TestClient",
        "from emocam.web.app import create_app",
        "with TestClient(create_app(), base_url='http://localhost') as c:",
        "    assert c.get('/api/models').status_code == c.get('/api/styles').status_code == 200",
        "    r = c.post('/api/predict', files={'image': open('assets/demo/astronaut.jpg', 'rb')})",
        "    assert r.status_code == 200 and len(r.json()['faces']) == 1, r.text",
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]",
        "assert not bad, bad",
    ])
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
