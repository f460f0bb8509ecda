"""``make install-desktop`` (or ``python -m emocam.ui.desktop_entry`` when installed): write a freedesktop
``.desktop`` launcher for the current user."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from emocam import resources


def desktop_entry(exec_path: Path, icon: Path) -> str:
    """The launcher's text: runs ``exec_path`` with ``icon``, listed under Graphics/Video."""
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Name=emocam",
        "GenericName=Emotion camera",
        "Comment=See the emotions on faces in your webcam, live",
        f'Exec="{exec_path}"',
        f"Icon={icon}",
        "Terminal=false",
        "Categories=Graphics;Video;AudioVideo;",
        "Keywords=webcam;emotion;face;camera;",
        "StartupNotify=true",
        "",
    ])


def install(applications_dir: Path | None = None) -> Path:
    """Write ``emocam.desktop`` into the user's applications folder; returns its path."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    target_dir = applications_dir or data_home / "applications"
    target_dir.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("emocam")
    if not exe.exists():
        exe = Path(shutil.which("emocam") or exe)
    target = target_dir / "emocam.desktop"
    from emocam.fileio import atomic_write_text

    atomic_write_text(target, desktop_entry(exe, resources.assets_dir("icon.png")))  # atomic, never through a link
    target.chmod(0o755)
    return target


if __name__ == "__main__":
    print(f"installed launcher: {install()}")
