"""FaceDetector with the real Haar cascade, and cascade lookup by name (drop-in folder first)."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

from emocam.live import detection
from emocam.live.detection import DEFAULT_CASCADE, CascadeError, FaceDetector, find_cascade, known_cascades
from emocam.types import Box
from tests.emocam import media


def gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


@pytest.fixture
def drop_in(tmp_path, monkeypatch):
    """An empty drop-in cascade folder in place of the repository's haarcascades/."""
    folder = tmp_path / "haarcascades"
    folder.mkdir()
    monkeypatch.setattr(detection, "DROP_IN_DIR", folder)
    return folder


def opencv_cascade(name: str):
    return find_cascade(name)  # with an empty drop-in folder this is OpenCV's own file


def test_finds_the_face_in_the_portrait(detector):
    boxes = detector.detect(gray(media.portrait()))
    assert len(boxes) == 1
    assert boxes[0].iou(media.PORTRAIT_FACE) > 0.7


def test_scale_maps_boxes_back_to_the_full_image(detector):
    full = gray(media.portrait())
    half = cv2.resize(full, (256, 256), interpolation=cv2.INTER_AREA)
    (box,) = detector.detect(half, scale=2.0)
    assert box.iou(media.PORTRAIT_FACE) > 0.6


def test_boxes_come_largest_first(detector):
    big = media.face_crop()
    small = cv2.resize(big, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    canvas = np.full((big.shape[0], big.shape[1] + small.shape[1], 3), media.BACKGROUND, np.uint8)
    canvas[:, big.shape[1]:][: small.shape[0]] = small
    canvas[:, : big.shape[1]] = big
    boxes = detector.detect(gray(canvas))
    assert len(boxes) == 2
    assert boxes[0].area > boxes[1].area and boxes[0].x < big.shape[1] <= boxes[1].x


@pytest.mark.parametrize("image", [
    media.blank(0), media.blank(128), media.blank(255),
    np.random.default_rng(0).integers(0, 256, (240, 320, 3), dtype=np.uint8),
], ids=["black", "grey", "white", "noise"])
def test_no_face_in_a_blank_image(detector, image):
    assert detector.detect(gray(image)) == []


def test_known_cascades_include_opencvs_face_cascades():
    names = known_cascades()
    assert DEFAULT_CASCADE in names and "haarcascade_eye" in names
    assert all(not n.endswith(".xml") for n in names)


@pytest.mark.parametrize("spelling", [DEFAULT_CASCADE, DEFAULT_CASCADE + ".xml"])
def test_find_cascade_by_name(spelling):
    path = find_cascade(spelling)
    assert path.is_file() and path.name == DEFAULT_CASCADE + ".xml"


def test_find_cascade_accepts_a_path_to_an_xml_file(tmp_path):
    own = tmp_path / "somewhere" / "faces.xml"
    own.parent.mkdir()
    shutil.copyfile(find_cascade(DEFAULT_CASCADE), own)
    assert find_cascade(str(own)) == own


def test_unknown_name_lists_the_known_names():
    with pytest.raises(CascadeError) as err:
        find_cascade("haarcascade_unicorn")
    message = str(err.value)
    assert "'haarcascade_unicorn'" in message
    assert DEFAULT_CASCADE in message and "haarcascade_eye" in message


def test_drop_in_folder_is_searched_first(drop_in):
    opencv_file = opencv_cascade(DEFAULT_CASCADE)
    # a different cascade under the default name: the drop-in copy must win
    shutil.copyfile(opencv_cascade("haarcascade_frontalface_alt2"), drop_in / f"{DEFAULT_CASCADE}.xml")
    assert find_cascade(DEFAULT_CASCADE) == drop_in / f"{DEFAULT_CASCADE}.xml"
    assert find_cascade(DEFAULT_CASCADE) != opencv_file
    assert FaceDetector().path == drop_in / f"{DEFAULT_CASCADE}.xml"


def test_a_new_cascade_dropped_in_is_known_and_works(drop_in):
    shutil.copyfile(opencv_cascade("haarcascade_frontalface_alt2"), drop_in / "my_faces.xml")
    assert "my_faces" in known_cascades()
    detector = FaceDetector("my_faces")
    assert detector.path == drop_in / "my_faces.xml"
    boxes = detector.detect(gray(media.portrait()))
    assert len(boxes) == 1 and boxes[0].iou(media.PORTRAIT_FACE) > 0.5


@pytest.mark.parametrize("content", [
    b"",
    b"this is not XML\n",
    b"<?xml version='1.0'?>\n<opencv_storage><junk/></opencv_storage>\n",
], ids=["empty", "text", "xml-without-cascade"])
def test_a_corrupt_cascade_raises_cascade_error(drop_in, content):
    (drop_in / "broken.xml").write_bytes(content)
    with pytest.raises(CascadeError, match="could not load") as err:
        FaceDetector("broken")
    assert str(drop_in / "broken.xml") in str(err.value)


def test_a_truncated_cascade_raises_cascade_error(drop_in):
    data = opencv_cascade(DEFAULT_CASCADE).read_bytes()
    (drop_in / "cut.xml").write_bytes(data[: len(data) // 3])
    with pytest.raises(CascadeError, match="could not load"):
        FaceDetector("cut")


def test_boxes_are_boxes(detector):
    (box,) = detector.detect(gray(media.portrait()))
    assert isinstance(box, Box) and all(isinstance(v, int) for v in (box.x, box.y, box.w, box.h))
