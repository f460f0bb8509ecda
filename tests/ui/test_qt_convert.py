"""rgb_to_qimage: formats, strides, ownership of the pixels, and clear errors; rgb_to_display: the live
view's conversion, scaled to the size shown."""

import gc

import numpy as np
import pytest
from PyQt5.QtGui import QImage

from ui.qt_convert import rgb_to_display, rgb_to_qimage


def _rgb_at(image: QImage, x: int, y: int) -> tuple[int, int, int, int]:
    return image.pixelColor(x, y).getRgb()


def _pattern(height: int, width: int) -> np.ndarray:
    """Every pixel different, so a wrong stride shows up as wrong values."""
    yy, xx = np.mgrid[0:height, 0:width]
    return np.stack([xx * 7 % 256, yy * 11 % 256, (xx + yy) * 3 % 256], axis=-1).astype(np.uint8)


def _assert_same_pixels(image: QImage, array: np.ndarray) -> None:
    assert (image.width(), image.height()) == (array.shape[1], array.shape[0])
    for y in range(array.shape[0]):
        for x in range(array.shape[1]):
            assert _rgb_at(image, x, y)[:3] == tuple(int(v) for v in array[y, x]), (x, y)


def test_contiguous_rgb_keeps_every_pixel():
    array = _pattern(9, 13)  # odd width: rows are not 4-byte aligned
    image = rgb_to_qimage(array)
    assert image.format() == QImage.Format_RGB888
    _assert_same_pixels(image, array)


@pytest.mark.parametrize(
    "view",
    [
        lambda a: a[:, ::2],  # column step
        lambda a: a[3:17, 5:22],  # crop of a larger image
        lambda a: a[::-1],  # negative row stride
        lambda a: a[..., ::-1],  # BGR view of the same buffer
        lambda a: np.asfortranarray(a),
    ],
    ids=["column-step", "crop", "flipped-rows", "channel-reversed", "fortran-order"],
)
def test_non_contiguous_views(view):
    array = view(_pattern(20, 30))
    assert not array.flags.c_contiguous
    _assert_same_pixels(rgb_to_qimage(array), array)


def test_read_only_frame_is_accepted():
    array = _pattern(4, 5)
    array.flags.writeable = False
    _assert_same_pixels(rgb_to_qimage(array), array)


def test_gray():
    gray = np.arange(7 * 5, dtype=np.uint8).reshape(7, 5) * 7
    image = rgb_to_qimage(gray)
    assert image.format() == QImage.Format_Grayscale8
    assert _rgb_at(image, 3, 4)[:3] == (int(gray[4, 3]),) * 3
    assert _rgb_at(image, 0, 0)[:3] == (0, 0, 0)


def test_rgba_keeps_alpha():
    rgba = np.zeros((3, 4, 4), np.uint8)
    rgba[1, 2] = (10, 20, 30, 128)
    rgba[0, 0] = (255, 0, 0, 255)
    image = rgb_to_qimage(rgba)
    assert image.hasAlphaChannel()
    assert _rgb_at(image, 2, 1) == (10, 20, 30, 128)
    assert _rgb_at(image, 0, 0) == (255, 0, 0, 255)


def test_image_survives_the_array():
    array = _pattern(6, 8)
    expected = _rgb_at(QImage(rgb_to_qimage(array)), 5, 3)
    image = rgb_to_qimage(array)
    array[:] = 0  # overwrite the buffer, then let it die
    del array
    gc.collect()
    _ = [np.full((6, 8, 3), 255, np.uint8) for _ in range(20)]  # reuse freed memory
    assert _rgb_at(image, 5, 3) == expected
    assert expected[:3] == (35, 33, 24)


@pytest.mark.parametrize(
    "array, words",
    [
        (np.zeros((4, 4, 3), np.float32), "uint8"),
        (np.zeros((4, 4, 3), np.uint16), "uint8"),
        (np.zeros((4, 4, 2), np.uint8), "shape"),
        (np.zeros((2, 4, 4, 3), np.uint8), "shape"),
        (np.zeros((4,), np.uint8), "shape"),
        (np.zeros((0, 4, 3), np.uint8), "empty"),
        ([[1, 2], [3, 4]], "numpy"),
    ],
    ids=["float32", "uint16", "two-channels", "4d", "1d", "empty", "list"],
)
def test_unsupported_input_raises_value_error(array, words):
    with pytest.raises(ValueError, match=words):
        rgb_to_qimage(array)


def _blocks(height: int, width: int) -> np.ndarray:
    """Four flat quadrants (red, green / blue, white): scaling keeps each colour inside its quadrant."""
    array = np.empty((height, width, 3), np.uint8)
    h, w = height // 2, width // 2
    array[:h, :w], array[:h, w:], array[h:, :w], array[h:, w:] = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255,) * 3
    return array


@pytest.mark.parametrize("frame, shown", [((480, 640), (320, 240)),   # a whole-factor shrink
                                          ((720, 1280), (797, 448)),  # a fractional shrink
                                          ((1080, 1920), (500, 281)),  # more than 2x: area first
                                          ((240, 320), (1000, 750)),  # enlarged
                                          ((100, 100), (100, 100))])  # as is
@pytest.mark.parametrize("mirror", [False, True])
def test_display_image_has_the_shown_size_and_each_quadrant_keeps_its_colour(frame, shown, mirror):
    image = rgb_to_display(_blocks(*frame), *shown, mirror=mirror)
    assert (image.width(), image.height(), image.format()) == (*shown, QImage.Format_RGB32)
    w, h = shown
    left, right = ((0, 255, 0), (255, 0, 0)) if mirror else ((255, 0, 0), (0, 255, 0))
    assert _rgb_at(image, w // 4, h // 4)[:3] == left
    assert _rgb_at(image, 3 * w // 4, h // 4)[:3] == right
    assert _rgb_at(image, w // 4 if not mirror else 3 * w // 4, 3 * h // 4)[:3] == (0, 0, 255)


def test_display_image_owns_its_pixels():
    array = _blocks(60, 80)
    image = rgb_to_display(array, 40, 30)
    array[:] = 0
    del array
    gc.collect()
    assert _rgb_at(image, 5, 5)[:3] == (255, 0, 0)


@pytest.mark.parametrize("array, size, message", [
    (np.zeros((4, 4), np.uint8), (4, 4), "uint8 HxWx3"),
    (np.zeros((4, 4, 4), np.uint8), (4, 4), "uint8 HxWx3"),
    (np.zeros((4, 4, 3), np.float32), (4, 4), "uint8 HxWx3"),
    (np.zeros((4, 4, 3), np.uint8), (0, 4), "nothing to show at 0x4"),
])
def test_display_image_refuses_what_it_cannot_show(array, size, message):
    with pytest.raises(ValueError, match=message):
        rgb_to_display(array, *size)
