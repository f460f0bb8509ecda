"""ProbabilityBars: targets, the eased animation toward them, the "No face" state, painting."""

import pytest
from PyQt5.QtGui import QImage

from emocam.emotions import EMOTIONS
from tests.fake_clock import FakeClock
from ui.widgets.probability_bars import ProbabilityBars

PROBS = (0.05, 0.02, 0.03, 0.60, 0.10, 0.15, 0.05)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=50.0)


@pytest.fixture
def bars(qtbot, clock):
    """Bars on a fake clock. The tests call the animation's tick themselves after moving the clock and
    never run the event loop while animating, so the real 60 Hz timer never ticks in between."""
    widget = ProbabilityBars(clock=clock)
    qtbot.addWidget(widget)
    widget.resize(widget.sizeHint())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _settled(bars, tol=1e-9) -> bool:
    return all(abs(d - t) <= tol for d, t in zip(bars.displayed, bars.targets))


def glide(bars, clock, *steps: float) -> None:
    """Let each of ``steps`` fake seconds pass, with one animation tick after each."""
    for seconds in steps:
        clock.advance(seconds)
        bars._on_tick()


def test_starts_empty(bars):
    assert bars.displayed == bars.targets == (0.0,) * 7
    assert not bars.has_face and bars.top_index is None
    assert not bars.animating


def test_size_hint():
    assert ProbabilityBars().sizeHint().width() == 320
    assert ProbabilityBars().sizeHint().height() == 220


# fake seconds between ticks -> how far Happy (0 -> 0.60) has come: 0.60 * (1 - exp(-t / 0.08))
@pytest.mark.parametrize("steps, happy", [
    ((0.016,), 0.108762),
    ((0.08,), 0.379272),
    ((0.04, 0.04), 0.379272),  # the glide follows the time passed, not the number of ticks:
    ((0.016,) * 5, 0.379272),  # a late tick (a busy GUI) catches up exactly
    ((0.3,), 0.585889),
])
def test_values_glide_toward_the_targets_by_the_time_passed(bars, clock, steps, happy):
    bars.set_probabilities(PROBS)
    assert bars.targets == PROBS
    assert bars.displayed == (0.0,) * 7 and bars.animating  # nothing jumps
    glide(bars, clock, *steps)
    assert bars.displayed[3] == pytest.approx(happy, abs=1e-6)
    assert bars.animating and bars.top_index == 3


def test_values_settle_within_0_2_percent_then_the_timer_stops(bars, clock):
    bars.set_probabilities(PROBS)
    glide(bars, clock, 0.45)  # Happy is 0.0021 away: not yet
    assert bars.animating and not _settled(bars)
    glide(bars, clock, 0.01)  # now 0.0019 away: snapped onto the targets
    assert _settled(bars, tol=0) and not bars.animating


def test_the_real_timer_drives_the_glide_to_the_end(qtbot):
    widget = ProbabilityBars()  # the system clock and the real 60 Hz timer
    qtbot.addWidget(widget)
    widget.set_probabilities(PROBS)
    qtbot.waitUntil(lambda: not widget.animating, timeout=30000)  # a guard against a hang, not a bound
    assert widget.displayed == PROBS


def test_none_empties_the_bars(bars, clock):
    bars.set_probabilities(PROBS)
    glide(bars, clock, 1.0)
    bars.set_probabilities(None)
    assert bars.targets == (0.0,) * 7 and not bars.has_face and bars.top_index is None
    assert bars.displayed == PROBS and bars.animating  # the bars glide down, they do not vanish
    glide(bars, clock, 1.0)
    assert bars.displayed == (0.0,) * 7 and not bars.animating


def test_out_of_range_values_are_clamped(bars):
    bars.set_probabilities((1.2, -0.1, 0, 0, 0, 0, 0))
    assert bars.targets == (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("probs", [(0.5, 0.5), (0.1,) * 8, (float("nan"),) + (0.1,) * 6])
def test_bad_input_raises(bars, probs):
    with pytest.raises(ValueError, match="7 finite values"):
        bars.set_probabilities(probs)


def _colour_count(image: QImage, colour, tol=12) -> int:
    hits = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            hits += all(abs(a - b) <= tol for a, b in zip((c.red(), c.green(), c.blue()), colour))
    return hits


def test_top_bar_is_painted_longest_in_its_own_colour(bars, clock):
    bars.set_probabilities(PROBS)
    glide(bars, clock, 1.0)
    image = bars.grab().toImage()
    happy = _colour_count(image, EMOTIONS[3].colour)  # the top class is painted at full strength
    assert happy > 200
    bars.set_probabilities(None)
    glide(bars, clock, 1.0)
    assert not bars.animating
    assert _colour_count(bars.grab().toImage(), EMOTIONS[3].colour) == 0


@pytest.mark.parametrize("size", [(300, 180), (320, 260), (260, 150)])
def test_no_face_text_is_drawn_above_the_bars_not_over_them(bars, size):
    """Regression: "No face" was drawn in the middle of the widget, over the Happy bar."""
    bars.resize(*size)
    bars.set_probabilities(None)
    assert bars.caption == "No face"
    caption = bars.caption_rect()
    for i in range(7):
        row = bars.row_rect(i)
        assert row.top() >= caption.bottom() and row.bottom() <= bars.height() + 0.5
    bars.set_caption("Face #2")
    bars.set_probabilities(PROBS)
    assert bars.caption == "Face #2"


class RecordingBars(ProbabilityBars):
    """The real widget, remembering which area each paint covered."""

    def __init__(self):
        super().__init__()
        self.painted = []

    def paintEvent(self, event):
        self.painted.extend(event.region().rects())
        super().paintEvent(event)


@pytest.fixture
def recording(qtbot):
    widget = RecordingBars()
    qtbot.addWidget(widget)
    widget.resize(widget.sizeHint())
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_probabilities(PROBS)
    qtbot.waitUntil(lambda: not widget.animating, timeout=3000)
    qtbot.wait(50)
    widget.painted.clear()
    return widget


def test_the_same_probabilities_again_repaint_nothing(recording, qtbot):
    before = recording.paint_count
    for _ in range(5):
        recording.set_probabilities(PROBS)
        recording.set_caption("")
        qtbot.wait(40)
    assert recording.paint_count == before and recording.painted == []


def test_a_change_in_one_emotion_repaints_only_its_row(recording, qtbot):
    changed = list(PROBS)
    changed[5] += 0.1  # Surprise: 15% -> 25%, Happy stays on top
    recording.set_probabilities(tuple(changed))
    qtbot.waitUntil(lambda: not recording.animating, timeout=3000)
    qtbot.wait(50)
    row = recording.row_rect(5).toAlignedRect()
    assert recording.painted and all(row.contains(r) for r in recording.painted)


def test_a_new_top_emotion_repaints_both_rows_that_change_weight(recording, qtbot):
    swapped = list(PROBS)
    swapped[3], swapped[5] = PROBS[5], PROBS[3]
    recording.set_probabilities(tuple(swapped))
    qtbot.waitUntil(lambda: not recording.animating, timeout=3000)
    qtbot.wait(50)
    rows = [recording.row_rect(i).toAlignedRect() for i in range(7)]
    covered = {i for r in recording.painted for i in range(7) if rows[i].contains(r)}
    assert covered == {3, 5} and all(rows[3].contains(r) or rows[5].contains(r) for r in recording.painted)
