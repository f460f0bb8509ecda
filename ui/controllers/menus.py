"""Menus built from what each part of the window declares: a part lists ``MenuItem`` values (which
menu, which action or submenu), and :func:`build_menu_bar` lays them out in a fixed menu order.
Nothing is ever looked up by label or position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QActionGroup, QMenu, QMenuBar, QWidget

from ..preferences import SMOOTHING_LEVELS

FILE, VIEW, CAMERA, SESSION, HELP = "&File", "&View", "&Camera", "&Session", "&Help"
MENU_ORDER = (FILE, VIEW, CAMERA, SESSION, HELP)
SEPARATOR = None


@dataclass(frozen=True)
class MenuItem:
    """One entry of menu ``menu``: an action, a submenu, or a separator (None). A QMenu titled
    exactly ``menu`` is that whole menu, owned by the part that declares it (e.g. the Camera menu,
    which its controller rebuilds)."""

    menu: str
    entry: QAction | QMenu | None = SEPARATOR

    def __post_init__(self):
        if self.menu not in MENU_ORDER:
            raise ValueError(f"MenuItem.menu must be one of {MENU_ORDER}, got {self.menu!r}")


def make_action(owner: QWidget, text: str, keys=(), checkable: bool = False, tip: str = "") -> QAction:
    """An action whose shortcuts work even when the menu bar is hidden (fullscreen): it is also added
    to ``owner`` (the window)."""
    action = QAction(text, owner)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setCheckable(checkable)
    action.setStatusTip(tip)
    owner.addAction(action)
    return action


def build_menu_bar(bar: QMenuBar, items: Iterable[MenuItem]) -> dict[str, QMenu]:
    """Fill ``bar`` with the declared items, menus in :data:`MENU_ORDER`, items in declaration order."""
    items = list(items)
    menus: dict[str, QMenu] = {}
    for title in MENU_ORDER:
        entries = [item.entry for item in items if item.menu == title]
        if not entries:
            continue
        own = next((e for e in entries if isinstance(e, QMenu) and e.title() == title), None)
        if own is not None:
            bar.addMenu(own)
        menu = own or bar.addMenu(title)
        for entry in entries:
            if own is not None and entry is own:  # (a separator is None too: never skip those)
                continue
            if entry is SEPARATOR:
                menu.addSeparator()
            elif isinstance(entry, QMenu):
                menu.addMenu(entry)
            else:
                menu.addAction(entry)
        menus[title] = menu
    return menus


def shortcut_actions(items: Iterable[MenuItem]) -> list[QAction]:
    """The declared actions that have shortcuts, for the cheat-sheet."""
    return [item.entry for item in items if isinstance(item.entry, QAction) and item.entry.shortcuts()]


@dataclass
class WindowActions:
    """The window's own actions (sources, models and recording declare theirs)."""

    snapshot: QAction
    quit: QAction
    step_back: QAction
    mirror: QAction
    fullscreen: QAction
    shortcuts: QAction
    mirror_snapshots: QAction
    smoothing_group: QActionGroup
    smoothing_menu: QMenu

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem(FILE, self.snapshot), MenuItem(FILE, SEPARATOR), MenuItem(FILE, self.quit),
                MenuItem(VIEW, self.mirror), MenuItem(VIEW, self.mirror_snapshots), MenuItem(VIEW, self.fullscreen),
                MenuItem(VIEW, self.smoothing_menu), MenuItem(HELP, self.shortcuts)]


def window_actions(window: QWidget) -> WindowActions:
    smoothing_menu = QMenu("S&moothing", window)
    group = QActionGroup(window)
    for level in SMOOTHING_LEVELS:
        act = smoothing_menu.addAction(level)
        act.setCheckable(True)
        group.addAction(act)
    return WindowActions(
        snapshot=make_action(window, "&Snapshot", ("Space", "S"), tip="Save the current frame"),
        quit=make_action(window, "&Quit", ("Q", "Ctrl+Q"), tip="Quit (asks first if a recording was not exported)"),
        step_back=make_action(window, "Close overlay / leave fullscreen", ("Esc",)),
        mirror=make_action(window, "&Mirror view", ("M",), checkable=True),
        fullscreen=make_action(window, "&Fullscreen", ("F",), checkable=True),
        shortcuts=make_action(window, "Keyboard &shortcuts", ("F1",)),
        mirror_snapshots=make_action(window, "Save snapshots &mirrored", checkable=True),
        smoothing_group=group,
        smoothing_menu=smoothing_menu,
    )
