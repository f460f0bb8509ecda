"""File > Models: every model found (shipped, ``weights/``, the user's folder) with its card summary,
the one in use checked; one click switches. Rebuilt each time it opens, so a file dropped into a
folder after start is listed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PyQt5.QtCore import QUrl, pyqtSignal
from PyQt5.QtGui import QDesktopServices
from PyQt5.QtWidgets import QAction, QActionGroup, QMenu, QWidget

from emocam.models.catalog import ModelEntry, find_models

log = logging.getLogger(__name__)
MAX_NAME_CHARS = 40  # a longer file name is elided in the middle; the tooltip has it whole


class ModelsMenu(QMenu):
    """The "&Models" submenu. ``model_chosen(Path)`` fires when an entry not in use is clicked;
    the check mark follows the model in use (``in_use()``), never a request that may be refused."""

    model_chosen = pyqtSignal(object)
    folder_failed = pyqtSignal(str)  # the models folder could not be made or opened: why

    def __init__(self, parent: QWidget, open_file: Callable[[], None], in_use: Callable[[], Path | None],
                 folders: Callable[[], tuple[Path, Path]]):
        super().__init__("&Models", parent)
        self._in_use, self._folders = in_use, folders
        self.entries: list[ModelEntry] = []
        self.group: QActionGroup | None = None
        # owned by the window: clear() deletes the actions the menu owns
        self.open_file_action = QAction("&Open model file...", parent)
        self.open_file_action.triggered.connect(open_file)
        self.show_folder_action = QAction("&Show models folder", parent)
        self.show_folder_action.triggered.connect(self.show_folder)
        self.setToolTipsVisible(True)
        self.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def model_actions(self) -> list[QAction]:
        """The entries for models, in menu order (one per :class:`ModelEntry`)."""
        return list(self.group.actions()) if self.group is not None else []

    def rebuild(self) -> None:
        """List what the folders hold now (cheap: names, sizes and cards up to 1 MB each)."""
        weights, user = self._folders()
        self.entries = find_models(weights, user)
        self.clear()
        if self.group is not None:
            self.group.deleteLater()
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        for entry in self.entries:
            self.addAction(self._entry_action(entry))
        if not self.entries:
            none = self.addAction(f"No models in {_menu_text(str(weights))} or {_menu_text(str(user))}")
            none.setEnabled(False)
        self.group.triggered.connect(self._on_entry_triggered)
        self.addSeparator()
        self.show_folder_action.setStatusTip(f"Open {user}: put model files there to list them here")
        self.show_folder_action.setToolTip(self.show_folder_action.statusTip())
        self.addActions([self.open_file_action, self.show_folder_action])
        self.sync_checks()

    def sync_checks(self) -> None:
        """Check the entry of the model in use (none if it is a file from elsewhere)."""
        current = self._in_use()
        for action, entry in zip(self.model_actions(), self.entries):
            action.setChecked(entry.covers(current))

    def show_folder(self) -> None:
        """Open the per-user models folder in the file manager, making it first if needed."""
        folder = self._folders()[1]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.folder_failed.emit(f"Could not make the models folder {folder} ({e.strerror or e}); "
                                    "check that you may write there.")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.folder_failed.emit(f"No file manager opened {folder}; open it yourself and put model "
                                    "files there to list them under File > Models.")

    def _entry_action(self, entry: ModelEntry) -> QAction:
        action = QAction(entry_text(entry), self.group)
        action.setCheckable(True)
        action.setData(str(entry.path))
        action.setToolTip(entry.details)
        action.setStatusTip(entry.details.replace("\n", " · "))
        return action

    def _on_entry_triggered(self, action: QAction) -> None:
        index = self.model_actions().index(action)
        entry = self.entries[index]
        already = entry.covers(self._in_use())
        self.sync_checks()  # checked = in use: the new model is checked once it has loaded
        if not already:
            log.info("model chosen from the menu: %s", entry.path)
            self.model_chosen.emit(entry.path)


def entry_text(entry: ModelEntry) -> str:
    """The menu line: ``name — summary``, plus "(default)" for the default model."""
    name = entry.name if len(entry.name) <= MAX_NAME_CHARS else \
        entry.name[: MAX_NAME_CHARS // 2 - 1] + "…" + entry.name[-(MAX_NAME_CHARS // 2):]
    default = " (default)" if entry.is_default else ""
    return _menu_text(f"{name}{default} — {entry.summary}")


def _menu_text(text: str) -> str:
    """``&`` in a file name is a literal ampersand, not a mnemonic."""
    return text.replace("&", "&&")
