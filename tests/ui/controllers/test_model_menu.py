"""File > Models in the real window: lists the shipped model and the user's with their card summaries,
checks the one in use, switches on click (a refused file keeps the current model), and lists a file
dropped into a folder after start."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PyQt5.QtCore import QObject, QUrl, pyqtSlot
from PyQt5.QtGui import QDesktopServices

from emocam.models.lookup import weights_dir
from ui.controllers.menus import FILE

SHIPPED = weights_dir() / "emocam_fer_v5.tflite"


@pytest.fixture
def user_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The per-user drop-in folder (``EMOCAM_DATA_DIR``) with one model and its card."""
    monkeypatch.setenv("EMOCAM_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "data" / "weights"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def window(make_window, one_face_source, app_dirs, user_models, tiny_models):
    """The window on the tiny model, with the shipped model (its real bytes and card) in its weights
    folder and a user model with a card summary."""
    shutil.copy(SHIPPED, app_dirs["weights"])
    shutil.copy(SHIPPED.with_name("emocam_fer_v5.card.json"), app_dirs["weights"])
    (app_dirs["weights"] / "DEFAULT").write_text(SHIPPED.name)
    shutil.copy(tiny_models["tflite48"], user_models / "mine.tflite")
    (user_models / "mine.card.json").write_text(json.dumps(
        {"summary": {"accuracy": 0.5, "macro_f1": 0.41, "ms_per_face": 0.2, "arch": "mini_xception"}}))
    return make_window(one_face_source)


def _open(menu) -> dict:
    menu.aboutToShow.emit()  # what opening it does (by click or keyboard); offscreen has no popup to click
    return {a.text(): a for a in menu.model_actions()}


def _kb(path: Path) -> str:
    return f"{round(path.stat().st_size / 1024)} KB"


SHIPPED_LINE = "emocam_fer_v5 (default) — 67% acc, macro-F1 0.63"
MINE_LINE = "mine — 50% acc, macro-F1 0.41, 0.20 ms/face"


def test_lists_shipped_and_dropped_in_models_with_their_summaries(window, app_dirs, user_models):
    menu = window.models.models_menu
    entries = _open(menu)
    assert list(entries) == [SHIPPED_LINE, f"tiny — {_kb(app_dirs['model'])}", MINE_LINE]
    assert [e.folder for e in menu.entries] == ["shipped", "weights", "user"]
    mine = user_models / "mine.tflite"
    assert entries[MINE_LINE].toolTip().splitlines() == [str(mine), f"your models folder · {_kb(mine)}",
                                                         "mini_xception"]
    assert entries[MINE_LINE].statusTip() == f"{mine} · your models folder · {_kb(mine)} · mini_xception"
    assert menu.toolTipsVisible()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[-2:] == ["&Open model file...", "&Show models folder"]


def test_the_model_in_use_is_checked_and_only_it(window):
    entries = _open(window.models.models_menu)
    assert [a.isChecked() for a in entries.values()] == [False, True, False]  # tiny.tflite is in use
    assert window.models.models_menu.group.isExclusive()


def test_clicking_an_entry_switches_the_model(window, qtbot, user_models):
    entries = _open(window.models.models_menu)
    entries[MINE_LINE].trigger()
    assert not entries[MINE_LINE].isChecked()  # checked once it is in use, not when asked for
    qtbot.waitUntil(lambda: window.models.model_path == user_models / "mine.tflite", timeout=20000)
    assert window.status_labels["model"].text() == "Model: mine.tflite"
    assert [a.isChecked() for a in entries.values()] == [False, False, True]
    entries[SHIPPED_LINE].trigger()
    qtbot.waitUntil(lambda: window.status_labels["model"].text() == "Model: emocam_fer_v5.tflite", timeout=20000)
    assert [a.isChecked() for a in _open(window.models.models_menu).values()] == [True, False, False]


def test_a_refused_model_keeps_the_current_one_and_says_why(window, qtbot, user_models, app_dirs):
    (user_models / "broken.tflite").write_bytes(b"definitely not a model")
    entries = _open(window.models.models_menu)
    broken = next(a for text, a in entries.items() if text.startswith("broken — "))
    broken.trigger()
    qtbot.waitUntil(lambda: "broken.tflite" in window.notice.text, timeout=20000)
    assert window.notice.text.startswith("Model not loaded") and "Still using tiny.tflite" in window.notice.text
    assert window.models.model_path == app_dirs["model"]
    assert window.status_labels["model"].text() == "Model: tiny.tflite"
    assert [a.text() for a in window.models.models_menu.model_actions() if a.isChecked()] == \
        [f"tiny — {_kb(app_dirs['model'])}"]


@pytest.mark.parametrize("folder", ["weights", "user"])
def test_a_file_dropped_after_start_is_listed_next_time_the_menu_opens(window, app_dirs, user_models, tiny_models,
                                                                      folder):
    target = (app_dirs["weights"] if folder == "weights" else user_models) / "late & new.tflite"
    before = _open(window.models.models_menu)
    shutil.copy(tiny_models["tflite48"], target)
    after = _open(window.models.models_menu)
    added = set(after) - set(before)
    assert added == {f"late && new — {_kb(target)}"}  # a literal "&", not a mnemonic


def test_show_models_folder_makes_and_opens_the_user_folder(window, user_models, qtbot):
    shutil.rmtree(user_models)

    class FileManager(QObject):
        opened: list[str] = []

        @pyqtSlot(QUrl)
        def open(self, url: QUrl) -> None:
            self.opened.append(url.toLocalFile())

    manager = FileManager()
    QDesktopServices.setUrlHandler("file", manager, b"open")
    try:
        window.models.models_menu.show_folder_action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert manager.opened == [str(user_models)] and user_models.is_dir()


def test_the_file_menu_reaches_models_by_keyboard_with_unique_mnemonics(window):
    file_menu = window.menus[FILE]
    assert file_menu.title() == "&File"
    assert window.models.models_menu.menuAction() in file_menu.actions()
    keys = [_mnemonic(a.text()) for a in file_menu.actions() if not a.isSeparator()]
    assert "m" in keys and all(keys) and len(keys) == len(set(keys)), keys
    sub = [_mnemonic(a.text()) for a in window.models.models_menu.actions() if a.text().startswith("&")]
    assert sub == ["o", "s"]



def test_the_file_menu_groups_opening_snapshots_and_quit_with_separators(window):
    layout = ["-" if a.isSeparator() else a.text().replace("&", "") for a in window.menus[FILE].actions()]
    groups = " | ".join(layout).split(" | - | ")
    assert groups[0].split(" | ") == ["Open model...", "Models", "Open video or image..."]
    assert groups[-1] == "Quit", layout  # last, on its own


def _mnemonic(text: str) -> str:
    plain = text.replace("&&", "")
    return plain[plain.index("&") + 1].lower() if "&" in plain else ""


def test_keyboard_alone_opens_file_models_and_switches(window, qtbot, user_models):
    from PyQt5.QtCore import Qt
    from PyQt5.QtWidgets import QApplication

    (user_models / "late.tflite").write_bytes((user_models / "mine.tflite").read_bytes())  # listed on opening
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key_F, Qt.AltModifier)
    file_menu = window.menus[FILE]
    qtbot.waitUntil(file_menu.isVisible, timeout=3000)
    qtbot.keyClick(file_menu, Qt.Key_M)
    menu = window.models.models_menu
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    assert [e.name for e in menu.entries] == ["emocam_fer_v5", "tiny", "late", "mine"]
    assert menu.activeAction() is menu.model_actions()[0]  # opened by keyboard: the first entry is selected
    for _ in range(2):  # down to the third model: "late"
        qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key_Down)
    assert menu.activeAction().text().startswith("late — ")
    qtbot.keyClick(menu, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.status_labels["model"].text() == "Model: late.tflite", timeout=20000)
