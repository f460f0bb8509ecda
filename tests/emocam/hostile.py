"""Hostile files for the reliability tests (helpers, not a test module). Each is built here, from
scratch, the way an attacker would: small on disk, costly or fatal to parse naively."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def crashing_tflite(dst: Path) -> Path:
    """24 bytes: a LiteRT flatbuffer with a version and no subgraphs. Parsing it in-process
    SIGSEGVs the interpreter (ai-edge-litert 1.x)."""
    import flatbuffers

    b = flatbuffers.Builder(64)
    b.StartObject(5)  # Model table: version, operator_codes, subgraphs, description, buffers
    b.PrependUint32Slot(0, 3, 0)
    b.Finish(b.EndObject(), file_identifier=b"TFL3")
    dst.write_bytes(bytes(b.Output()))
    return dst


def png(dst: Path, width: int, height: int, rows: int | None = None) -> Path:
    """A grayscale PNG of ``width`` x ``height`` zeros, compressed row by row (never held in memory);
    ``rows`` < height writes a header that promises more rows than the data holds."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    squeeze, row, idat = zlib.compressobj(9), b"\x00" * (width + 1), bytearray()
    for _ in range(height if rows is None else rows):
        idat += squeeze.compress(row)
    idat += squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    dst.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bytes(idat)) + chunk(b"IEND", b""))
    return dst


def padding_keras(dst: Path, pad: int = 6000) -> Path:
    """A real Keras model that pads each 48 px face to (48 + 2 * pad) px a side before pooling."""
    import keras
    from keras import layers

    inp = keras.Input((48, 48, 1))
    x = layers.GlobalAveragePooling2D()(layers.ZeroPadding2D(pad)(inp))
    keras.Model(inp, layers.Dense(7, activation="softmax")(x)).save(dst)
    return dst


def padding_tflite(dst: Path, pad: int = 6000) -> Path:
    """The LiteRT twin of :func:`padding_keras` (about 2 KB): converting is allowed, running is not."""
    import keras
    from keras import layers

    from emocam.models.loading import convert_to_tflite

    inp = keras.Input((48, 48, 1))
    x = layers.GlobalAveragePooling2D()(layers.ZeroPadding2D(pad)(inp))
    dst.write_bytes(convert_to_tflite(keras.Model(inp, layers.Dense(7, activation="softmax")(x)), dst))
    return dst
