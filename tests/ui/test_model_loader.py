"""The app's ModelLoader decides trust itself, from the file's bytes, and runs what was checked."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.emocam import hostile
from ui.workers import ModelLoader

REPO = Path(__file__).resolve().parents[2]


def _load(qtbot, path: Path, trusted: bool) -> tuple[str, object]:
    loader = ModelLoader(path, trusted)
    outcome = {}
    loader.model_loaded.connect(lambda c: outcome.setdefault("loaded", c))
    loader.model_failed.connect(lambda m: outcome.setdefault("failed", m))
    loader.start()
    qtbot.waitUntil(lambda: bool(outcome), timeout=120_000)
    loader.wait(5000)
    return next(iter(outcome.items()))


@pytest.mark.parametrize("trusted", [True, False], ids=["told trusted", "untrusted"])
def test_a_crashing_model_named_as_default_fails_in_the_child_not_in_the_app(qtbot, tmp_path, trusted):
    crasher = hostile.crashing_tflite(tmp_path / "crash.tflite")
    (tmp_path / "DEFAULT").write_text("crash.tflite\n")  # what the window would pass as the shipped default
    kind, message = _load(qtbot, crasher, trusted)
    assert kind == "failed" and f"{crasher}: unreadable model — the loader crashed (SIGSEGV)" in message


def test_a_file_swapped_while_it_is_checked_never_reaches_the_app(qtbot, tiny_models, tmp_path, monkeypatch):
    from emocam.models import probe

    model = Path(shutil.copyfile(tiny_models["tflite48"], tmp_path / "model.tflite"))
    checked = model.read_bytes()
    real_run = probe.ModelProbe.run

    def swap_then_check(self):
        hostile.crashing_tflite(model)
        return real_run(self)

    monkeypatch.setattr(probe.ModelProbe, "run", swap_then_check)
    kind, classifier = _load(qtbot, model, trusted=False)
    assert kind == "loaded" and classifier.tflite_bytes == checked
    assert classifier.predict([np.zeros((48, 48), np.uint8)]).shape == (1, 7)


def test_the_shipped_model_is_recognised_by_its_hash_and_skips_the_child(qtbot, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import os\nos.abort()\n")  # any child would crash
    monkeypatch.setenv("PYTHONPATH", f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    kind, classifier = _load(qtbot, REPO / "weights" / "emocam_fer_v5.tflite", trusted=False)
    assert kind == "loaded" and classifier.spec.height == 48
