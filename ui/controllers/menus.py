"""Every window action with its shortcuts, in menus. Built once by the main window."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QActionGroup, QMainWindow, QMenu

from ..preferences import SMOOTHING_LEVELS

RESOLUTIONS = ((640, 480), (1280, 720), (1920, 1080))


@dataclass
class Actions:
    snapshot: QAction
    quit: QAction
    mirror: QAction
    fullscreen: QAction
    shortcuts: QAction
    open_model: QAction
    open_video: QAction
    demo: QAction
    find_cameras: QAction
    mirror_snapshots: QAction
    camera_menu: QMenu
    camera_group: QActionGroup
    resolution_group: QActionGroup
    smoothing_group: QActionGroup

    def all(self) -> list[QAction]:
        return [self.snapshot, self.quit, self.mirror, self.fullscreen, self.shortcuts,
                self.open_model, self.open_video, self.demo, self.find_cameras]


def _action(window: QMainWindow, text: str, keys=(), checkable=False, tip="") -> QAction:
    action = QAction(text, window)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setCheckable(checkable)
    action.setStatusTip(tip)
    window.addAction(action)  # shortcuts work even when the menu bar is hidden (fullscreen)
    return action


def build_menus(window: QMainWindow) -> Actions:
    bar = window.menuBar()
    a = Actions(
        snapshot=_action(window, "&Snapshot", ("Space", "S"), tip="Save the current frame"),
        quit=_action(window, "&Quit", ("Q", "Esc", "Ctrl+Q")),
        mirror=_action(window, "&Mirror view", ("M",), checkable=True),
        fullscreen=_action(window, "&Fullscreen", ("F",), checkable=True),
        shortcuts=_action(window, "Keyboard &shortcuts", ("F1",)),
        open_model=_action(window, "Open &model...", ("Ctrl+O",), tip="Load an emotion model file"),
        open_video=_action(window, "Open &video or image...", ("Ctrl+Shift+O",)),
        demo=_action(window, "&Demo", ("Ctrl+D",), tip="The built-in demo source"),
        find_cameras=_action(window, "&Find cameras", ("Ctrl+R",)),
        mirror_snapshots=_action(window, "Save snapshots &mirrored", checkable=True),
        camera_menu=QMenu("&Camera", window),
        camera_group=QActionGroup(window),
        resolution_group=QActionGroup(window),
        smoothing_group=QActionGroup(window),
    )
    file_menu = bar.addMenu("&File")
    for action in (a.snapshot, a.open_model, a.open_video, None, a.quit):
        file_menu.addSeparator() if action is None else file_menu.addAction(action)
    view_menu = bar.addMenu("&View")
    for action in (a.mirror, a.mirror_snapshots, a.fullscreen):
        view_menu.addAction(action)
    smoothing = view_menu.addMenu("S&moothing")
    for level in SMOOTHING_LEVELS:
        act = smoothing.addAction(level)
        act.setCheckable(True)
        a.smoothing_group.addAction(act)
    bar.addMenu(a.camera_menu)
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a.shortcuts)
    return a


def fill_camera_menu(a: Actions, cameras: tuple[int, ...] | None, current: str) -> None:
    """Rebuild the camera menu: found cameras, demo, resolution, rescan."""
    menu = a.camera_menu
    menu.clear()
    for act in a.camera_group.actions():
        a.camera_group.removeAction(act)
    if cameras is None:
        menu.addAction("Searching for cameras...").setEnabled(False)
    elif not cameras:
        menu.addAction("No camera found").setEnabled(False)
    for index in cameras or ():
        act = menu.addAction(f"Camera {index}")
        act.setCheckable(True)
        act.setData(index)
        act.setChecked(current == f"Camera {index}")
        a.camera_group.addAction(act)
    menu.addSeparator()
    menu.addAction(a.demo)
    menu.addAction(a.open_video)
    res_menu = menu.addMenu("&Resolution")
    for act in a.resolution_group.actions():
        res_menu.addAction(act)
    menu.addSeparator()
    menu.addAction(a.find_cameras)


def add_resolutions(a: Actions, window: QMainWindow, chosen: tuple[int, int] | None) -> None:
    for w, h in RESOLUTIONS:
        act = QAction(f"{w} x {h}", window)
        act.setCheckable(True)
        act.setData((w, h))
        act.setChecked(chosen == (w, h))
        a.resolution_group.addAction(act)
