"""Live mode through the WebSocket, measured: a video's frames sent to ``/api/live`` as the page sends
them (JPEG, at most 2 frames in flight), answers per second and latency counted.

    python tools/measure_web_live.py [--seconds 20] [--width 480] [--fps 30] [--url ws://127.0.0.1:8000]

Without ``--url`` it starts ``python -m emocam serve`` on a free port and stops it afterwards. The
video is written with ``cv2.VideoWriter`` (the demo portrait's face moving over a 640x480 stage) and
read back with ``cv2.VideoCapture``. ``--fps 30`` paces the frames like a camera; ``--fps 0`` sends
as fast as the answers allow (the server's ceiling).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IN_FLIGHT = 2


def make_video(path: Path, frames: int = 150) -> list[np.ndarray]:
    """Write the clip, read it back: BGR frames as a camera would give them."""
    from tests.emocam.media import on_stage, portrait

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 480))
    for i in range(frames):
        x = int(120 + 200 * (0.5 + 0.5 * np.sin(2 * np.pi * i / frames)))
        writer.write(cv2.cvtColor(on_stage(portrait(), 0.7, (x, 100)), cv2.COLOR_RGB2BGR))
    writer.release()
    capture, out = cv2.VideoCapture(str(path)), []
    while (ok_frame := capture.read())[0]:
        out.append(ok_frame[1])
    capture.release()
    return out


def encode(frames: list[np.ndarray], width: int) -> list[bytes]:
    out = []
    for bgr in frames:
        h = round(bgr.shape[0] * width / bgr.shape[1])
        small = cv2.resize(bgr, (width, h), interpolation=cv2.INTER_AREA) if width != bgr.shape[1] else bgr
        out.append(cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])[1].tobytes())
    return out


def measure(url: str, jpegs: list[bytes], seconds: float, fps: float) -> dict:
    from websockets.sync.client import connect

    sent_at: dict[int, float] = {}
    answers: list[tuple[float, dict]] = []
    lock, answered = threading.Condition(), [0]
    with connect(f"{url}/api/live", max_size=None, origin=url.replace("ws", "http", 1)) as ws:
        ready = json.loads(ws.recv())
        assert ready.get("ready"), ready

        def receive():
            for message in ws:
                now, msg = time.perf_counter(), json.loads(message)
                with lock:
                    answers.append((now, msg))
                    answered[0] = msg["frame"]
                    lock.notify_all()

        threading.Thread(target=receive, daemon=True).start()
        start, sent = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            if fps:  # a camera: the next frame exists only at its time
                time.sleep(max(0.0, start + sent / fps - time.perf_counter()))
            with lock:
                lock.wait_for(lambda: sent - answered[0] < IN_FLIGHT, timeout=5)
            sent += 1
            sent_at[sent] = time.perf_counter()
            ws.send(jpegs[sent % len(jpegs)])
        elapsed = time.perf_counter() - start
        with lock:
            lock.wait_for(lambda: answered[0] >= sent, timeout=5)
    return summarise(answers, sent_at, sent, elapsed)


def summarise(answers, sent_at, sent, elapsed) -> dict:
    ok = [(t, m) for t, m in answers if "faces" in m]
    latency = np.array([1e3 * (t - sent_at[m["frame"]]) for t, m in ok])
    return {"seconds": round(elapsed, 2), "sent": sent, "answered": len(ok),
            "answered_fps": round(len(ok) / elapsed, 1),
            "frames_with_a_face": sum(1 for _, m in ok if m["faces"]),
            "dropped_by_server": ok[-1][1]["dropped"] if ok else None,
            "server_ms_median": round(float(np.median([m["ms"] for _, m in ok])), 1) if ok else None,
            "latency_ms_p50": round(float(np.percentile(latency, 50)), 1) if ok else None,
            "latency_ms_p95": round(float(np.percentile(latency, 95)), 1) if ok else None}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="a running server (ws://HOST:PORT); default: start one")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--width", type=int, default=480, help="frame width sent (the page sends 480)")
    p.add_argument("--fps", type=float, default=30.0, help="camera rate; 0 = as fast as answers come")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        jpegs = encode(make_video(Path(tmp) / "clip.mp4"), args.width)
    if args.url:
        result = measure(args.url, jpegs, args.seconds, args.fps)
    else:
        from tests.emocam.web.server import serving

        with serving() as (base, _):
            result = measure(base.replace("http", "ws", 1), jpegs, args.seconds, args.fps)
    result.update(width=args.width, camera_fps=args.fps, jpeg_kb=round(np.mean([len(j) for j in jpegs]) / 1024, 1))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
