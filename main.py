"""emocam entry point when run from a checkout: ``python main.py`` (``make run``).

The composition root itself is :mod:`ui.app`; the installed ``emocam`` command runs the same
``main`` from inside the package (``emocam.ui.app``), so the wheel claims no top-level name but
``emocam``.
"""

from __future__ import annotations

import sys

from ui.app import create_app, install_excepthook, main, parse_args, run_window

__all__ = ["create_app", "install_excepthook", "main", "parse_args", "run_window"]

if __name__ == "__main__":
    sys.exit(main())
