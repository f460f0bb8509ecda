"""Frame sources (list of frames, real video files, still images, the demo, cameras), open_source,
and LatestFrame, the one-slot mailbox that keeps only the newest frame."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from emocam.live.sources import CameraSource, DemoSource, FramesSource, ImageSource, SourceError, VideoFileSource, open_source
from emocam.live.slot import LatestFrame
from tests.emocam import media
from tests.fake_clock import FakeClock


def read_n(source, n: int) -> list:
    return [source.read() for _ in range(n)]


# --- FramesSource: the fake camera ---------------------------------------------------------------

@pytest.mark.parametrize("fps, sleeps", [(50, [0.02] * 10), (15, [1 / 15] * 10), (0, [])])
def test_frames_source_paces_to_its_fps(fps, sleeps):
    clock = FakeClock(start=5.0)
    source = FramesSource(media.grey_levels(3), fps=fps, clock=clock)
    source.open()
    frames = read_n(source, 11)
    assert all(f is not None for f in frames)
    assert clock.sleeps == pytest.approx(sleeps, abs=1e-9)  # the first frame at once, then one a period


def test_a_reader_that_fell_behind_is_not_given_a_burst():
    clock = FakeClock()
    source = FramesSource(media.grey_levels(3), fps=50, clock=clock)
    source.open()
    read_n(source, 3)  # frames at 0, 0.02, 0.04
    clock.advance(1.0)  # the reader was busy for a second
    read_n(source, 3)  # the late frame at once, then back to one every 20 ms
    assert clock.sleeps == pytest.approx([0.02, 0.02, 0.02, 0.02], abs=1e-9)
    assert clock.now() == pytest.approx(1.04 + 0.04, abs=1e-9)


@pytest.mark.parametrize("loop, expected", [
    (True, [0, 1, 2, 0, 1, 2, 0]),
    (False, [0, 1, 2, None, None, None, None]),
])
def test_frames_source_loops_or_ends(loop, expected):
    frames = media.grey_levels(3)
    source = FramesSource(frames, fps=0, loop=loop)
    source.open()
    got = [None if f is None else next(i for i, g in enumerate(frames) if f is g) for f in read_n(source, 7)]
    assert got == expected


def test_frames_source_open_restarts_from_the_first_frame():
    frames = media.grey_levels(3)
    source = FramesSource(frames, fps=0, loop=False)
    source.open()
    read_n(source, 2)
    source.open()
    assert source.read() is frames[0]


def test_frames_source_needs_frames():
    with pytest.raises(SourceError, match="no frames"):
        FramesSource([])


# --- VideoFileSource -----------------------------------------------------------------------------

@pytest.mark.parametrize("fourcc, suffix", media.VIDEO_FORMATS)
def test_video_file_returns_rgb(tmp_path, fourcc, suffix):
    red = media.solid((255, 0, 0))
    path = media.write_video(tmp_path / f"red{suffix}", [red] * 3, fourcc=fourcc)
    source = VideoFileSource(path, realtime=False)
    source.open()
    try:
        frame = source.read()
    finally:
        source.close()
    assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8
    r, g, b = frame.reshape(-1, 3).mean(axis=0)
    assert r > 230 and g < 25 and b < 25, f"expected red in RGB order, got mean {(r, g, b)}"


def _levels_read(source, n: int) -> list:
    return [None if f is None else round(float(f.mean())) for f in read_n(source, n)]


@pytest.mark.parametrize("loop", [True, False])
def test_video_file_loops_or_ends(tmp_path, loop):
    path = media.write_video(tmp_path / "levels.avi", media.grey_levels(4), fourcc="MJPG")
    source = VideoFileSource(path, loop=loop, realtime=False)
    source.open()
    got = _levels_read(source, 6)
    source.close()
    want = [media.level(i) for i in range(4)]
    assert got[:4] == pytest.approx(want, abs=4)
    if loop:
        assert got[4:] == pytest.approx(want[:2], abs=4)
    else:
        assert got[4:] == [None, None]


@pytest.mark.parametrize("realtime, sleeps", [(True, [0.04] * 5), (False, [])])
def test_video_file_plays_at_its_own_frame_rate(tmp_path, realtime, sleeps):
    path = media.write_video(tmp_path / "paced.mp4", media.grey_levels(4), fps=25)
    clock = FakeClock()
    source = VideoFileSource(path, realtime=realtime, clock=clock)  # realtime: 40 ms a frame at 25 fps
    source.open()
    frames = read_n(source, 6)
    source.close()
    assert all(f is not None for f in frames)
    assert clock.sleeps == pytest.approx(sleeps, abs=1e-6)


def test_missing_video_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere.mp4"
    with pytest.raises(SourceError, match="no such video file") as err:
        VideoFileSource(path).open()
    assert str(path) in str(err.value)


@pytest.mark.parametrize("content", [b"", b"this is not a video\n" * 50, bytes(range(256)) * 40])
def test_non_video_file_names_the_path(tmp_path, content):
    path = tmp_path / "notes.mp4"
    path.write_bytes(content)
    with pytest.raises(SourceError, match="not a readable video") as err:
        VideoFileSource(path).open()
    assert str(path) in str(err.value)


def test_video_file_read_before_open_or_after_close_is_none(tmp_path):
    path = media.write_video(tmp_path / "v.avi", media.grey_levels(2), fourcc="MJPG")
    source = VideoFileSource(path, realtime=False)
    assert source.read() is None
    source.open()
    assert source.read() is not None
    source.close()
    assert source.read() is None


# --- ImageSource ---------------------------------------------------------------------------------

def test_image_source_reads_rgb_and_repeats(tmp_path):
    rgb = np.zeros((30, 40, 3), np.uint8)
    rgb[:, :20] = (255, 0, 0)
    rgb[:, 20:] = (0, 0, 255)
    source = ImageSource(media.write_image(tmp_path / "halves.png", rgb))
    source.open()
    frames = [source.read() for _ in range(2)]
    assert source.name == "halves.png" and not source.is_camera
    for frame in frames:
        np.testing.assert_array_equal(frame, rgb)


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such image file"),
    (lambda p: p.write_bytes(b"\x89PNG but not really"), "not a readable image"),
])
def test_image_source_errors_name_the_path(tmp_path, make, message):
    path = tmp_path / "picture.png"
    make(path)
    with pytest.raises(SourceError, match=message) as err:
        ImageSource(path)
    assert str(path) in str(err.value)


# --- DemoSource ----------------------------------------------------------------------------------

def test_demo_frames_are_640x480_rgb_change_over_time_and_show_a_face(detector):
    source = DemoSource()
    assert source.read() is None  # not opened yet
    source.open()
    try:
        live = source.read()
        frames = [source.render(t) for t in (0.0, 1.5, 4.0)]
    finally:
        source.close()
    for frame in [live, *frames]:
        assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    assert np.abs(frames[0].astype(int) - frames[2].astype(int)).mean() > 5, "the demo should move"
    for frame in frames:
        boxes = detector.detect(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY))
        assert len(boxes) == 1, boxes
        assert 50 <= boxes[0].w <= 200
        # the portrait is warm-coloured on a dark blue-grey stage: the face is not on the background
        x, y = map(int, boxes[0].center)
        assert frame[y, x].astype(int).sum() > 3 * 80


def test_demo_with_a_missing_image_raises(tmp_path):
    with pytest.raises(SourceError, match="demo image missing"):
        DemoSource(image=tmp_path / "gone.jpg").open()


# --- open_source, cameras ------------------------------------------------------------------------

@pytest.fixture
def media_files(tmp_path):
    video = media.write_video(tmp_path / "clip.mp4", media.grey_levels(2))
    image = media.write_image(tmp_path / "still.png", media.solid((10, 200, 30)))
    unknown_suffix = tmp_path / "clip.data"
    unknown_suffix.write_bytes(video.read_bytes())
    return {"video": video, "image": image, "unknown_suffix": unknown_suffix, "missing_video": tmp_path / "gone.mkv"}


@pytest.mark.parametrize("spec, kind", [
    ("0", CameraSource), (" 2 ", CameraSource), (3, CameraSource),
    ("demo", DemoSource), ("DEMO", DemoSource),
    ("{video}", VideoFileSource), ("{unknown_suffix}", VideoFileSource), ("{missing_video}", VideoFileSource),
    ("{image}", ImageSource),
])
def test_open_source_picks_the_kind(media_files, spec, kind):
    if isinstance(spec, str):
        spec = spec.format(**media_files)
    source = open_source(spec)
    assert type(source) is kind
    if kind is CameraSource:
        assert source.index == int(str(spec).strip()) and source.is_camera


@pytest.mark.parametrize("spec", ["nonsense", "", "-1", "camera", "/no/such/file.png"])
def test_open_source_refuses_what_it_cannot_open(spec):
    with pytest.raises(SourceError):
        open_source(spec)


def test_open_source_error_says_what_is_accepted():
    with pytest.raises(SourceError, match="not a camera index, 'demo', or an existing video/image file"):
        open_source("nonsense")


def test_camera_that_does_not_exist_raises_source_error():
    source = CameraSource(99)
    with pytest.raises(SourceError, match="camera 99"):
        source.open()
    assert source.read() is None
    source.close()  # closing a source that never opened is harmless


# --- LatestFrame ---------------------------------------------------------------------------------

_IMAGE = np.zeros((2, 2, 3), np.uint8)


def numbered(i: int):
    return media.make_frame(_IMAGE, i)


def test_slow_consumer_sees_only_the_newest_frames():
    slot = LatestFrame()
    put_count = 100

    def produce():
        for i in range(put_count):
            slot.put(numbered(i))
            time.sleep(0.0005)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    taken = []
    while True:
        frame = slot.take(timeout=2.0)
        assert frame is not None, "the producer stalled"
        taken.append(frame.index)
        if frame.index == put_count - 1:
            break
        time.sleep(0.01)  # a slow consumer
    producer.join(timeout=2)
    assert all(a < b for a, b in zip(taken, taken[1:])), taken
    assert taken[-1] == put_count - 1
    stats = slot.stats
    assert stats.put == put_count
    assert stats.dropped > 0 and len(taken) < put_count
    assert stats.dropped + len(taken) == put_count  # every frame was either taken or dropped


def test_dropped_counts_overwrites():
    slot = LatestFrame()
    for i in range(5):
        slot.put(numbered(i))
    assert slot.stats.dropped == 4
    assert slot.take(timeout=0).index == 4
    slot.put(numbered(5))
    assert slot.stats.dropped == 4  # the slot was empty: nothing lost
    assert (slot.stats.put, slot.take(timeout=0).index) == (6, 5)


def test_a_frame_is_handed_over_once():
    slot = LatestFrame()
    slot.put(numbered(1))
    assert slot.take(timeout=0.1).index == 1
    assert slot.take(timeout=0.05) is None


def test_take_times_out_with_none():
    slot = LatestFrame()
    start = time.monotonic()
    assert slot.take(timeout=0.1) is None
    assert time.monotonic() - start >= 0.1  # it did wait (a loaded machine only makes it longer)


def test_close_unblocks_a_waiting_take():
    slot = LatestFrame()
    got, done = [], threading.Event()

    def consume():
        got.append(slot.take())  # no timeout: only close() can end this
        done.set()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    time.sleep(0.1)
    assert not done.is_set(), "take() returned without a frame"
    slot.close()
    assert done.wait(timeout=2.0), "close() did not wake the waiting take()"
    assert got == [None]


def test_reopen_makes_take_wait_again():
    slot = LatestFrame()
    slot.close()
    got = []
    taker = threading.Thread(target=lambda: got.append(slot.take(timeout=3600)), daemon=True)
    taker.start()
    taker.join(60)  # a hang guard: a take that waited for its timeout would take an hour
    assert not taker.is_alive() and got == [None]  # closed: returns without waiting
    slot.reopen()
    assert slot.take(timeout=0.05) is None
    slot.put(numbered(3))
    assert slot.take(timeout=0.05).index == 3


def test_probe_lists_a_camera_in_use_without_reopening_it():
    from emocam.live.sources import probe_cameras

    assert probe_cameras(max_index=1, in_use=(1,))[-1] == 1  # listed although this machine has no camera 1
