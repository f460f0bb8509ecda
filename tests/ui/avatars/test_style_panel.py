"""The avatar panel with a real painter process: the fast engine (shipped networks) paints a snapshot
with no dialog; the detailed engine (untrained VGG19, tiny jobs) with progress, preview and gallery;
cancel; a crash shown and survived; the weights consent flow, reached only from the engine setting
(asked first, offline, downloaded from a local server, chosen file); and the live avatar."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PyQt5.QtCore import QSettings, Qt
from PyQt5.QtWidgets import QFileDialog, QPushButton

from emocam.style import vgg_weights
from emocam.live.sources import DEMO_IMAGE
from emocam.style.images import STYLES_DIR, builtin_styles
from emocam.style.jobs import StyleJobRunner
from emocam.style.transfer import StyleSettings
from emocam.style.vgg_weights import FILE_NAME, WeightsSource
from emocam.types import Box, Face, Frame, FrameResult, Prediction
from tests.emocam.vgg_files import closed_port_url, process_running, serve_bytes, write_random_vgg19_notop
from ui.avatars.style_panel import StylePanel

QUICK = StyleSettings(scales=(0.5, 1.0), steps=(3, 3), preview_interval_s=0, engine="gatys")
LONG = StyleSettings(scales=(0.5, 1.0), steps=(5000, 1), preview_interval_s=0.2, engine="gatys")
# a hang guard, not a bound: a painter starting TensorFlow on a loaded 2-core machine took over 60 s
PAINTER_GUARD_MS = 300_000


@pytest.fixture(scope="module")
def runner():
    """One painter process for the module (TensorFlow loads once); panels do not close what they did not start."""
    runner = StyleJobRunner(threads=1)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def vgg_file(tmp_path_factory) -> Path:
    return write_random_vgg19_notop(tmp_path_factory.mktemp("vgg") / FILE_NAME)


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    path = tmp_path / "snaps" / "emocam-20250101-120000-000.png"
    path.parent.mkdir()
    cv2.imwrite(str(path), cv2.resize(cv2.imread(str(DEMO_IMAGE)), (128, 128)))
    return path


@pytest.fixture
def no_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No VGG19 file anywhere; returns where a download would go."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv("EMOCAM_VGG_WEIGHTS", raising=False)
    monkeypatch.setattr(vgg_weights, "REPO_WEIGHTS_DIR", tmp_path / "repo-weights")
    return tmp_path / "keras-home" / "models" / FILE_NAME


@pytest.fixture
def make_panel(qtbot, tmp_path, runner):
    panels = []

    def make(base=QUICK, random_vgg=True, settings_file="panel.ini", own_runner=False, engine="gatys",
             **kwargs) -> StylePanel:
        settings = QSettings(str(tmp_path / settings_file), QSettings.IniFormat)
        if engine is not None:
            settings.setValue("avatar/engine", engine)
        panel = StylePanel(settings, runner=None if own_runner else runner, sizes=(64,), base_settings=base,
                           random_vgg_for_tests=random_vgg, **kwargs)
        qtbot.addWidget(panel)
        panel.show()
        panels.append(panel)
        return panel

    yield make
    runner.cancel()
    for panel in panels:
        panel.shutdown()
        qtbot.waitUntil(lambda p=panel: p.running_threads() == 0, timeout=5000)
    deadline = time.monotonic() + 15
    while runner.busy and time.monotonic() < deadline:  # nobody listens now: let the cancels land
        runner.poll(0.1)


def test_a_snapshot_becomes_an_avatar_with_progress_preview_and_gallery(make_panel, snapshot, qtbot) -> None:
    panel = make_panel()
    steps = []
    panel.worker.job_progressed.connect(lambda e: steps.append(e.step))
    with qtbot.waitSignal(panel.avatar_saved, timeout=PAINTER_GUARD_MS) as saved:
        panel.stylize_snapshot(snapshot)
        assert panel.cancel_button.isEnabled()
    avatar = saved.args[0]
    assert avatar.parent == snapshot.parent and avatar.name == f"{snapshot.stem}-avatar-mosaic.png"
    assert cv2.imread(str(avatar)).shape == (64, 64, 3) and snapshot.is_file()
    assert steps == list(range(1, 7))
    assert panel.gallery.results == [avatar] and not panel.gallery.item(0).icon().isNull()
    assert panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull()
    assert panel.status.text().startswith("Avatar saved in mosaic (") and panel.status.toolTip() == str(avatar)
    assert not panel.cancel_button.isEnabled() and panel.progress.value() == 0


def test_progress_shows_step_and_eta_and_cancel_stops_it(make_panel, snapshot, qtbot) -> None:
    panel = make_panel(base=LONG)
    panel.stylize_snapshot(snapshot)
    qtbot.waitUntil(lambda: bool(re.search(r"step \d+/5001 ETA \d+:\d\d", panel.status.text())),
                    timeout=PAINTER_GUARD_MS)
    assert 0 < panel.progress.value() < 1000 and panel.preview.pixmap() is not None
    with qtbot.waitSignal(panel.worker.job_cancelled, timeout=PAINTER_GUARD_MS):
        panel.cancel_button.click()
    assert panel.status.text() == "Cancelled." and panel.gallery.count() == 0
    assert list(snapshot.parent.glob("*avatar*")) == [] and snapshot.is_file()


def test_a_crash_is_shown_and_the_panel_carries_on(make_panel, snapshot, qtbot, runner) -> None:
    panel = make_panel(base=LONG)
    with qtbot.waitSignal(panel.worker.job_progressed, timeout=PAINTER_GUARD_MS):
        panel.stylize_snapshot(snapshot)
    with qtbot.waitSignal(panel.worker.job_failed, timeout=PAINTER_GUARD_MS):
        os.kill(runner.pid, signal.SIGKILL)
    assert "stopped unexpectedly" in panel.notice.text and f"{snapshot.name} itself is saved" in panel.notice.text
    panel.base_settings = QUICK
    with qtbot.waitSignal(panel.avatar_saved, timeout=PAINTER_GUARD_MS):
        panel.paint()
    assert panel.gallery.count() == 1


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_quitting_while_painting_is_quick_and_leaves_no_process(make_panel, snapshot, qtbot) -> None:
    panel = make_panel(base=LONG, own_runner=True)
    with qtbot.waitSignal(panel.worker.job_progressed, timeout=PAINTER_GUARD_MS):
        panel.stylize_snapshot(snapshot)
    painter, process = panel.runner.pid, panel.runner._process
    waits = []  # every wait shutdown does, with the budget it gave: quick = all bounded, and small
    real_stop, real_join = panel.worker.stop, process.join
    panel.worker.stop = lambda ms=1500: waits.append(("worker", ms)) or real_stop(ms)
    process.join = lambda timeout=None: waits.append(("painter", timeout)) or real_join(timeout)
    panel.shutdown()  # no wall-clock bound here: a loaded machine would make it flake
    assert waits[:2] == [("worker", 500), ("painter", 0.3)]  # the job (5000 steps) is not waited for
    assert waits[2:] in ([], [("painter", 2)])  # terminated if it did not end within 0.3 s
    assert panel.running_threads() == 0
    assert panel.runner.pid is None and not process_running(painter)


def test_styles_show_as_thumbnails_and_the_choice_is_remembered(make_panel) -> None:
    panel = make_panel()
    assert panel.picker.paths == list(builtin_styles().values())
    assert all(not panel.picker.item(i).icon().isNull() for i in range(panel.picker.count()))
    assert panel.picker.selected == STYLES_DIR / "mosaic.png"
    panel.picker.select_name("ember")
    panel.strength.setValue(100)
    assert panel.job_settings().strength == 4.0 and panel.strength_label.text() == "×4"
    again = make_panel()
    assert again.picker.selected == STYLES_DIR / "ember.png" and again.strength.value() == 100


def test_any_image_can_be_added_as_a_style(make_panel, tmp_path, monkeypatch) -> None:
    own = tmp_path / "my painting.jpg"
    cv2.imwrite(str(own), cv2.imread(str(STYLES_DIR / "waves.png"))[:200, :300])
    panel = make_panel()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(own), ""))
    panel.add_style_button.click()
    assert panel.picker.selected == own
    assert make_panel().picker.paths[-1] == own, "added styles are remembered"
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    assert not panel.add_style(junk) and "not a readable image" in panel.notice.text


def test_the_style_can_follow_the_emotion(make_panel) -> None:
    panel = make_panel()
    panel.picker.select_name("ember")
    assert panel._style_for("Sad") == STYLES_DIR / "ember.png"
    panel.checks["match_emotion"].setChecked(True)
    assert panel._style_for("Sad") == STYLES_DIR / "rain.png" and panel._style_for(None) == STYLES_DIR / "ember.png"


def test_controls_never_take_the_snapshot_key(make_panel) -> None:
    panel = make_panel()
    controls = [panel.add_style_button, panel.paint_button, panel.cancel_button, *panel.checks.values(),
                panel.strength, panel.size_box, panel.picker, panel.gallery, panel.engine.box,
                panel.engine.weights_button, panel.live.toggle, panel.credits_button]
    takers = [w for w in controls if w.focusPolicy() != Qt.NoFocus]
    assert takers == [], "Space must stay the snapshot shortcut"


# ---------------------------------------------------------------- the weights, only with consent

def _notice_buttons(panel: StylePanel) -> set[str]:
    return {b.text() for b in panel.notice.findChildren(QPushButton) if b.isVisible()}


def _click(box, text: str) -> None:
    button = next(b for b in box.buttons() if b.text().startswith(text))
    button.click()


def choose_detailed(panel: StylePanel) -> None:
    panel.engine.set_engine("gatys")


def test_missing_weights_ask_first_and_not_now_leaves_a_notice(make_panel, snapshot, no_weights, qtbot) -> None:
    panel = make_panel(random_vgg=False, weights_source=WeightsSource(url=closed_port_url()), engine="fast")
    assert panel.gate.consent_box is None
    choose_detailed(panel)
    box = panel.gate.consent_box
    assert box is not None and box.isVisible()
    text = box.text() + box.informativeText()
    assert "about 80 MB" in text and closed_port_url().split("/")[2].split(":")[0] in text
    assert str(no_weights) in text and "the fast engine paints your snapshots" in text
    _click(box, "Not now")
    assert "copy the file" in panel.notice.text and "download them" in panel.notice.text
    assert {"Download (80 MB)", "Choose file..."} <= _notice_buttons(panel)
    assert panel.engine.weights_button.isVisible()
    with qtbot.waitSignal(panel.avatar_saved, timeout=PAINTER_GUARD_MS):
        panel.stylize_snapshot(snapshot)  # a snapshot never asks: the fast engine paints it
    assert panel.gate.consent_box is None and "Painted with the fast engine" in panel.notice.text
    assert not no_weights.exists() and snapshot.is_file() and panel.gallery.count() == 1
    panel.engine.weights_button.click()  # asked again only from the engine setting
    assert panel.gate.consent_box is not None
    _click(panel.gate.consent_box, "Not now")


def test_offline_download_explains_both_ways(make_panel, snapshot, no_weights, qtbot) -> None:
    panel = make_panel(random_vgg=False, weights_source=WeightsSource(url=closed_port_url(), cache_dir=no_weights.parent),
                       engine="fast")
    choose_detailed(panel)
    with qtbot.waitSignal(panel.gate.status_changed, timeout=15000,
                          check_params_cb=lambda text: text.startswith("No avatar")):
        _click(panel.gate.consent_box, "Download")
    assert "download could not start" in panel.notice.text and "copy the file" in panel.notice.text
    assert "Errno" not in panel.notice.text
    assert {"Download (80 MB)", "Choose file..."} <= _notice_buttons(panel)
    assert not no_weights.exists() and not panel.jobs and panel.running_threads() == 1


def test_download_after_yes_shows_progress_then_the_detailed_engine_paints(make_panel, snapshot, no_weights,
                                                                          vgg_file, qtbot) -> None:
    payload = vgg_file.read_bytes()
    with serve_bytes(payload, chunk_delay=0.0005) as url:
        source = WeightsSource(url=url, md5=hashlib.md5(payload).hexdigest(), cache_dir=no_weights.parent)
        panel = make_panel(random_vgg=False, weights_source=source, engine="fast")
        fractions = []
        panel.gate.progressed.connect(lambda f, text: fractions.append(f))
        choose_detailed(panel)
        with qtbot.waitSignal(panel.gate.weights_ready, timeout=PAINTER_GUARD_MS):
            _click(panel.gate.consent_box, "Download")
    assert no_weights.read_bytes() == payload
    assert len(fractions) > 10 and max(fractions) == 1.0
    assert not panel.engine.weights_button.isVisible()
    with qtbot.waitSignal(panel.avatar_saved, timeout=PAINTER_GUARD_MS):
        panel.stylize_snapshot(snapshot)
    job_settings = panel.job_settings()
    assert job_settings.engine == "gatys" and panel.gallery.count() == 1 and panel.prefs.weights == no_weights


def test_a_download_can_be_cancelled(make_panel, snapshot, no_weights, qtbot) -> None:
    with serve_bytes(b"x" * 5_000_000, chunk_delay=0.02) as url:
        panel = make_panel(random_vgg=False, weights_source=WeightsSource(url=url, md5=None,
                                                                          cache_dir=no_weights.parent), engine="fast")
        choose_detailed(panel)
        with qtbot.waitSignal(panel.gate.progressed, timeout=10000):
            _click(panel.gate.consent_box, "Download")
        assert panel.cancel_button.isEnabled()
        panel.cancel_button.click()
        qtbot.waitUntil(lambda: "Download cancelled" in panel.notice.text, timeout=10000)
    assert not any(no_weights.parent.iterdir()) and not panel.jobs


def test_a_chosen_file_is_checked_before_use(make_panel, snapshot, no_weights, vgg_file, tmp_path, qtbot,
                                             monkeypatch) -> None:
    panel = make_panel(random_vgg=False, engine="fast")
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"nope")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    choose_detailed(panel)
    _click(panel.gate.consent_box, "Choose file")
    qtbot.waitUntil(lambda: "not a readable HDF5 file" in panel.notice.text, timeout=10000)
    assert panel.prefs.weights is None and not panel.jobs
    with qtbot.waitSignal(panel.gate.weights_ready, timeout=15000):
        panel.gate.use_file(vgg_file)
    assert panel.prefs.weights == vgg_file and panel.engine.weights() == vgg_file
    job_id = panel.paint(snapshot)
    assert panel.jobs[job_id].weights == vgg_file and panel.jobs[job_id].settings.engine == "gatys"


@pytest.mark.parametrize("key", [Qt.Key_Return, Qt.Key_Space, Qt.Key_Escape])
def test_keys_on_the_consent_box_never_start_a_download(make_panel, snapshot, no_weights, qtbot, key) -> None:
    panel = make_panel(random_vgg=False, weights_source=WeightsSource(url=closed_port_url()), engine="fast")
    choose_detailed(panel)
    box = panel.gate.consent_box
    assert box.defaultButton().text() == "Not now" and box.escapeButton().text() == "Not now"
    qtbot.keyClick(box.focusWidget() or box, key)
    qtbot.waitUntil(lambda: panel.gate.consent_box is None, timeout=3000)
    assert "copy the file" in panel.notice.text  # answered "Not now"
    assert not no_weights.exists()


# ---------------------------------------------------------------- the fast engine and the live avatar

def test_by_default_a_snapshot_is_painted_quickly_with_no_dialog(make_panel, snapshot, no_weights, qtbot) -> None:
    panel = make_panel(random_vgg=False, engine=None)  # the settings a fresh install has
    assert panel.engine.engine == "fast" and not panel.engine.weights_button.isVisible()
    with qtbot.waitSignal(panel.avatar_saved, timeout=PAINTER_GUARD_MS) as saved:
        panel.stylize_snapshot(snapshot)
        assert panel.gate.consent_box is None
    assert panel.gate.consent_box is None and not panel.notice.isVisible() and not no_weights.exists()
    painted = cv2.imread(str(saved.args[0]))
    photo = cv2.resize(cv2.imread(str(snapshot)), painted.shape[1::-1])
    assert painted.shape == (64, 64, 3) and abs(painted.astype(int) - photo.astype(int)).mean() > 10
    assert re.match(r"Avatar saved in mosaic \(\d+\.\d s\)", panel.status.text()), panel.status.text()
    assert panel.gallery.results == [saved.args[0]]


def test_fast_strength_runs_from_the_photo_to_one_and_a_half(make_panel) -> None:
    panel = make_panel(engine=None)
    expected = {0: 0.0, 25: 0.5, 50: 1.0, 100: 1.5}
    for slider, strength in expected.items():
        panel.strength.setValue(slider)
        assert panel.job_settings().strength == strength and panel.strength_label.text() == f"×{strength:g}"


def _result(index: int, emotion: int = 4) -> FrameResult:
    image = cv2.cvtColor(cv2.imread(str(DEMO_IMAGE)), cv2.COLOR_BGR2RGB)
    probabilities = np.full(7, 0.02)
    probabilities[emotion] = 0.88
    face = Face(Box(150, 90, 210, 210), Prediction.from_array(probabilities), emotion, track_id=1)
    return FrameResult(Frame(image, index, time.monotonic(), "test"), (face,))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_live_avatar_paints_the_newest_frame_and_follows_the_emotion(make_panel, qtbot) -> None:
    panel = make_panel(engine=None)
    panel.show_live_frame(_result(0))  # off: nothing happens, no process
    assert panel.live.painter is None and not panel.live.view.isVisible()
    panel.checks["match_emotion"].setChecked(True)
    panel.live.toggle.setChecked(True)
    assert panel.live.view.isVisible() and panel.running_threads() == 2
    frames = iter(range(1, 100000))
    deadline = time.monotonic() + 60
    while (panel.live.last is None or len(panel.live._painted_at) < 5) and time.monotonic() < deadline:
        panel.show_live_frame(_result(next(frames)))  # faster than it paints: the extra frames are dropped
        qtbot.wait(5)
    avatar, painter = panel.live.last, panel.live.painter
    assert avatar is not None and avatar.image.shape == (256, 256, 3)
    assert avatar.style == STYLES_DIR / "rain.png", "Sad -> rain when the style follows the emotion"
    assert painter.dropped > 0 and painter.painted < painter.offered, "frames that would queue are dropped"
    assert not panel.live.view.pixmap().isNull() and re.search(r"\d+\.\d fps", panel.live.caption.text())
    pid = painter.pid
    panel.live.toggle.setChecked(False)
    assert panel.live.painter is None and panel.running_threads() == 1
    assert not process_running(pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_live_painter_that_dies_turns_live_off_with_a_notice(make_panel, qtbot) -> None:
    panel = make_panel(engine=None)
    panel.live.toggle.setChecked(True)
    deadline = time.monotonic() + 60
    while panel.live.last is None and time.monotonic() < deadline:
        panel.show_live_frame(_result(0))
        qtbot.wait(20)
    os.kill(panel.live.painter.pid, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while panel.live.toggle.isChecked() and time.monotonic() < deadline:
        panel.show_live_frame(_result(1))
        qtbot.wait(20)
    assert not panel.live.toggle.isChecked() and "stopped unexpectedly" in panel.notice.text
    qtbot.waitUntil(lambda: panel.running_threads() == 1, timeout=5000)
@pytest.mark.parametrize("raw, plain", [
    ("<urlopen error [Errno -2] Name or service not known>", "No internet connection"),
    ("[Errno -3] Temporary failure in name resolution", "No internet connection"),
    ("[Errno 28] No space left on device: '/x/vgg19.h5'", "The download failed (No space left on device"),
    ("Download cancelled.", "Download cancelled."),
])
def test_download_errors_are_said_in_plain_words(raw, plain):
    from ui.avatars.weights_gate import plain_error

    said = plain_error(raw)
    assert said.startswith(plain) and "Errno" not in said
