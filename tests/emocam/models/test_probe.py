"""Untrusted model files are checked in a child process: refusals and crashes become messages."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from emocam.errors import ModelError
from emocam.models.probe import ModelProbe


def test_good_model_passes_and_is_converted_into_the_cache(tiny_models, isolated_model_cache):
    ModelProbe(tiny_models["keras48"]).run()
    assert list(isolated_model_cache.glob("*.tflite"))  # the child converted it for the parent


def test_refusal_in_the_child_is_its_one_line_message(tmp_path):
    bad = tmp_path / "junk.keras"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="junk.keras: not a readable .keras file"):
        ModelProbe(bad).run()


def test_a_loader_that_crashes_is_an_unreadable_model(tmp_path, monkeypatch):
    # A file whose parsing kills the process: simulated by making the child abort on import.
    crasher = tmp_path / "sitecustomize.py"
    crasher.write_text("import os\nos.abort()\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    model = tmp_path / "model.tflite"
    model.write_bytes(b"TFL3")
    with pytest.raises(ModelError, match="unreadable model — the loader crashed \\(SIGABRT\\)"):
        ModelProbe(model).run()


def test_cancel_kills_the_child_quickly(tiny_models, tmp_path, monkeypatch):
    slow = tmp_path / "sitecustomize.py"
    slow.write_text("import time\ntime.sleep(30)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    probe = ModelProbe(tiny_models["tflite48"])
    errors = []
    worker = threading.Thread(target=lambda: _run(probe, errors))
    worker.start()
    deadline = time.monotonic() + 60  # hang guards below, not bounds: the child sleeps 30 s
    while probe._child is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert probe._child is not None, "the check's child never started"
    probe.cancel()
    worker.join(60)
    assert not worker.is_alive() and "cancelled" in str(errors[0])
    assert probe._child.returncode == -signal.SIGKILL  # killed, not waited for (it would exit 0 after 30 s)


def _run(probe, errors):
    try:
        probe.run()
    except ModelError as e:
        errors.append(e)
