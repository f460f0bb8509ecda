"""Untrusted uploads, read safely: the request body is capped while it streams in and parsed in
memory (never spooled to a temporary file); images are recognised by their content, their size is
read from the header and bounded before any pixel is decoded.

Every refusal is a :class:`WebError` with the HTTP status and a message for the user.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # one image (photo or style); the whole request may add form overhead
MAX_BODY_BYTES = 2 * MAX_UPLOAD_BYTES + 64 * 1024  # /api/avatar carries a photo and maybe a style image
MAX_PIXELS = 40_000_000  # about a 7300x5500 photo; decoded RGB is 120 MB at most
MAX_SIDE = 12_000
MAX_PARTS = 8
MAX_FIELD_BYTES = 1024  # plain text fields (model name, style name, size)
FORMATS = ("JPEG", "PNG", "WEBP", "BMP")  # what Pillow may recognise an upload as; nothing else is opened


class WebError(Exception):
    """A request refused with ``status`` and a one-line ``message`` that says what to do."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Part:
    """One multipart field: ``filename`` is None for a plain text field."""

    name: str
    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class Form:
    parts: tuple[Part, ...]

    def file(self, name: str) -> bytes | None:
        """The bytes of file field ``name`` (None when absent); one image at most per field."""
        found = [p for p in self.parts if p.name == name]
        if len(found) > 1:
            raise WebError(422, f"send one {name!r} field, not {len(found)}")
        if found and len(found[0].data) > MAX_UPLOAD_BYTES:
            raise WebError(413, f"{name!r} is {_mb(len(found[0].data))}; the limit is {_mb(MAX_UPLOAD_BYTES)} per image")
        return found[0].data if found else None

    def text(self, name: str) -> str | None:
        """Text field ``name`` (stripped; None when absent or empty)."""
        for p in self.parts:
            if p.name == name and p.filename is None:
                if len(p.data) > MAX_FIELD_BYTES:
                    raise WebError(422, f"field {name!r} is too long")
                value = p.data.decode("utf-8", errors="replace").strip()
                return value or None
        return None


async def read_form(request, max_body: int = MAX_BODY_BYTES) -> Form:
    """The multipart form of ``request``, read into memory with the body capped at ``max_body``
    (413 as soon as the declared or received size passes it)."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise WebError(415, "send the image as multipart/form-data (e.g. curl -F image=@photo.jpg)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise WebError(413, f"the upload is {_mb(int(declared))}; the limit is {_mb(MAX_UPLOAD_BYTES)} per image")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_body:
            raise WebError(413, f"the upload is over {_mb(max_body)}; the limit is {_mb(MAX_UPLOAD_BYTES)} per image")
    return parse_multipart(bytes(body), params[b"boundary"])


def parse_multipart(body: bytes, boundary: bytes) -> Form:
    """Parse a complete multipart body held in memory."""
    collector = _Collector()
    parser = MultipartParser(boundary, collector.callbacks())
    try:
        parser.write(body)
        parser.finalize()
    except WebError:
        raise
    except Exception as e:  # python-multipart raises its own errors for a malformed body
        raise WebError(400, f"the form could not be read ({type(e).__name__}); send multipart/form-data") from e
    return Form(tuple(collector.parts))


class _Collector:
    """python-multipart callbacks that gather parts in memory."""

    def __init__(self):
        self.parts: list[Part] = []
        self._headers: dict[bytes, bytes] = {}
        self._field, self._value, self._data = b"", b"", bytearray()

    def callbacks(self) -> dict:
        return {"on_part_begin": self._begin, "on_part_data": self._part_data, "on_part_end": self._end,
                "on_header_field": self._header_field, "on_header_value": self._header_value,
                "on_header_end": self._header_end}

    def _begin(self) -> None:
        if len(self.parts) >= MAX_PARTS:
            raise WebError(422, f"too many form fields (at most {MAX_PARTS})")
        self._headers, self._data = {}, bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _end(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise WebError(400, "a form part has no name; send fields as multipart/form-data")
        filename = options[b"filename"].decode("utf-8", "replace") if b"filename" in options else None
        self.parts.append(Part(options[b"name"].decode("utf-8", "replace"), bytes(self._data), filename))


def decode_image(data: bytes | None, field: str = "image", max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """uint8 HxWx3 RGB from untrusted bytes. The format is sniffed from the content (the file name
    and declared type are ignored); width and height come from the header and are checked before
    decoding; EXIF rotation is applied (phone photos)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise WebError(422, f"no {field!r} file in the form; attach an image (JPEG, PNG, WebP or BMP)")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
    except UnidentifiedImageError as e:
        raise WebError(415, f"{field!r} is not an image emocam can read; send a JPEG, PNG, WebP or BMP") from e
    except Image.DecompressionBombError as e:
        raise WebError(413, f"{field!r} declares an enormous size; the limit is {max_pixels / 1e6:.0f} megapixels") from e
    with image:
        _check_size(image.size, field, max_pixels)
        try:
            image = ImageOps.exif_transpose(image)
            rgb = np.asarray(image.convert("RGB"))
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
            raise WebError(422, f"{field!r} looks like a {image.format} but could not be decoded "
                                f"(corrupt or truncated); try another file") from e
    return np.ascontiguousarray(rgb)


def _check_size(size: tuple[int, int], field: str, max_pixels: int) -> None:
    w, h = size
    if w < 1 or h < 1:
        raise WebError(422, f"{field!r} has no pixels ({w}x{h})")
    if w * h > max_pixels or max(w, h) > MAX_SIDE:
        raise WebError(413, f"{field!r} is {w}x{h} pixels ({w * h / 1e6:.0f} MP); the limit is "
                            f"{max_pixels / 1e6:.0f} MP and {MAX_SIDE} px a side; scale it down first")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"
