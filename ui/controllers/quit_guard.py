"""Nothing is thrown away by a stray key: Esc steps back (cheat-sheet, fullscreen) and never quits;
quitting with an unexported recording asks first, and can export it on the way out."""

from __future__ import annotations

import time
from pathlib import Path

from PyQt5.QtWidgets import QMessageBox, QWidget

from ..controllers.recording import RecordingControls


class QuitGuard:
    """Decides whether the window may close. :meth:`confirm` is called from ``closeEvent``."""

    def __init__(self, window: QWidget, recording: RecordingControls):
        self.window, self.recording = window, recording
        self.box: QMessageBox | None = None  # the open question, for tests and for a second quit key
        self.exported_on_quit: Path | None = None
        self.decided = False  # the user already chose to export or discard: closing again does not ask

    def confirm(self) -> bool:
        """True when the window may close: nothing unsaved, or the user chose to export or discard."""
        controls = self.recording
        if self.decided or not controls.has_unexported_rows:
            return True
        if self.box is not None:
            return False  # already asking
        rows = controls.recorder.row_count
        box = QMessageBox(QMessageBox.Warning, "Quit emocam?",
                          f"The recording ({rows} rows) has not been exported. Quitting now loses it.",
                          parent=self.window)
        export = box.addButton("Export CSV and quit", QMessageBox.AcceptRole)
        discard = box.addButton("Quit without saving", QMessageBox.DestructiveRole)
        cancel = box.addButton("Cancel", QMessageBox.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setInformativeText(f"Export goes to {controls.export_dir}.")
        self.box = box
        try:
            box.exec_()
        finally:
            self.box = None
        clicked = box.clickedButton()
        if clicked is export:
            self.exported_on_quit = self._export_now()
            self.decided = self.exported_on_quit is not None
        else:
            self.decided = clicked is discard
        return self.decided

    def _export_now(self) -> Path | None:
        """Write the CSV into the exports folder before the window goes (a few ms for a long session)."""
        from emocam.session.recording import write_csv

        controls = self.recording
        path = controls.export_dir / f"emocam-session-{time.strftime('%Y%m%d-%H%M%S')}.csv"
        try:
            controls.export_dir.mkdir(parents=True, exist_ok=True)
            return write_csv(controls.recorder.rows, path)
        except OSError as e:
            QMessageBox.warning(self.window, "Not exported", f"Session not exported to {path}: {e}. "
                                "Nothing was lost: the window stays open.")
            return None
