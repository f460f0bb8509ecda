"""The real main window on a fake camera: faces, bars, emoji, shortcuts, snapshots, model swap,
selection by click, no camera, preferences."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PyQt5.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PyQt5.QtGui import QDropEvent
from PyQt5.QtWidgets import QApplication

from ui.preferences import Preferences


def wait_for_faces(qtbot, window, n=1, timeout=10000):
    qtbot.waitUntil(lambda: window.last_result is not None and len(window.last_result.faces) == n,
                    timeout=timeout)
    return window.last_result


def press(qtbot, window, key, modifier=Qt.NoModifier):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.keyClick(window, key, modifier)


def test_window_shows_face_label_bars_and_emoji(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    result = wait_for_faces(qtbot, window)
    face = result.faces[0]
    assert 250 < face.box.x + face.box.w / 2 < 380  # the tile sits at x 220..420
    qtbot.waitUntil(lambda: window.probability_bars.targets == face.prediction.probabilities or
                    window.last_result.faces and window.probability_bars.targets ==
                    window.selected_face(window.last_result).prediction.probabilities, timeout=3000)
    shown = window.selected_face(window.last_result)
    assert window.emoji_panel.current_index == shown.label
    qtbot.waitUntil(lambda: "1 face" in window.status_labels["faces"].text(), timeout=3000)
    assert window.status_labels["source"].text() == "Source: Fake camera"
    assert window.status_labels["model"].text() == "Model: tiny.tflite"
    qtbot.waitUntil(lambda: "fps" in window.status_labels["fps"].text()
                    and not window.status_labels["fps"].text().startswith("0.0"), timeout=5000)
    assert "latency" in window.status_labels["latency"].text()


def test_no_face_state(qtbot, make_window):
    from emocam.live.sources import FramesSource

    blank = FramesSource([np.full((480, 640, 3), 90, np.uint8)], fps=30, name="Blank")
    window = make_window(blank)
    qtbot.waitUntil(lambda: window.last_result is not None, timeout=5000)
    assert window.last_result.faces == ()
    assert window.emoji_panel.current_index is None
    assert not window.probability_bars.has_face


@pytest.mark.parametrize("key", [Qt.Key_Space, Qt.Key_S])
def test_snapshot_shortcut_saves_png(qtbot, make_window, one_face_source, app_dirs, key):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    with qtbot.waitSignal(window.snapshot_saved, timeout=5000) as saved:
        press(qtbot, window, key)
    path = Path(saved.args[0])
    assert path.parent == app_dirs["snapshots"] and path.suffix == ".png"
    image = cv2.imread(str(path))
    assert image is not None and image.shape == (480, 640, 3)
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp file left
    assert str(path) in window.statusBar().currentMessage()


def test_two_snapshots_get_distinct_names(qtbot, make_window, one_face_source, app_dirs):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    for _ in range(2):
        with qtbot.waitSignal(window.snapshot_saved, timeout=5000):
            window.actions.snapshot.trigger()
    assert len(list(app_dirs["snapshots"].glob("*.png"))) == 2


@pytest.mark.parametrize("key,modifier", [(Qt.Key_Q, Qt.NoModifier), (Qt.Key_Q, Qt.ControlModifier)])
def test_quit_shortcuts_close_the_window_and_stop_workers(qtbot, make_window, one_face_source, key, modifier):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    press(qtbot, window, key, modifier)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=2000)
    qtbot.waitUntil(lambda: window.running_threads() == 0, timeout=2000)


def test_mirror_fullscreen_and_cheat_sheet_shortcuts(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    assert window.video_view.mirror  # a camera source starts mirrored
    press(qtbot, window, Qt.Key_M)
    assert not window.video_view.mirror and not window.actions.mirror.isChecked()
    press(qtbot, window, Qt.Key_F)
    qtbot.waitUntil(lambda: window.isFullScreen(), timeout=2000)
    press(qtbot, window, Qt.Key_F)
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=2000)
    press(qtbot, window, Qt.Key_F1)
    assert window.overlay.isVisible()
    names = [name for name, _ in window.overlay.rows()]
    assert {"Snapshot", "Quit", "Mirror view", "Fullscreen", "Open model"} <= set(names)
    qtbot.keyClick(window.overlay, Qt.Key_Escape)  # Esc closes the sheet, not the app
    assert not window.overlay.isVisible() and window.isVisible()


def test_open_model_shortcut_loads_the_chosen_file(qtbot, make_window, one_face_source, tiny_models, monkeypatch,
                                                   tmp_path):
    other = tmp_path / "chosen.tflite"
    shutil.copy(tiny_models["tflite48"], other)
    monkeypatch.setattr("ui.controllers.model.QFileDialog.getOpenFileName", lambda *a, **k: (str(other), ""))
    window = make_window(one_face_source)
    press(qtbot, window, Qt.Key_O, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.models.model_path == other, timeout=10000)
    assert window.status_labels["model"].text() == "Model: chosen.tflite"


def test_model_swap_good_then_bad_keeps_running(qtbot, make_window, one_face_source, tiny_models, tmp_path):
    from emocam.models.loading import load_classifier

    load_classifier(tiny_models["h5_64"])  # convert here (TF is loaded already): the app's child hits the cache
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    window.models.load_model(tiny_models["h5_64"])  # a legacy Keras .h5 at 64 px
    qtbot.waitUntil(lambda: window.models.model_path == tiny_models["h5_64"], timeout=60000)
    qtbot.waitUntil(lambda: window.session.pipeline.classifier.spec.height == 64, timeout=5000)
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"definitely not a model")
    window.models.load_model(bad)
    qtbot.waitUntil(lambda: "broken.keras" in window.notice.text, timeout=10000)
    assert "Model not loaded" in window.notice.text and "tiny64.h5" in window.notice.text
    assert window.models.model_path == tiny_models["h5_64"]
    seen = window.last_result.frame.index
    qtbot.waitUntil(lambda: window.last_result.frame.index > seen + 3, timeout=5000)  # video goes on


def test_new_file_in_weights_folder_is_loaded(qtbot, make_window, one_face_source, app_dirs, tiny_models):
    window = make_window(one_face_source)
    dropped = app_dirs["weights"] / "dropped.tflite"
    shutil.copy(tiny_models["tflite48"], dropped)
    qtbot.waitUntil(lambda: window.models.model_path == dropped, timeout=10000)


def test_dragging_a_model_onto_the_window_loads_it(qtbot, make_window, one_face_source, tiny_models, tmp_path):
    window = make_window(one_face_source)
    target = tmp_path / "dragged.tflite"
    shutil.copy(tiny_models["tflite48"], target)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(target))])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.models.model_path == target, timeout=10000)


def test_click_selects_a_face(qtbot, make_window, two_face_source):
    window = make_window(two_face_source)
    result = wait_for_faces(qtbot, window, n=2)
    right = max(result.faces, key=lambda f: f.box.x)
    left = min(result.faces, key=lambda f: f.box.x)
    view = window.video_view
    for face in (right, left):
        rect = view.map_box_to_widget(face)
        qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(int(rect.center().x()), int(rect.center().y())))
        assert window.selected_track == face.track_id
        qtbot.waitUntil(lambda f=face: window.selected_face(window.last_result).track_id == f.track_id,
                        timeout=3000)
        chosen = window.selected_face(window.last_result)
        assert window.probability_bars.targets == chosen.prediction.probabilities


def test_no_camera_falls_back_to_demo_and_says_so(qtbot, make_window, app_dirs):
    window = make_window(None)  # no --source: tries the saved/first camera, none exists here
    qtbot.waitUntil(lambda: "No camera" in window.notice.text, timeout=10000)
    qtbot.waitUntil(lambda: window.status_labels["source"].text() == "Source: Demo", timeout=5000)
    wait_for_faces(qtbot, window, timeout=15000)
    buttons = [b.text() for b in window.notice._buttons]
    assert buttons == ["Find cameras", "Open video or image...", "Demo"]


def test_explicit_missing_camera_is_reported_not_replaced(qtbot, make_window):
    window = make_window("57")
    qtbot.waitUntil(lambda: "camera 57" in window.notice.text, timeout=10000)
    assert window.status_labels["source"].text() == "Source: Camera 57 — failed"
    assert "camera 57" in (window.video_view.message or "")


def test_preferences_persist(qtbot, make_window, one_face_source, app_dirs):
    from PyQt5.QtCore import QSettings

    window = make_window(one_face_source)
    press(qtbot, window, Qt.Key_M)  # camera mirror off
    strong = next(a for a in window.actions.smoothing_group.actions() if a.text() == "Strong")
    strong.trigger()
    window.close()
    prefs = Preferences(QSettings(str(app_dirs["settings"]), QSettings.IniFormat))
    assert prefs.mirror_camera is False
    assert prefs.smoothing == "Strong"
    assert prefs.model_path == str(app_dirs["model"])


@pytest.mark.parametrize("found, expected_first", [
    ([0, 2], ["Camera 0", "Camera 2", ""]),
    ([], ["No camera found", ""]),
])
def test_camera_menu_is_filled_by_a_background_probe(qtbot, make_window, one_face_source, monkeypatch, found,
                                                     expected_first):
    """The cameras this machine has are faked (the probe opens real devices): the menu must list
    exactly what the probe found, which the test chose, not what the window says it found."""
    import threading

    answer = threading.Event()
    probed = []

    def probe_cameras(max_index=4, in_use=()):
        probed.append(in_use)
        answer.wait(30)
        return list(found)

    monkeypatch.setattr("ui.workers.probe_cameras", probe_cameras)
    window = make_window(one_face_source)
    window.sources.find_cameras()
    assert [a.text() for a in window.sources.camera_menu.actions()][:1] == ["Searching for cameras..."]
    answer.set()
    qtbot.waitUntil(lambda: window.sources.cameras is not None, timeout=15000)
    assert window.sources.cameras == tuple(found) and probed == [()]  # the demo is no camera in use
    texts = [a.text() for a in window.sources.camera_menu.actions()]
    assert texts[: len(expected_first)] == expected_first
    assert [a.data() for a in window.sources.camera_group.actions()] == found
    assert {"&Demo", "Open &video or image...", "&Resolution (Automatic)", "&Find cameras"} <= set(texts)
    resolutions = [a.text() for a in window.sources.resolution_group.actions()]
    assert resolutions == ["Automatic", "640 x 480", "1280 x 720", "1920 x 1080"]


def test_timeline_follows_the_selected_face_and_recording_is_off_by_default(qtbot, make_window, one_face_source,
                                                                           app_dirs):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    qtbot.waitUntil(lambda: len(window.timeline_view.points) > 3, timeout=5000)
    assert window.timeline_view.track_id == window.selected_face(window.last_result).track_id
    assert not window.recording_controls.recording and window.recording_controls.recorder.row_count == 0
    assert not app_dirs["snapshots"].exists()  # nothing written unless asked


def test_r_records_and_ctrl_e_exports_csv(qtbot, make_window, one_face_source, tmp_path, monkeypatch):
    target = tmp_path / "session.csv"
    monkeypatch.setattr("ui.controllers.recording.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    press(qtbot, window, Qt.Key_R)
    qtbot.waitUntil(lambda: "REC" in window.recording_controls.indicator.text(), timeout=5000)
    recorder = window.recording_controls.recorder
    qtbot.waitUntil(lambda: recorder.row_count >= 3, timeout=15000)  # rows, not a guess at how long they take
    press(qtbot, window, Qt.Key_R)
    rows = recorder.row_count
    assert not recorder.recording
    # the export's own signal, not the file appearing: the window learns the rows are safe only then
    with qtbot.waitSignal(window.recording_controls.export_finished, timeout=30000) as done:
        press(qtbot, window, Qt.Key_E, Qt.ControlModifier)
    assert done.args == [target] and not window.recording_controls.has_unexported_rows
    lines = target.read_text().splitlines()
    assert lines[0].startswith("time_s,frame,track_id") and len(lines) == 1 + rows >= 4


def test_snapshot_that_cannot_be_written_is_reported_and_nothing_else_breaks(qtbot, make_window, one_face_source,
                                                                             tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the snapshot folder should be")
    window = make_window(one_face_source, output_dir=blocker / "snaps")
    wait_for_faces(qtbot, window)
    window.actions.snapshot.trigger()
    qtbot.waitUntil(lambda: "Snapshot not saved" in window.notice.text, timeout=5000)
    assert str(blocker / "snaps") in window.notice.text
    seen = window.last_result.frame.index
    qtbot.waitUntil(lambda: window.last_result.frame.index > seen + 3, timeout=5000)


def test_more_faces_than_the_cap_are_counted_and_said(qtbot, make_window):
    from emocam.live.sources import FramesSource
    from tests.ui.conftest import frames_with_faces

    crowd = frames_with_faces([(10 + 125 * i, 20 + 230 * j) for i in range(5) for j in range(2)], side=120)
    window = make_window(FramesSource(crowd, fps=15, name="Crowd"))
    qtbot.waitUntil(lambda: window.last_result is not None and window.last_result.faces_skipped > 0, timeout=15000)
    qtbot.waitUntil(lambda: "(limit)" in window.status_labels["faces"].text(), timeout=3000)
    assert len(window.last_result.faces) == window.session.pipeline.settings.max_faces


def test_snapshots_reach_the_avatars_panel_and_a_toggles_it(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    with qtbot.waitSignal(window.snapshot_saved, timeout=5000) as saved:
        window.actions.snapshot.trigger()
    assert window.style_panel.last_snapshot == Path(saved.args[0])
    assert window.style_panel.paint_button.isEnabled()
    visible = window.style_dock.isVisible()
    press(qtbot, window, Qt.Key_A)
    qtbot.waitUntil(lambda: window.style_dock.isVisible() != visible, timeout=2000)


def test_a_camera_whose_open_hangs_leaves_the_window_responsive(qtbot, make_window):
    import threading

    release = threading.Event()

    class HangingCamera:
        is_camera, name = True, "Hanging camera"

        def open(self):
            release.wait(20)

        def read(self):
            return None

        def close(self):
            pass

    window = make_window(HangingCamera())
    qtbot.waitUntil(lambda: "opening" in window.status_labels["source"].text(), timeout=5000)
    assert "Opening Hanging camera" in (window.video_view.message or "")
    mirrored = window.video_view.mirror
    press(qtbot, window, Qt.Key_M)  # the GUI thread is free while the driver hangs
    assert window.video_view.mirror != mirrored
    window.sources.open_source(FramesSource_one_face())  # switching away does not wait for the hung open
    qtbot.waitUntil(lambda: window.last_result is not None and bool(window.last_result.faces), timeout=10000)
    release.set()


def FramesSource_one_face():
    from emocam.live.sources import FramesSource
    from tests.ui.conftest import frames_with_faces

    return FramesSource(frames_with_faces([(220, 140)]), fps=30, name="Fake camera", is_camera=True)


def test_twenty_rapid_snapshots_are_all_saved_and_video_goes_on(qtbot, make_window, one_face_source, app_dirs):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    for _ in range(20):
        press(qtbot, window, Qt.Key_Space)
    qtbot.waitUntil(lambda: len(list(app_dirs["snapshots"].glob("*.png"))) == 20, timeout=15000)
    seen = window.last_result.frame.index
    qtbot.waitUntil(lambda: window.last_result.frame.index > seen + 3, timeout=5000)
    assert not [p for p in app_dirs["snapshots"].iterdir() if p.suffix not in (".png", ".json")]
