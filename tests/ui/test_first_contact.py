"""Issue 23, the defects a first-time user met: each test would have caught one (layout by widget
geometry at real screen sizes, offscreen)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PyQt5.QtCore import QTimer, Qt
from PyQt5.QtWidgets import QApplication

from tests.ui.test_main_window import press, wait_for_faces
from ui.controllers.window_layout import DOCK_MAX, MIN_WINDOW

SCREENS = [(1366, 768), (1920, 1080)]


def geometry(window):
    """Where the main parts are, in window coordinates."""
    parts = {"video": window.video_view, "bars": window.probability_bars, "timeline": window.timeline_view,
             "emoji": window.emoji_panel, "avatars": window.style_panel}
    return {name: (w.mapTo(window, w.rect().topLeft()), w.size()) for name, w in parts.items() if w.isVisible()}


def at_size(qtbot, window, size):
    """The window as a user's screen would leave it: 92% of the screen, as fit_to_screen does."""
    window.resize(int(size[0] * 0.92), int(size[1] * 0.92) - 30)
    qtbot.wait(200)
    return window


@pytest.mark.parametrize("size", SCREENS)
def test_f1_sheet_floats_over_the_video_and_moves_nothing(qtbot, make_window, one_face_source, size):
    window = at_size(qtbot, make_window(one_face_source), size)
    wait_for_faces(qtbot, window)
    before = geometry(window)
    press(qtbot, window, Qt.Key_F1)
    qtbot.wait(200)
    assert window.overlay.isVisible()
    assert window.overlay.parentWidget() is window.video_view  # floats: not a pane of the splitter
    assert window.splitter.count() == 2 and window.splitter.indexOf(window.overlay) == -1
    assert window.overlay.geometry() == window.video_view.rect()
    assert geometry(window) == before
    names = [name for name, _ in window.overlay.rows()]
    assert "Follow a face" in names and any("drag" in keys for _, keys in window.overlay.rows())


@pytest.mark.parametrize("size", SCREENS + [(1280, 720)])
def test_the_video_keeps_at_least_half_the_width_and_the_window_fits(qtbot, make_window, one_face_source, size):
    window = at_size(qtbot, make_window(one_face_source), size)
    wait_for_faces(qtbot, window)
    assert window.video_view.width() >= 0.5 * window.width()
    assert window.minimumSize().width() <= 1280 and window.minimumSize().height() <= 720 - 60
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720 - 60
    bar = window.statusBar()
    assert bar.isVisible() and bar.mapTo(window, bar.rect().bottomLeft()).y() <= window.height()


def test_a_narrow_window_collapses_the_docked_panels_first(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    window.resize(960, 700)
    qtbot.wait(200)
    assert not window.style_dock.isVisible() and "Avatars (A)" in window.statusBar().currentMessage()
    assert window.video_view.width() >= 480
    window.resize(1400, 800)
    qtbot.waitUntil(window.style_dock.isVisible, timeout=2000)


def test_fullscreen_is_the_video_only_and_esc_or_f_returns(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    for leave in (Qt.Key_Escape, Qt.Key_F):
        press(qtbot, window, Qt.Key_F)
        qtbot.waitUntil(window.isFullScreen, timeout=2000)
        hidden = (window.menuBar(), window.statusBar(), window.probability_bars, window.timeline_view,
                  window.style_dock, window.notice)
        assert not any(w.isVisible() for w in hidden) and window.video_view.isVisible()
        press(qtbot, window, leave)
        qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=2000)
        assert window.menuBar().isVisible() and window.statusBar().isVisible() and window.probability_bars.isVisible()
        assert window.isVisible()  # Esc never quits


def test_esc_never_quits(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    for _ in range(3):  # e.g. one Esc too many after closing a menu
        press(qtbot, window, Qt.Key_Escape)
    qtbot.wait(200)
    assert window.isVisible()


def _answer(qtbot, window, button_text, seen):
    def click():
        box = window.quit_guard.box
        if box is None:
            QTimer.singleShot(50, click)
            return
        seen.append(box.text())
        next(b for b in box.buttons() if b.text() == button_text).click()
    QTimer.singleShot(50, click)


def test_quitting_with_an_unexported_recording_asks_and_can_export(qtbot, make_window, one_face_source, app_dirs):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    press(qtbot, window, Qt.Key_R)
    qtbot.waitUntil(lambda: window.recording_controls.recorder.row_count > 5, timeout=5000)
    seen = []
    _answer(qtbot, window, "Cancel", seen)
    press(qtbot, window, Qt.Key_Q)
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert "not been exported" in seen[0] and window.isVisible()
    _answer(qtbot, window, "Export CSV and quit", seen)
    press(qtbot, window, Qt.Key_Q)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
    written = window.quit_guard.exported_on_quit
    assert written.parent == app_dirs["snapshots"] / "exports" and written.read_text().startswith("time_s,")


def test_a_snapshot_offline_opens_no_dialog_and_the_panel_keeps_its_width(qtbot, make_window, one_face_source,
                                                                          tmp_path, monkeypatch):
    monkeypatch.setenv("EMOCAM_VGG_WEIGHTS", str(tmp_path / "none.h5"))
    monkeypatch.setattr("ui.avatars.weights_gate.find_weights", lambda: None)
    window = make_window(one_face_source)
    window.style_panel.checks["auto"].setChecked(True)  # a first launch: "Paint every snapshot" is on
    at_size(qtbot, window, (1366, 768))
    wait_for_faces(qtbot, window)
    dock_before = window.style_dock.width()
    with qtbot.waitSignal(window.style_panel.avatar_saved, timeout=300_000):  # the fast engine, offline; a hang guard
        press(qtbot, window, Qt.Key_Space)
        qtbot.wait(300)
        assert QApplication.activeModalWidget() is None and window.style_panel.gate.consent_box is None
    assert QApplication.activeModalWidget() is None and window.style_panel.gate.consent_box is None
    qtbot.wait(200)
    assert window.style_dock.width() <= max(dock_before, DOCK_MAX)
    viewport = window.style_dock.widget().viewport()
    assert window.style_panel.width() <= viewport.width()  # nothing wider than the dock: no clipped text
    assert window.video_view.width() >= 0.5 * window.width()
    assert "Errno" not in window.style_panel.notice.text
    assert not window.style_panel.progress.isVisible()  # no empty text-field look-alike
    for button in window.style_panel.notice.findChildren(type(window.snapshot_button)):
        assert button.width() >= button.sizeHint().width() - 2  # no clipped button text


def test_a_failed_source_clears_faces_bars_emoji_and_counts(qtbot, make_window, one_face_source, tmp_path):
    window = make_window(one_face_source)
    wait_for_faces(qtbot, window)
    window.sources.open_source(str(tmp_path / "gone.mp4"))
    qtbot.wait(300)
    assert window.last_result is None and window.video_view.result is None
    assert not window.probability_bars.has_face and window.emoji_panel.current_index is None
    qtbot.waitUntil(lambda: window.status_labels["faces"].text() == "no face", timeout=2000)
    assert "gone.mp4" in window.video_view.message and "Nothing is playing" in window.video_view.message
    checked = [a.text() for a in window.sources.camera_menu.actions() if a.isChecked()]
    assert checked == []  # no phantom "Camera 0" ticked


def test_bad_weights_at_start_fall_back_to_the_shipped_model_with_a_notice(qtbot, make_window, one_face_source,
                                                                          tmp_path):
    from emocam.models.lookup import default_weights

    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not a model at all")
    window = make_window(one_face_source, weights=bad)
    assert window.models.model_path == default_weights()
    assert "broken.h5" in window.notice.text and "shipped model" in window.notice.text
    assert "?." not in window.notice.text and ".." not in window.notice.text
    wait_for_faces(qtbot, window)  # faces are scored: not "No face" with a face in view
    window.models.load_model(default_weights())
    qtbot.waitUntil(lambda: not window.notice.isVisible(), timeout=10000)  # a good model clears it


def test_export_dialog_starts_in_the_exports_folder_created_on_demand(qtbot, make_window, one_face_source, app_dirs):
    window = make_window(one_face_source)
    suggestion = window.recording_controls.suggested_path("json")
    assert suggestion.parent == app_dirs["snapshots"] / "exports" and suggestion.parent.is_dir()


def test_record_button_says_stop_and_the_menu_has_no_bullet(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    action = window.recording_controls.record_action
    assert "●" not in action.text() and action.iconText() == "● Record"
    action.setChecked(True)
    assert "Stop" in action.iconText()
    action.setChecked(False)
    assert action.iconText() == "● Record"


def test_style_picker_labels_are_never_cut(qtbot, make_window, one_face_source):
    window = at_size(qtbot, make_window(one_face_source), (1366, 768))
    picker = window.style_panel.picker
    viewport = picker.viewport().rect()
    for i in range(picker.count()):
        rect = picker.visualItemRect(picker.item(i))
        if rect.intersects(viewport):
            assert viewport.left() <= rect.left() and rect.right() <= viewport.right()


@pytest.mark.parametrize("size", SCREENS)
def test_no_dead_space_under_the_emoji(qtbot, make_window, one_face_source, size):
    window = at_size(qtbot, make_window(one_face_source), size)
    wait_for_faces(qtbot, window)
    panel = window.emoji_panel
    drawn = panel.content_rect()
    assert panel.height() - drawn.bottom() <= 40 and drawn.top() <= 40


def test_four_faces_listed_with_track_numbers_and_click_to_follow(qtbot, make_window):
    from emocam.live.sources import FramesSource
    from tests.ui.conftest import frames_with_faces

    four = FramesSource(frames_with_faces([(20, 20), (340, 20), (20, 250), (340, 250)], side=200), fps=30,
                        name="Four faces")
    window = make_window(four)
    result = wait_for_faces(qtbot, window, n=4)
    qtbot.waitUntil(lambda: len(window.face_list.rows()) == 4, timeout=3000)
    tracks = sorted(f.track_id for f in result.faces)
    assert [t for t, _ in window.face_list.rows()] == tracks
    assert all(text.startswith(f"#{t} ") for t, text in window.face_list.rows())
    assert window.video_view.label_for(result.faces[0]).startswith(f"#{result.faces[0].track_id} ")
    target = tracks[-1]
    item = next(window.face_list.item(i) for i in range(4) if window.face_list.item(i).data(Qt.UserRole) == target)
    window.face_list.itemClicked.emit(item)
    assert window.selected_track == target and window.probability_bars.caption == f"Face #{target}"
    press(qtbot, window, Qt.Key_T)
    assert not window.video_view.label_for(result.faces[0]).startswith("#")


def test_snapshot_goes_to_the_gallery_with_a_sidecar_of_emotions(qtbot, make_window, one_face_source, app_dirs):
    window = make_window(one_face_source)
    window.snapshots.overlays_action.setChecked(True)
    result = wait_for_faces(qtbot, window)
    with qtbot.waitSignal(window.snapshot_saved, timeout=5000) as saved:
        window.take_snapshot()
    path = Path(saved.args[0])
    assert window.snapshots.gallery.paths() == [path]
    record = json.loads(path.with_suffix(".json").read_text())
    assert record["image"] == path.name and len(record["faces"]) == len(result.faces)
    assert set(record["faces"][0]["probabilities"]) >= {"Happy", "Neutral"}


def test_countdown_waits_three_seconds_then_saves(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    window.snapshots.countdown_action.setChecked(True)
    wait_for_faces(qtbot, window)
    window.take_snapshot()
    assert window.video_view.message == "3"
    with qtbot.waitSignal(window.snapshot_saved, timeout=6000):
        pass
    assert window.video_view.message is None


def test_about_names_version_model_and_licences(qtbot, make_window, one_face_source):
    from emocam import __version__

    window = make_window(one_face_source)
    text = window.help.about_text()
    assert __version__ in text and "tiny.tflite" in text and "Apache" in text


def test_resolution_menu_has_automatic_and_shows_the_current_one(qtbot, make_window, one_face_source):
    window = make_window(one_face_source)
    menu = window.sources._resolution_menu
    assert "Automatic" in menu.title()
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "Automatic" and menu.actions()[0].isChecked()
    menu.actions()[2].trigger()
    assert "1280 x 720" in menu.title() and window.prefs.resolution == (1280, 720)


def test_layout_is_remembered(qtbot, make_window, one_face_source, app_dirs):
    window = make_window(one_face_source)
    window.style_dock.hide()
    window.close()
    again = make_window(one_face_source)
    qtbot.wait(200)
    assert not again.style_dock.isVisible()


def test_window_minimum_size_fits_1280x720():
    assert MIN_WINDOW[0] <= 1280 and MIN_WINDOW[1] <= 720 - 60


@pytest.mark.parametrize("size", SCREENS)
def test_no_blank_band_between_the_side_column_and_the_docks(qtbot, make_window, one_face_source, size):
    window = at_size(qtbot, make_window(one_face_source), size)
    wait_for_faces(qtbot, window)
    side = window.splitter.widget(1)
    assert window.splitter.sizes()[1] <= side.maximumWidth()
    assert side.width() == window.splitter.sizes()[1]
