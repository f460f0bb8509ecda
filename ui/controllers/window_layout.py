"""How the window shares its space: the video stays the dominant element at every size, fullscreen
shows the video and its overlays only, and the layout (docks, panel sizes) is remembered.

Panels give way first: as the window narrows, the side column and the docks shrink toward their
minimum widths; below :data:`COLLAPSE_BELOW` px the docked panels collapse (a status message says
how to bring them back) and come back by themselves when the window is wide enough again.
"""

from __future__ import annotations

from PyQt5.QtCore import QByteArray, QEvent, QObject, QSettings, Qt
from PyQt5.QtWidgets import QApplication, QDockWidget, QMainWindow, QScrollArea, QSplitter, QWidget

SIDE_SHARE, SIDE_MIN, SIDE_MAX = 0.18, 200, 280  # the emoji/bars column: a share of the window width
DOCK_SHARE, DOCK_MIN, DOCK_MAX = 0.23, 290, 330  # the docks (Avatars, Snapshots)
PANEL_MIN = SIDE_MIN
COLLAPSE_BELOW = 1040  # px of window width: docked panels collapse below this
MIN_WINDOW = (760, 540)  # fits a 1280x720 screen with room for a taskbar and a title bar
STATE_KEY, SPLIT_KEY, STATE_VERSION = "window/state", "window/splitter", 2


class WindowLayout(QObject):
    """Watches ``window``'s size; keeps ``side`` (the splitter's second pane) and ``docks`` narrow
    enough that the video keeps at least half the width. ``fullscreen(on)`` hides everything but
    ``keep`` (the video); :meth:`save` / :meth:`restore` keep docks and panel sizes in ``settings``."""

    def __init__(self, window: QMainWindow, splitter: QSplitter, side: QWidget, docks: list[QDockWidget],
                 chrome: list[QWidget], settings: QSettings | None):
        super().__init__(window)
        self.window, self.splitter, self.side, self.docks = window, splitter, side, docks
        self.chrome = chrome  # hidden in fullscreen besides the menu bar, status bar and docks
        self.settings = settings
        self.collapsed: list[QDockWidget] = []  # docks this class hid, shown again when there is room
        self._hidden_for_fullscreen: list[QWidget] = []
        window.setMinimumSize(*MIN_WINDOW)
        window.installEventFilter(self)

    # ----- sizes
    def fit_to_screen(self) -> None:
        """Start at a comfortable size: up to 1560x920, within 92% of the screen's free area."""
        screen = QApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width = min(1560, int(area.width() * 0.92)) if area else 1180
        height = min(920, int(area.height() * 0.92)) if area else 700
        self.window.resize(max(MIN_WINDOW[0], width), max(MIN_WINDOW[1], height))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() in (QEvent.Resize, QEvent.Show) and not self.window.isFullScreen():
            self.share(self.window.width())
        return False

    def share(self, width: int) -> None:
        """Give the panels their share of ``width``; collapse or bring back the docked panels."""
        panel = max(SIDE_MIN, min(SIDE_MAX, int(width * SIDE_SHARE)))
        docked = max(DOCK_MIN, min(DOCK_MAX, int(width * DOCK_SHARE)))
        self.side.setMaximumWidth(panel)
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and sizes[1] > panel:  # the splitter would leave a blank band: the video takes it
            self.splitter.setSizes([sizes[0] + sizes[1] - panel, panel])
        for dock in self.docks:
            dock.setMaximumWidth(docked if not dock.isFloating() else 16777215)
        if width < COLLAPSE_BELOW:
            hidden = []
            for dock in self.docks:  # hiding one tab shows its sibling: each is checked in turn
                if dock.isVisible() and not dock.isFloating() and dock not in self.collapsed:
                    self.collapsed.append(dock)
                    dock.hide()
                    key = dock.toggleViewAction().shortcut().toString()
                    hidden.append(f"{dock.windowTitle()} ({key})" if key else dock.windowTitle())
            if hidden:
                self.window.statusBar().showMessage(
                    f"Hidden to keep the video large: {', '.join(hidden)}. Widen the window or press the key "
                    "to show a panel again.", 8000)
        else:
            for dock in self.collapsed:
                dock.show()
            self.collapsed.clear()

    # ----- fullscreen
    def fullscreen(self, on: bool) -> None:
        """The video with its overlays only (menu, status bar, notice and panels hidden), or back."""
        if on == self.window.isFullScreen():
            return
        if on:
            parts = [self.window.menuBar(), self.window.statusBar(), *self.chrome, *self.docks]
            self._hidden_for_fullscreen = [w for w in parts if w.isVisible()]
            for widget in self._hidden_for_fullscreen:
                widget.hide()
            self.window.showFullScreen()
        else:
            self.window.showNormal()
            for widget in self._hidden_for_fullscreen:
                widget.show()
            self._hidden_for_fullscreen = []

    # ----- remembered layout
    def save(self) -> None:
        if self.settings is None:
            return
        self.settings.setValue(STATE_KEY, self.window.saveState(STATE_VERSION))
        self.settings.setValue(SPLIT_KEY, self.splitter.saveState())

    def restore(self) -> bool:
        """Docks and panel sizes as the user left them; False on a first launch."""
        if self.settings is None:
            return False
        state, split = self.settings.value(STATE_KEY), self.settings.value(SPLIT_KEY)
        if isinstance(split, QByteArray):
            self.splitter.restoreState(split)
        return isinstance(state, QByteArray) and self.window.restoreState(state, STATE_VERSION)


def add_dock(window: QMainWindow, title: str, name: str, widget: QWidget) -> QDockWidget:
    """A right-hand dock holding ``widget`` in a scroll area: a short screen scrolls the panel
    instead of pushing the window taller than the screen."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)  # saveState/restoreState find it by this name
    scroll = QScrollArea(dock)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.setWidget(widget)
    dock.setWidget(scroll)
    dock.setMinimumWidth(DOCK_MIN - 40)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    return dock
