"""VideoView: letterboxed frame, overlay boxes where the faces are, clicks, mirror, message, flash.

The view is 640x240 and the frame 640x480, so the frame is drawn at scale 0.5 into
x = 160..480, y = 0..240 (letterbox bars left and right). Expected positions below are
worked out by hand from that, not through the view's own mapping functions.
"""

import time

import numpy as np
import pytest
from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtGui import QImage

from emocam.emotions import EMOTIONS
from emocam.types import Box, Face, Frame, FrameResult, Prediction
from ui.widgets.video_view import VideoView

FRAME_GREY = 60
MARKER = (0, 255, 0)  # a green block at the frame's top-left, to see which way the image faces
SCALE, X0 = 0.5, 160


def _prediction(top: int, p: float = 0.8) -> Prediction:
    rest = (1 - p) / 6
    return Prediction(tuple(p if i == top else rest for i in range(7)))


def _result(faces) -> FrameResult:
    image = np.full((480, 640, 3), FRAME_GREY, np.uint8)
    image[0:40, 0:40] = MARKER
    return FrameResult(Frame(image, index=1, timestamp=123.5), tuple(faces))


HAPPY = Face(Box(40, 100, 160, 160), _prediction(3), label=3, track_id=7)  # widget x 180..260, y 50..130
SAD = Face(Box(440, 260, 120, 120), _prediction(4), label=4, track_id=9)  # widget x 380..440, y 130..190


@pytest.fixture
def view(qtbot):
    widget = VideoView()
    qtbot.addWidget(widget)
    widget.resize(640, 240)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _grab(widget) -> QImage:
    return widget.grab().toImage()


def _rgb(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    return image.pixelColor(x, y).getRgb()[:3]


def _close(actual, expected, tol=40) -> bool:
    return all(abs(a - e) <= tol for a, e in zip(actual, expected))


def test_boxes_are_painted_at_the_mapped_position_and_the_frame_is_untouched(view):
    result = _result([HAPPY, SAD])
    before = result.frame.image.copy()
    view.show_result(result)
    image = _grab(view)
    happy, sad = EMOTIONS[3].colour, EMOTIONS[4].colour
    assert _close(_rgb(image, 180, 90), happy)  # left edge of the happy box
    assert _close(_rgb(image, 260, 110), happy)  # right edge
    assert _close(_rgb(image, 220, 130), happy)  # bottom edge
    assert _close(_rgb(image, 380, 160), sad)
    assert _close(_rgb(image, 220, 90), (FRAME_GREY,) * 3, tol=3)  # inside the box: the frame itself
    assert _close(_rgb(image, 170, 10), MARKER, tol=3)  # frame's top-left corner, unmirrored
    assert _rgb(image, 20, 120) == _rgb(image, 620, 120) != (FRAME_GREY,) * 3  # letterbox bars
    np.testing.assert_array_equal(result.frame.image, before)


def test_label_pill_sits_above_the_box_or_inside_it_at_the_top_edge(view):
    at_top = Face(Box(300, 0, 120, 120), _prediction(5), label=5, track_id=1)  # widget x 310..370, y 0..60
    view.show_result(_result([HAPPY, at_top]))
    image = _grab(view)
    happy, surprise = EMOTIONS[3].colour, EMOTIONS[5].colour
    above = [_rgb(image, 184, y) for y in range(36, 49)]
    assert any(_close(c, happy, tol=10) for c in above), "no label pill above the happy box"
    inside = [_rgb(image, 314, y) for y in range(2, 16)]
    assert any(_close(c, surprise, tol=10) for c in inside), "no label pill inside the top-edge box"


def test_mirror_flips_image_boxes_and_clicks_but_not_the_label_text(view, qtbot):
    view.show_result(_result([HAPPY]))
    plain = _grab(view)
    view.set_mirror(True)
    image = _grab(view)
    happy = EMOTIONS[3].colour
    assert _close(_rgb(image, 470, 10), MARKER, tol=3)  # the marker moved to the right side
    assert _close(_rgb(image, 170, 10), (FRAME_GREY,) * 3, tol=3)
    assert _close(_rgb(image, 460, 90), happy)  # mirrored right edge: 160 + (640 - 40) * 0.5
    assert _close(_rgb(image, 380, 90), happy)  # mirrored left edge: 160 + (640 - 200) * 0.5
    assert not _close(_rgb(image, 180, 90), happy)
    # the label is the same pixels, moved, not reflected: compare the pill rows left to right
    pill_plain = [_rgb(plain, x, 42) for x in range(180, 240)]
    pill_mirror = [_rgb(image, x, 42) for x in range(380, 440)]
    assert pill_plain == pill_mirror and len(set(pill_plain)) > 2
    with qtbot.waitSignal(view.face_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(420, 90))
    assert blocker.args == [7]


@pytest.mark.parametrize("pos, expected", [((220, 90), 7), ((410, 160), 9)])
def test_click_on_a_face_emits_its_track_id(view, qtbot, pos, expected):
    view.show_result(_result([HAPPY, SAD]))
    with qtbot.waitSignal(view.face_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(*pos))
    assert blocker.args == [expected]


@pytest.mark.parametrize("pos", [(300, 200), (40, 90)], ids=["on-frame-no-face", "letterbox"])
def test_click_elsewhere_emits_nothing(view, qtbot, pos):
    view.show_result(_result([HAPPY, SAD]))
    with qtbot.assertNotEmitted(view.face_clicked, wait=50):
        qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(*pos))


def _edge_coverage(image: QImage, x: int, ys, colour) -> float:
    return sum(_close(_rgb(image, x, y), colour) for y in ys) / len(ys)


def test_selected_face_has_a_thicker_box(view):
    view.show_result(_result([HAPPY]))
    thin = _grab(view)
    view.set_selected_track(7)
    thick = _grab(view)
    happy, ys = EMOTIONS[3].colour, range(70, 120)
    assert _edge_coverage(thin, 181, ys, happy) == 0  # 2 px pen: 179..181
    assert _edge_coverage(thick, 181, ys, happy) == 1  # 5 px pen: 177.5..182.5


def test_uncertain_face_gets_a_dashed_box(view):
    uncertain = Face(HAPPY.box, HAPPY.prediction, label=3, track_id=7, uncertain=True)
    view.show_result(_result([HAPPY]))
    solid = _edge_coverage(_grab(view), 180, range(60, 125), EMOTIONS[3].colour)
    view.show_result(_result([uncertain]))
    dashed = _edge_coverage(_grab(view), 180, range(60, 125), EMOTIONS[3].colour)
    assert solid == 1
    assert 0.3 < dashed < 0.9


def test_message_is_shown_centred_and_can_be_cleared(view):
    blank = _grab(view)
    text = "No camera found — choose Camera ▸ Demo or File ▸ Open video…"
    view.set_message(text)
    assert view.message == text
    shown = _grab(view)
    centre_row = [_rgb(shown, x, 120) for x in range(0, 640, 2)]
    assert len(set(centre_row)) > 3  # text and panel, not flat background
    assert _rgb(shown, 5, 5) == _rgb(blank, 5, 5)  # corners stay background
    view.set_message(None)
    assert _grab(view) == blank


def test_flash_whitens_the_view_then_fades(view, qtbot):
    view.show_result(_result([]))
    view.flash()
    assert view.flash_opacity > 0.5
    assert _close(_rgb(_grab(view), 320, 120), (255, 255, 255), tol=60)
    qtbot.waitUntil(lambda: view.flash_opacity == 0.0, timeout=1000)
    assert _close(_rgb(_grab(view), 320, 120), (FRAME_GREY,) * 3, tol=3)


def test_paint_records_when_which_frame_was_shown(view):
    assert view.last_paint_timestamp is None
    started = time.monotonic()
    view.show_result(_result([HAPPY]))
    view.repaint()
    assert view.last_painted_frame_timestamp == 123.5
    assert started <= view.last_paint_timestamp <= time.monotonic()


def _coloured(value: tuple[int, int, int], index: int) -> FrameResult:
    image = np.empty((480, 640, 3), np.uint8)
    image[:] = value
    image[0:40, 0:40] = MARKER
    return FrameResult(Frame(image, index=index, timestamp=100.0 + index), ())


def test_show_result_converts_nothing_and_a_frame_replaced_before_the_paint_is_never_converted(view):
    first, second = _coloured((200, 30, 30), 1), _coloured((30, 30, 200), 2)
    view.show_result(first)
    view.show_result(second)  # the GUI had no time to paint the first
    assert view.conversions == 0
    image = _grab(view)
    assert view.conversions == 1
    assert _close(_rgb(image, 320, 120), (30, 30, 200), tol=3)  # the newest frame is what is shown


def test_repaints_of_the_same_frame_reuse_its_image_until_the_size_or_mirror_changes(view, qtbot):
    view.show_result(_coloured((90, 90, 90), 1))
    _grab(view)
    view.set_message("Opening...")
    view.set_selected_track(7)
    _grab(view)
    assert view.conversions == 1  # overlays change, the frame does not
    view.resize(320, 120)
    image = _grab(view)
    assert view.conversions == 2 and _close(_rgb(image, 84, 4), MARKER, tol=3)  # frame at x 80..240, scale 0.25
    view.set_mirror(True)
    image = _grab(view)
    assert view.conversions == 3 and _close(_rgb(image, 235, 4), MARKER, tol=3)  # the marker is on the right now
    assert _close(_rgb(image, 84, 4), (90, 90, 90), tol=3)


@pytest.mark.parametrize("size, frame_size", [((640, 240), (480, 640)), ((300, 400), (720, 1280)),
                                              ((801, 500), (1080, 1920)), ((1000, 700), (240, 320))])
def test_the_frame_fills_its_letterboxed_rect_at_any_scale(qtbot, size, frame_size):
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(*size)
    image = np.full((*frame_size, 3), 150, np.uint8)
    view.show_result(FrameResult(Frame(image, index=1, timestamp=1.0), ()))
    shot, target = _grab(view), view.frame_rect().toAlignedRect()
    inside = [(target.left(), target.top()), (target.right(), target.bottom()), (target.center().x(), target.center().y())]
    assert all(_close(_rgb(shot, x, y), (150, 150, 150), tol=3) for x, y in inside)
    outside = (target.left() - 1, target.center().y()) if target.left() > 0 else (target.center().x(), target.top() - 1)
    assert _rgb(shot, *outside) == (17, 17, 17)  # the letterbox bar


def test_a_hidden_view_converts_no_frame(qtbot):
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(640, 240)
    for i in range(5):  # minimised, or a docked layout that hides it: frames keep coming
        view.show_result(_coloured((80, 80, 80), i))
        qtbot.wait(5)
    assert view.conversions == 0
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.conversions == 1, timeout=1000)  # shown: the newest frame only
    assert view.last_painted_frame_timestamp == 104.0
