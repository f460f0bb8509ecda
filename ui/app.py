"""emocam's composition root: parse arguments, start Qt, build the Qt-free live session, hand it to
the window and show it.

Run as ``python main.py`` from a checkout, or as the installed ``emocam`` command (where this package
is ``emocam.ui``: its imports of itself are relative for that reason)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import textwrap
import traceback
from pathlib import Path

from emocam.live.detection import FaceDetector
from emocam.live.session import LiveSession

from .config import AppConfig
from .preferences import Preferences, smoothing_settings

log = logging.getLogger("emocam.app")
LOG_FILE: Path | None = None  # the log file, named in the "details are in the log" notice


def build_session(config: AppConfig) -> LiveSession:
    """Frame slot, detector, tracker and pipeline for ``config`` (no Qt involved)."""
    level = Preferences(config.settings).smoothing
    return LiveSession(FaceDetector(config.cascade), smoothing_settings(level))


def compose(config: AppConfig):
    """The main window, handed the live session it shows."""
    from .main_window import MainWindow

    return MainWindow(config, build_session(config))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from emocam import resources
    from emocam.about import TERMS, __version__

    p = argparse.ArgumentParser(prog="emocam", description="Real-time webcam emotion recognition.",
                                epilog=f"{resources.drop_in_help()}\n\n{textwrap.fill(TERMS, 100)}",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"emocam {__version__}")
    p.add_argument("--source", help="camera index (0, 1, ...), 'demo', or a video/image file")
    p.add_argument("--weights", type=Path, help="emotion model file (.keras, .h5, .tflite)")
    p.add_argument("--output-dir", type=Path, help="where snapshots go (default: Pictures/emocam)")
    p.add_argument("--cascade", default="haarcascade_frontalface_default", help="Haar cascade name or XML path")
    p.add_argument("--debug", action="store_true", help="verbose logging")
    return p.parse_args(argv)


def install_excepthook(window_getter) -> None:
    """Exceptions in slots are logged and shown in the window, never abort the app."""

    def hook(kind, value, tb):
        if issubclass(kind, KeyboardInterrupt):  # Ctrl+C in the terminal: quit cleanly, not an "error"
            from PyQt5.QtWidgets import QApplication

            QApplication.quit()
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        window = window_getter()
        if window is not None:
            where = f" ({LOG_FILE})" if LOG_FILE else ""
            window.notice.show_notice(f"Something went wrong: {value}. The app keeps running; "
                                      f"details are in the log{where}.")

    sys.excepthook = hook


def create_app():
    """The QApplication with emocam's name and icon."""
    from PyQt5.QtGui import QIcon
    from PyQt5.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    app.setApplicationName("emocam")
    app.setOrganizationName("emocam")
    from emocam import resources

    icon = resources.assets_dir("icon.png")
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def run_window(app, window) -> int:
    """Show ``window`` until it closes. Workers that cannot be interrupted (a camera stuck in a read,
    a model conversion) must not delay the exit or be destroyed while running: leave without them."""
    window.show()
    code = app.exec_()
    if window.running_threads():
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def quit_on_sigint(app) -> None:
    """Ctrl+C in the terminal closes the window the normal way (Python sees the signal only when it
    runs, so a timer lets it run a few times a second)."""
    import signal

    from PyQt5.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: app.closeAllWindows())
    timer = QTimer(app, interval=250)
    timer.timeout.connect(lambda: None)
    timer.start()


def _log_file_handler() -> list[logging.Handler]:
    """A rotating log file in the per-user log folder ("details are in the log"); none if unwritable."""
    from logging.handlers import RotatingFileHandler

    from emocam import resources

    global LOG_FILE
    try:
        folder = resources.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(folder / "emocam.log", maxBytes=1 << 20, backupCount=2, encoding="utf-8")
        LOG_FILE = folder / "emocam.log"
        return [handler]
    except OSError as e:
        print(f"emocam: no log file ({e})", file=sys.stderr)
        return []


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        handlers=[logging.StreamHandler(), *_log_file_handler()])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    app = create_app()
    quit_on_sigint(app)
    holder: list = []
    install_excepthook(lambda: holder[0] if holder else None)
    window = compose(AppConfig(source=args.source, weights=args.weights, output_dir=args.output_dir,
                               cascade=args.cascade))
    holder.append(window)
    return run_window(app, window)


if __name__ == "__main__":
    sys.exit(main())
