"""Live mode: the browser's camera frames over a WebSocket, newest frame only.

The client sends each frame as one binary message (a JPEG, PNG or WebP). The server keeps only the
newest frame that has not been analysed yet: a frame that arrives while the previous one still
waits replaces it (counted in ``dropped``), so latency never grows with a queue. Each analysed frame
is answered with one JSON text message::

    {"frame": 12, "width": 640, "height": 480, "faces": [...], "ms": 7.1, "received": 12, "dropped": 0}

where ``frame`` counts the binary messages received (the first is 1). The first message after the
connection opens is ``{"ready": true, "model": NAME}``, or ``{"error": MESSAGE}`` and a close
(code 1008) when the model cannot be used.
"""

from __future__ import annotations

import asyncio
import logging
import time

import anyio
from anyio import to_thread
from fastapi import WebSocket, WebSocketDisconnect

from emocam.web.analysis import LiveAnalyzer
from emocam.web.catalog import ModelCatalog
from emocam.web.uploads import WebError, decode_image

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 2 * 1024 * 1024
MAX_FRAME_PIXELS = 1920 * 1200


class NewestFrame:
    """A one-frame slot between the receiving loop and the analysing task (one event loop)."""

    def __init__(self):
        self._data: bytes | None = None
        self._index = 0
        self._ready = asyncio.Event()
        self.received = self.dropped = 0

    def put(self, data: bytes) -> None:
        if self._data is not None:
            self.dropped += 1  # replaced before it was analysed
        self.received += 1
        self._data, self._index = data, self.received
        self._ready.set()

    async def take(self) -> tuple[int, bytes]:
        await self._ready.wait()
        self._ready.clear()
        data, self._data = self._data, None
        return self._index, data


async def serve_live(ws: WebSocket, catalog: ModelCatalog, model: str | None) -> None:
    await ws.accept()
    try:
        entry = catalog.find(model)
        analyzer = LiveAnalyzer(await to_thread.run_sync(catalog.load, entry))
    except WebError as e:
        await ws.send_json({"error": e.message})
        await ws.close(code=1008)
        return
    await ws.send_json({"ready": True, "model": entry.name})
    slot = NewestFrame()
    worker = asyncio.create_task(_analyse_newest(ws, slot, analyzer))
    try:
        await _receive(ws, slot, worker)
    finally:
        if not worker.done():
            worker.cancel()
    if worker.done() and not worker.cancelled() and worker.exception() is not None:
        await _close_after_fault(ws, worker.exception())


async def _close_after_fault(ws: WebSocket, fault: BaseException) -> None:
    """The analysis task failed: a client that left is normal; anything else is logged and the
    client told, without details."""
    if isinstance(fault, (WebSocketDisconnect, OSError, anyio.ClosedResourceError, anyio.BrokenResourceError)):
        return  # the client left while its answer was being sent (uvicorn raises an OSError subclass)
    log.error("live analysis stopped", exc_info=fault)
    try:
        await ws.close(code=1011, reason="internal error; the server's log has the details")
    except (RuntimeError, WebSocketDisconnect, OSError):  # already closed by the other side
        pass


async def _receive(ws: WebSocket, slot: NewestFrame, worker: asyncio.Task) -> None:
    while not worker.done():  # a failed analysis is noticed at the next message (frames keep coming)
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        data = message.get("bytes")
        if data is None:
            continue  # text messages are not part of the protocol; ignored
        if len(data) > MAX_FRAME_BYTES:
            await ws.send_json({"error": f"frame of {len(data) >> 10} KB is over the {MAX_FRAME_BYTES >> 20} MB limit"})
            continue
        slot.put(data)


async def _analyse_newest(ws: WebSocket, slot: NewestFrame, analyzer: LiveAnalyzer) -> None:
    while True:
        index, data = await slot.take()
        started = time.perf_counter()
        try:
            rgb, faces = await to_thread.run_sync(_analyse, analyzer, data)
        except WebError as e:
            await ws.send_json({"frame": index, "error": e.message})
            continue
        await ws.send_json({"frame": index, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                            "faces": [f.as_json() for f in faces], "ms": round(1e3 * (time.perf_counter() - started), 1),
                            "received": slot.received, "dropped": slot.dropped})


def _analyse(analyzer: LiveAnalyzer, data: bytes):
    rgb = decode_image(data, "frame", MAX_FRAME_PIXELS)
    return rgb, analyzer.analyze(rgb)
