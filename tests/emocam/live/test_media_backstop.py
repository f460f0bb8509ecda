"""OpenCV's own decoder limit is set to emocam's pixel cap before OpenCV loads, so an image whose
header lies to the header check still cannot decode to gigabytes (found by the property tests: a
mutated file in an image folder once cost the test process 4 GB)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from emocam.limits import MAX_IMAGE_PIXELS

CHECK = textwrap.dedent("""
    import struct, sys, zlib
    import emocam  # what every emocam entry point imports first
    import cv2, numpy as np
    side = int(sys.argv[1])
    raw = zlib.compress(b"".join(b"\\x00" * (side + 1) for _ in range(side)), 9)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    try:
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
        print("decoded" if image is not None else "none")
    except cv2.error:
        print("refused")
""")


@pytest.mark.parametrize("side, expected", [
    (int(MAX_IMAGE_PIXELS ** 0.5) - 10, "decoded"),   # just inside the cap
    (int(MAX_IMAGE_PIXELS ** 0.5) + 10, "refused"),   # just outside: OpenCV itself refuses it
])
def test_opencv_refuses_to_decode_past_the_cap_once_emocam_is_imported(side, expected):
    env = {"PATH": "/usr/bin:/bin"}  # no OPENCV_IO_MAX_IMAGE_PIXELS from outside
    done = subprocess.run([sys.executable, "-c", CHECK, str(side)], capture_output=True, text=True, timeout=120,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == expected
