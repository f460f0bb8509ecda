"""Help ▸ About: version, licences, the weights' terms and the per-user folders."""

from __future__ import annotations

from emocam import __version__, resources
from ui.widgets.about_box import about_html, show_about


def test_about_lists_version_terms_and_every_user_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("EMOCAM_DATA_DIR", str(tmp_path / "mine"))
    text = about_html()
    assert f"emocam {__version__}" in text and "MIT" in text and "FER2013" in text and "research" in text
    for path in resources.drop_in_dirs().values():
        assert str(path) in text and str(path).startswith(str(tmp_path / "mine"))
    assert str(resources.log_dir()) in text


def test_about_box_opens_without_blocking(qtbot):
    box = show_about(None)
    qtbot.addWidget(box)
    assert box.isVisible() and not box.isModal() and "weights" in box.text()
