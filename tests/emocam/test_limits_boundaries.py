"""Every bound in emocam/limits.py at its exact edge, on real files: just inside is accepted, just
outside is refused before the memory it guards is allocated. The numbers are literals on purpose;
the model allow-list's own limits are in tests/emocam/models/test_check_boundaries.py."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam import limits
from emocam.errors import FileRefused, ModelError
from emocam.live import media
from emocam.live.classifier import check_shapes
from tests.emocam import hostile


def test_the_limits_are_these_numbers():
    assert (limits.MIN_INPUT_SIDE, limits.MAX_INPUT_SIDE) == (32, 96)
    assert (limits.MAX_IMAGE_PIXELS, limits.MAX_IMAGE_SIDE, limits.MAX_IMAGE_BYTES) == (40_000_000, 20_000, 268_435_456)
    assert limits.MAX_VIDEO_PIXELS == 9_437_184
    assert (limits.MAX_MODEL_BYTES, limits.MAX_PARAMETERS, limits.MAX_WIDTH, limits.MAX_KERNEL_SIDE) == \
        (134_217_728, 32_000_000, 4096, 15)
    assert (limits.MAX_TENSOR_BYTES, limits.MAX_CHECK_RSS, limits.MAX_DATA_BYTES) == \
        (268_435_456, 3_221_225_472, 2_147_483_648)


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` zero bytes that takes no disk space until read."""
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


# ----- images: pixels, sides and bytes, decided from the header before decoding

@pytest.fixture
def decoder(monkeypatch):
    """Notes every decode (with its flags) and hands back a tiny image instead of allocating."""
    calls = []

    def imdecode(buf, flags):
        calls.append(flags)
        return np.zeros((2, 2, 3), np.uint8)

    monkeypatch.setattr(media.cv2, "imdecode", imdecode)
    return calls


@pytest.mark.parametrize("width, height, ok", [
    (8000, 5000, True), (8000, 5001, False),        # 40,000,000 pixels / 40,008,000
    (20_000, 2000, True), (20_001, 1, False), (1, 20_001, False),
])
def test_png_pixels_and_sides(tmp_path, decoder, width, height, ok):
    path = hostile.png(tmp_path / "big.png", width, height, rows=1)
    if ok:
        media.read_image(path)
        assert decoder == [cv2.IMREAD_COLOR]
    else:
        with pytest.raises(media.ImageError, match=f"big.png: image is {width}x{height} .*more than the 40 MP "
                                                   r"\(or 20000 px a side\)"):
            media.read_image(path)
        assert decoder == []


def jpeg(path: Path, width: int, height: int) -> Path:
    """A real 8x8 JPEG whose frame header claims ``width`` x ``height``."""
    ok, data = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    data = bytearray(data.tobytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("width, height, flag", [
    (20_000, 2000, cv2.IMREAD_COLOR),
    (40_000, 2000, cv2.IMREAD_REDUCED_COLOR_2),     # 20000x1000 at 1/2
    (40_001, 2000, cv2.IMREAD_REDUCED_COLOR_4),     # 1/2 would be 20001 wide
    (16_000, 10_000, cv2.IMREAD_REDUCED_COLOR_2),   # 8000x5000 = 40,000,000 at 1/2
    (16_000, 10_001, cv2.IMREAD_REDUCED_COLOR_4),   # 1/2 would be 8000x5001
    (65_535, 8, cv2.IMREAD_REDUCED_COLOR_4),        # the widest JPEG there is: 16384 px at 1/4
    (13_378, 13_376, cv2.IMREAD_REDUCED_COLOR_4),   # 178,944,128 pixels: just under Pillow's own bound
    (13_379, 13_376, None),                         # 178,957,504: over Pillow's 178,956,970 (see above)
    (50_000, 51_200, None),                         # would be 40,000,000 at 1/8, but Pillow refuses the header
])
def test_a_large_jpeg_is_decoded_reduced_just_enough(tmp_path, decoder, width, height, flag):
    """libjpeg decodes at 1/2, 1/4 or 1/8; but Pillow, which reads the header, refuses anything over
    2 x its MAX_IMAGE_PIXELS (178,956,970 pixels) first, so 1/8 is never reached today."""
    path = jpeg(tmp_path / "big.jpg", width, height)
    if flag is None:
        with pytest.raises(media.ImageError, match="more than the 40 MP"):
            media.read_image(path)
        assert decoder == []
    else:
        media.read_image(path)
        assert decoder == [flag]


@pytest.mark.parametrize("size, ok", [(268_435_456, True), (268_435_457, False)])
def test_image_files_are_read_up_to_256_mb(tmp_path, size, ok):
    path = sparse(tmp_path / "huge.png", size)
    if ok:  # read whole (256 MB), then found not to be an image
        with pytest.raises(media.ImageError, match="huge.png: not a readable image"):
            media.read_image(path)
    else:  # refused from its size, unread
        with pytest.raises(FileRefused, match=r"huge.png: 256 MB is larger than any image file this app "
                                                   r"reads \(limit 256 MB\)"):
            media.read_image(path)


# ----- videos: the frame size from the container, before the first frame is decoded

def mjpg(path: Path, width: int, height: int) -> Path:
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (width, height))
    out.write(np.zeros((height, width, 3), np.uint8))
    out.release()
    return path


@pytest.mark.parametrize("width, height, ok", [
    (4096, 2304, True), (2304, 4096, True),   # 9,437,184 pixels
    (4104, 2304, False),                      # the next width the MJPG writer makes (multiples of 8)
])
def test_video_frames_are_held_to_4096x2304_pixels(tmp_path, width, height, ok):
    path = mjpg(tmp_path / "clip.avi", width, height)
    if ok:
        cap = media.open_video(path)
        try:
            assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (width, height)
        finally:
            cap.release()
    else:
        with pytest.raises(media.ImageError, match=f"clip.avi: video frames are {width}x{height}, more than the "
                                                   r"9.4 MP this app decodes"):
            media.open_video(path)


# ----- model files

@pytest.mark.parametrize("size, ok", [(134_217_728, True), (134_217_729, False)])
def test_model_files_are_read_up_to_128_mb(tmp_path, size, ok):
    from emocam.models.loading import read_model_bytes

    path = sparse(tmp_path / "big.tflite", size)
    if ok:
        assert len(read_model_bytes(path)) == 134_217_728
    else:
        with pytest.raises(ModelError, match=r"big.tflite: 128 MB is larger than any model file this app reads "
                                             r"\(limit 128 MB\)"):
            read_model_bytes(path)


@pytest.mark.parametrize("side, ok", [(32, True), (31, False), (96, True), (97, False)])
def test_a_litert_models_input_is_32_to_96_px(side, ok):
    for shape in ((1, side, 48, 1), (1, 48, side, 3)):
        if ok:
            assert check_shapes(shape, (1, 7), Path("m.tflite")).height == shape[1]
        else:
            with pytest.raises(ModelError, match=f"m.tflite: input {shape[1]}x{shape[2]} is outside 32..96 px"):
                check_shapes(shape, (1, 7), Path("m.tflite"))


def tflite_with_tensors(total_bytes: int) -> bytes:
    """A LiteRT flatbuffer built by hand: a 48x48x1 float input that is also the output (9216 bytes)
    and one tensor no op uses, sized so that all tensors declare ``total_bytes`` together."""
    import flatbuffers

    b = flatbuffers.Builder(1024)

    def ints(values):
        b.StartVector(4, len(values), 4)
        for v in reversed(values):
            b.PrependInt32(v)
        return b.EndVector()

    def table(*slots):  # (slot, kind, value) in the schema's field order
        b.StartObject(1 + max(slot for slot, _, _ in slots))
        for slot, kind, value in slots:
            {"ref": b.PrependUOffsetTRelativeSlot, "u32": b.PrependUint32Slot,
             "i8": b.PrependInt8Slot}[kind](slot, value, 0)
        return b.EndObject()

    def vector(refs):
        b.StartVector(4, len(refs), 4)
        for ref in reversed(refs):
            b.PrependUOffsetTRelative(ref)
        return b.EndVector()

    face = table((0, "ref", ints([1, 48, 48, 1])), (1, "i8", 0), (3, "ref", b.CreateString("face")))  # FLOAT32
    unused = table((0, "ref", ints([total_bytes - 9216])), (1, "i8", 9), (3, "ref", b.CreateString("unused")))  # INT8
    graph = table((0, "ref", vector([face, unused])), (1, "ref", ints([0])), (2, "ref", ints([0])),
                  (3, "ref", vector([])))
    b.StartObject(1)
    buffer = b.EndObject()
    model = table((0, "u32", 3), (1, "ref", vector([])), (2, "ref", vector([graph])), (4, "ref", vector([buffer])))
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


@pytest.mark.parametrize("total, says", [
    (268_435_456, "expects 7 outputs, has 1"),    # past the tensor bound, refused for what it is
    (268_435_457, "declares 256 MB of tensors; emotion models need a few MB (limit 256 MB)"),
])
def test_a_litert_model_may_declare_256_mb_of_tensors(total, says):
    from emocam.live.classifier import EmotionClassifier

    with pytest.raises(ModelError, match=f"^edge.tflite: {re.escape(says)}"):
        EmotionClassifier(tflite_with_tensors(total), Path("edge.tflite"))


@pytest.mark.parametrize("rss, refused", [(3_221_225_472, False), (3_221_225_473, True)])
def test_the_checking_child_may_use_3_gb_and_no_more(rss, refused, monkeypatch):
    """The child's resident size as the parent reads it, set to the edge: at 3 GB it finishes."""
    from emocam.models import probe
    from emocam.models.lookup import default_weights

    monkeypatch.setattr(probe, "_rss", lambda pid: rss)
    checking = probe.ModelProbe(default_weights())
    assert checking.max_rss == 3_221_225_472
    if refused:
        with pytest.raises(ModelError, match="loading it needed more than 3072 MB of memory"):
            checking.run()
    else:
        assert checking.run()[4:8] == b"TFL3"


# ----- training data: npz members sized from the zip directory

def npz_claiming(path: Path, total: int) -> Path:
    """A real npz (x: 2 faces, y: 2 labels) with one more member, never read, whose size in the
    zip's central directory makes the members add up to ``total`` bytes."""
    np.savez(path, x=np.zeros((2, 48, 48), np.uint8), y=np.array([3, 6]))
    with zipfile.ZipFile(path, "a") as zf:
        real = sum(i.file_size for i in zf.infolist())
        zf.writestr("pad.npy", b"")
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the central directory: one entry per member
    while data[entry + 46: entry + 46 + 7] != b"pad.npy":
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24: entry + 28] = struct.pack("<I", total - real)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert sum(i.file_size for i in zf.infolist()) == total
    return path


@pytest.mark.parametrize("total, ok", [(2_147_483_648, True), (2_147_483_649, False)])
def test_training_data_may_unpack_to_2_gb(tmp_path, total, ok):
    from emocam.training.data import DataError, load_npz

    path = npz_claiming(tmp_path / "faces.npz", total)
    if ok:
        data = load_npz(path)
        assert data.x.shape == (2, 48, 48) and data.y.tolist() == [3, 6]
    else:
        with pytest.raises(DataError, match=r"faces.npz: unpacks to 2048 MB, more than the 2048 MB limit"):
            load_npz(path)

