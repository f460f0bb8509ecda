"""emocam entry point: parse arguments, start Qt, compose the live session and the window, show it."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from pathlib import Path

log = logging.getLogger("emocam.app")
LOG_FILE: Path | None = None  # set by setup_logging: named in the "details are in the log" notice


def setup_logging(debug: bool) -> Path | None:
    """Log to the terminal and to ``<user log folder>/emocam.log`` (rotated at 1 MB, 3 kept)."""
    global LOG_FILE
    from logging.handlers import RotatingFileHandler

    from PyQt5.QtCore import QStandardPaths

    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format=fmt)
    base = QStandardPaths.writableLocation(QStandardPaths.GenericCacheLocation) or str(Path.home() / ".cache")
    folder = Path(os.environ.get("EMOCAM_LOG_DIR", Path(base) / "emocam" / "log"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(folder / "emocam.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError as e:
        log.warning("no log file in %s (%s): logging to the terminal only", folder, e)
        return None
    handler.setFormatter(logging.Formatter(fmt))
    logging.getLogger().addHandler(handler)
    LOG_FILE = folder / "emocam.log"
    return LOG_FILE


def quit_on_sigint(app) -> None:
    """Ctrl+C in the terminal closes the window the normal way (Python sees the signal only when it
    runs, so a timer lets it run a few times a second)."""
    import signal

    from PyQt5.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: app.closeAllWindows())
    timer = QTimer(app, interval=250)
    timer.timeout.connect(lambda: None)
    timer.start()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="emocam", description="Real-time webcam emotion recognition.")
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
    icon = Path(__file__).resolve().parent / "assets" / "icon.png"
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    app = create_app()
    setup_logging(args.debug)
    quit_on_sigint(app)
    from ui.app import compose
    from ui.config import AppConfig

    holder: list = []
    install_excepthook(lambda: holder[0] if holder else None)
    window = compose(AppConfig(source=args.source, weights=args.weights, output_dir=args.output_dir,
                               cascade=args.cascade))
    holder.append(window)
    return run_window(app, window)


if __name__ == "__main__":
    sys.exit(main())
