"""Session recording controls: a Record toggle with a red ``REC 00:12 · 345 rows`` indicator, and
Export CSV... / Export JSON... Nothing is written unless the user exports."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PyQt5.QtCore import QObject, QRunnable, QTimer, pyqtSignal
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (QAction, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QSizePolicy, QToolButton,
                             QVBoxLayout, QWidget)

from emocam.session.recording import SessionRecorder, write_csv, write_json
from emocam.types import FrameResult
from ..workers import io_pool

log = logging.getLogger(__name__)

REFRESH_MS = 500
REC_STYLE = "color: #dc322f; font-weight: bold;"
FORMATS = {"csv": ("CSV", "CSV files (*.csv)"), "json": ("JSON", "JSON files (*.json)")}


class RecordingControls(QWidget):
    """Record toggle, indicator and export buttons around a :class:`SessionRecorder` (off by default).

    The window calls :meth:`record` with every ``FrameResult`` (a no-op while off) and may put
    :meth:`menu_actions` in a menu. Starting a new recording discards the previous one (after asking,
    if it was never exported). When the recorder is full, recording stops and says so. Exports
    run on the thread pool and end in ``export_finished(Path)`` or ``export_failed(str)``.
    """

    recording_toggled = pyqtSignal(bool)
    export_finished = pyqtSignal(object)  # Path
    export_failed = pyqtSignal(str)
    indicator_changed = pyqtSignal(str, bool)  # text ('' when there is nothing to say), recording now

    def __init__(self, parent: QWidget | None = None, recorder: SessionRecorder | None = None,
                 export_dir: Path | None = None):
        super().__init__(parent)
        self.recorder = recorder or SessionRecorder()
        self.export_dir = Path(export_dir) if export_dir else Path.home()
        self._exported_rows = 0  # rows of this recording already in an exported file
        self._session = 0  # counts recordings, so a late export of an old one is not credited to a new one
        self._jobs: dict[ExportSignals, ExportJob] = {}
        self.record_action = _action(self, "&Record session", "● Record", "R", checkable=True,
                                     tip="Keep every face's probabilities in memory until you export them")
        self.export_csv_action = _action(self, "Export session as &CSV...", "CSV...", "Ctrl+E")
        self.export_json_action = _action(self, "Export session as &JSON...", "JSON...", "Ctrl+Shift+E")
        self.record_action.toggled.connect(self._on_record_toggled)
        self.export_csv_action.triggered.connect(lambda: self.export("csv"))
        self.export_json_action.triggered.connect(lambda: self.export("json"))
        self.indicator = RecordingIndicator(self)
        buttons = QHBoxLayout()
        for action, stretch in ((self.record_action, 1), (self.export_csv_action, 0), (self.export_json_action, 0)):
            buttons.addWidget(_button(self, action), stretch)
        layout = QVBoxLayout(self)  # the indicator on its own line: the side panel is narrow
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.indicator)
        layout.addLayout(buttons)
        self._timer = QTimer(self, interval=REFRESH_MS, timeout=self._refresh)
        self._refresh()

    # ----------------------------------------------------------------- public API
    def menu_actions(self) -> list[QAction]:
        """Record, Export CSV, Export JSON: for a menu and for the window's shortcuts."""
        return [self.record_action, self.export_csv_action, self.export_json_action]

    @property
    def recording(self) -> bool:
        return self.recorder.recording

    @property
    def has_unexported_rows(self) -> bool:
        """Rows recorded and not yet in an exported file (worth a question before quitting)."""
        return self.recorder.row_count > self._exported_rows

    def set_recording(self, on: bool) -> None:
        self.record_action.setChecked(on)

    def record(self, result: FrameResult) -> None:
        """Keep ``result``'s faces if recording (call for every processed frame; cheap when off)."""
        if not self.recorder.recording:
            return
        self.recorder.record(result)
        if self.recorder.full:
            self.record_action.setChecked(False)

    def export(self, kind: str, path: Path | str | None = None) -> None:
        """Write the rows as ``kind`` ('csv' or 'json') to ``path`` (asked for when None) in a worker."""
        if kind not in FORMATS:
            raise ValueError(f"export kind must be one of {', '.join(FORMATS)}, got {kind!r}")
        if not self.recorder.row_count:
            self.export_failed.emit("Nothing recorded yet: press Record first")
            return
        path = Path(path) if path else self._ask_path(kind)
        if path is None:
            return
        job = ExportJob(kind, self.recorder.rows, self.recorder.metadata(), path)
        job.session = self._session
        job.signals.export_finished.connect(self._on_export_finished)
        job.signals.export_failed.connect(self._on_export_failed)
        self._jobs[job.signals] = job
        io_pool().start(job)

    @property
    def exports_running(self) -> int:
        return len(self._jobs)

    # ----------------------------------------------------------------- slots
    def _on_record_toggled(self, on: bool) -> None:
        if on == self.recorder.recording:
            return
        if on:
            if self.has_unexported_rows and not self._confirm_discard():
                self.record_action.setChecked(False)
                return
            self.recorder.start()
            self._session += 1
            self._exported_rows = 0
            self._timer.start()
        else:
            self.recorder.stop()
            self._timer.stop()
        self.record_action.setIconText("■ Stop" if on else "● Record")  # the button says what a click does
        self._refresh()
        self.recording_toggled.emit(on)

    def _confirm_discard(self) -> bool:
        answer = QMessageBox.question(
            self, "Start a new recording?",
            f"The last recording ({self.recorder.row_count} rows) was not exported. Discard it?",
            QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Cancel)
        return answer == QMessageBox.Discard

    def suggested_path(self, kind: str) -> Path:
        """Where the save dialog starts: the exports folder (created now, so the dialog opens in it)."""
        try:
            self.export_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            log.info("cannot create %s: %s", self.export_dir, e)  # the dialog then says where it is
        return self.export_dir / f"emocam-session-{time.strftime('%Y%m%d-%H%M%S')}.{kind}"

    def _ask_path(self, kind: str) -> Path | None:
        name, pattern = FORMATS[kind]
        suggestion = self.suggested_path(kind)
        chosen, _ = QFileDialog.getSaveFileName(self, f"Export session as {name}", str(suggestion), pattern)
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix else path.with_suffix(f".{kind}")

    def _on_export_finished(self, path: Path) -> None:
        job = self._jobs.pop(self.sender(), None)
        if job is not None and job.session == self._session:
            self._exported_rows = max(self._exported_rows, len(job.rows))
        self._refresh()
        self.export_finished.emit(path)

    def _on_export_failed(self, message: str) -> None:
        self._jobs.pop(self.sender(), None)
        self.export_failed.emit(message)

    def _refresh(self) -> None:
        r = self.recorder
        has_rows = r.row_count > 0
        self.export_csv_action.setEnabled(has_rows)
        self.export_json_action.setEnabled(has_rows)
        clock = f"{int(r.elapsed // 60):02d}:{int(r.elapsed % 60):02d}"
        if r.recording:
            text = f"● REC {clock} · {r.row_count} rows"
        elif r.full:
            text = f"Recording full: {r.row_count} rows kept · export them"
        elif has_rows:
            text = f"Recorded {clock} · {r.row_count} rows" + (" · not exported" if self.has_unexported_rows else "")
        else:
            text = ""
        self.indicator_changed.emit(text, r.recording)


class RecordingIndicator(QLabel):
    """Shows the controls' indicator text: red and bold while recording, hidden when there is none.
    Make a second one for the status bar: ``RecordingIndicator(controls)``."""

    def __init__(self, controls: RecordingControls):
        super().__init__(controls)
        controls.indicator_changed.connect(self._on_indicator_changed)

    def _on_indicator_changed(self, text: str, recording: bool) -> None:
        self.setText(text)
        self.setStyleSheet(REC_STYLE if recording else "")
        self.setVisible(bool(text))


class ExportSignals(QObject):
    export_finished = pyqtSignal(object)  # Path
    export_failed = pyqtSignal(str)


class ExportJob(QRunnable):
    """Writes a snapshot of the rows to one file, atomically, on the thread pool."""

    def __init__(self, kind: str, rows: tuple, meta: dict, path: Path):
        super().__init__()
        self.setAutoDelete(False)  # the controls hold it until it reports
        self.kind, self.rows, self.meta, self.path = kind, rows, meta, Path(path)
        self.session = 0
        self.signals = ExportSignals()

    def run(self) -> None:
        try:
            if self.kind == "csv":
                written = write_csv(self.rows, self.path)
            else:
                written = write_json(self.rows, self.path, self.meta)
        except Exception as e:  # disk full, permissions, a folder that vanished: say so
            log.warning("export to %s failed: %s", self.path, e)
            self.signals.export_failed.emit(f"Session not exported to {self.path}: {e}")
            return
        self.signals.export_finished.emit(written)


def _action(parent: QWidget, text: str, short_text: str, key: str, checkable: bool = False,
            tip: str = "") -> QAction:
    action = QAction(text, parent)
    action.setIconText(short_text)  # what a tool button shows
    action.setShortcut(QKeySequence(key))
    action.setToolTip(f"{text.replace('&', '')} ({key})")
    action.setCheckable(checkable)
    action.setStatusTip(tip or text.replace("&", "").rstrip("."))
    return action


def _button(parent: QWidget, action: QAction) -> QToolButton:
    button = QToolButton(parent)
    button.setDefaultAction(action)
    button.setSizePolicy(QSizePolicy.Expanding if action.isCheckable() else QSizePolicy.Preferred,
                         QSizePolicy.Fixed)
    return button
