"""EmojiPanel: images looked up by name, placeholders and ``missing`` for absent files, reload."""

import logging

import pytest
from PyQt5.QtGui import QColor, QImage

from emocam.emotions import EMOTIONS
from ui.widgets.emoji_panel import DEFAULT_ASSETS_DIR, EmojiPanel

HAPPY_FILL = (0, 200, 0)  # pure colours no emotion uses, so a hit proves the file was drawn
SAD_FILL = (200, 0, 200)
ABOVE_TEXT = (120, 100)  # the 240x280 panel draws its image over roughly x 8..232, y 8..230


def _write_png(path, rgb) -> None:
    image = QImage(256, 256, QImage.Format_RGBA8888)
    image.fill(QColor(*rgb))
    assert image.save(str(path))


@pytest.fixture
def assets(tmp_path):
    _write_png(tmp_path / "happy.png", HAPPY_FILL)
    _write_png(tmp_path / "sad.png", SAD_FILL)
    (tmp_path / "fear.png").write_bytes(b"not a png")  # present but unreadable counts as missing
    return tmp_path


@pytest.fixture
def panel(qtbot, assets):
    widget = EmojiPanel(assets)
    qtbot.addWidget(widget)
    widget.resize(240, 280)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _rgb(widget, x, y):
    return widget.grab().toImage().pixelColor(x, y).getRgb()[:3]


def _close(actual, expected, tol=6) -> bool:
    return all(abs(a - e) <= tol for a, e in zip(actual, expected))


def test_missing_lists_absent_and_unreadable_files_in_order(panel):
    assert panel.missing == ("angry.png", "disgust.png", "fear.png", "surprise.png", "neutral.png")


def test_missing_files_are_logged_once_by_name(qtbot, assets, caplog):
    with caplog.at_level(logging.WARNING, logger="ui.widgets.emoji_panel"):
        widget = EmojiPanel(assets)
        qtbot.addWidget(widget)
    summary = [r.getMessage() for r in caplog.records if "placeholders" in r.getMessage()]
    assert len(summary) == 1 and "angry.png" in summary[0] and "happy.png" not in summary[0]
    assert any("fear.png" in r.getMessage() and "not a readable image" in r.getMessage() for r in caplog.records)


def test_starts_in_the_no_face_state_with_a_grey_placeholder(panel):
    assert panel.current_index is None and panel.current_name == "No face"
    r, g, b = _rgb(panel, 60, 150)
    assert r == g == b and 100 < r < 200  # grey, not an emotion colour


def test_set_emotion_shows_the_image_from_the_file(panel):
    panel.set_emotion(3)
    assert panel.current_name == "Happy"
    assert _close(_rgb(panel, *ABOVE_TEXT), HAPPY_FILL)
    panel.set_emotion(4)
    assert panel.current_name == "Sad"
    assert _close(_rgb(panel, *ABOVE_TEXT), SAD_FILL)


@pytest.mark.parametrize("index", [0, 2, 6], ids=["absent", "unreadable", "absent-last"])
def test_a_missing_file_still_paints_a_circle_in_the_emotion_colour(panel, index):
    panel.set_emotion(index)
    assert panel.current_name == EMOTIONS[index].name
    assert _close(_rgb(panel, 50, 118), EMOTIONS[index].colour, tol=3)  # left of the initial letter


def test_uncertain_is_said_in_the_name_and_fades_the_image(panel):
    panel.set_emotion(3, uncertain=True)
    assert panel.current_name == "Happy (uncertain)"
    faded = _rgb(panel, *ABOVE_TEXT)
    assert not _close(faded, HAPPY_FILL) and faded[1] > faded[0]
    panel.set_emotion(None, uncertain=True)
    assert panel.current_name == "No face"


@pytest.mark.parametrize("index", [-1, 7])
def test_bad_index_raises(panel, index):
    with pytest.raises(ValueError, match="0..6"):
        panel.set_emotion(index)


def test_reload_picks_up_new_and_replaced_files(panel, assets):
    panel.set_emotion(3)
    assert _close(_rgb(panel, *ABOVE_TEXT), HAPPY_FILL)
    _write_png(assets / "happy.png", SAD_FILL)  # the user swaps the image
    _write_png(assets / "angry.png", (255, 0, 0))
    panel.reload()
    assert "angry.png" not in panel.missing
    assert _close(_rgb(panel, *ABOVE_TEXT), SAD_FILL)


def test_image_rescales_with_the_widget(panel):
    panel.set_emotion(3)
    assert not _close(_rgb(panel, 120, 260), HAPPY_FILL)  # below the image: the name
    panel.resize(480, 560)
    assert _close(_rgb(panel, 120, 260), HAPPY_FILL)


def test_default_folder_is_the_projects_assets():
    from emocam import resources

    assert DEFAULT_ASSETS_DIR.parts[-2:] == ("assets", "emojis")
    assert DEFAULT_ASSETS_DIR == resources.assets_dir("emojis")  # the shipped folder, installed or not
    assert len(list(DEFAULT_ASSETS_DIR.glob("*.png"))) == 7


class _CountingPanel(EmojiPanel):
    """The real panel, counting its paints."""

    paints = 0

    def paintEvent(self, event):
        self.paints += 1
        super().paintEvent(event)


@pytest.mark.parametrize("first, again", [((3, False), (3, False)), ((None, False), (None, True)),
                                          ((4, True), (4, True))])
def test_the_same_emotion_again_repaints_nothing(qtbot, assets, first, again):
    panel = _CountingPanel(assets)
    qtbot.addWidget(panel)
    panel.resize(240, 280)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_emotion(*first)
    qtbot.wait(30)
    before = panel.paints
    for _ in range(5):  # one call per processed frame, the same answer each time
        panel.set_emotion(*again)
        qtbot.wait(10)
    assert panel.paints == before
