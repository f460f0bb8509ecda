from pathlib import Path

from ui.desktop_entry import install


def test_install_writes_a_launcher_with_icon_and_exec(tmp_path):
    path = install(tmp_path / "applications")
    text = path.read_text()
    assert path.name == "emocam.desktop"
    assert "[Desktop Entry]" in text and "Type=Application" in text
    icon = next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("Icon="))
    assert Path(icon).is_file() and icon.endswith("icon.png")
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert "emocam" in exec_line
