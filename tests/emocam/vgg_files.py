"""Helpers for the style-transfer tests (not a test module): VGG19 weight files (the real ImageNet file
cannot be here, so these have its exact layout, Keras' legacy HDF5 weights format with the 16
convolutions of VGG19 without its top, and untrained values), a tiny local HTTP server for download
tests, and a process-state check for the painter process."""

from __future__ import annotations

import http.server
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def write_random_vgg19_notop(path: Path) -> Path:
    """Save an untrained VGG19 (include_top=False) the way the published file is stored (~80 MB)."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    keras.utils.set_random_seed(0)
    model = keras.applications.VGG19(include_top=False, weights=None)
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return path


def write_small_keras_h5(path: Path) -> Path:
    """A valid Keras weights file of a different network (two convolutions)."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    inp = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(64, 3, name="block1_conv1")(inp)
    model = keras.Model(inp, keras.layers.Conv2D(64, 3, name="block1_conv2")(x))
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return path


@contextmanager
def serve_bytes(payload: bytes, name: str = "weights.h5", claimed_length: int | None = None,
                chunk_delay: float = 0.0):
    """Serve ``payload`` at ``http://127.0.0.1:PORT/name`` while the block runs; yields the URL.
    ``claimed_length`` larger than the payload makes a connection that breaks off early;
    ``chunk_delay`` seconds between 64 KiB chunks makes a slow line."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            if self.path != f"/{name}":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(claimed_length or len(payload)))
            self.end_headers()
            try:
                for start in range(0, len(payload), 1 << 16):
                    self.wfile.write(payload[start: start + (1 << 16)])
                    time.sleep(chunk_delay)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up (a cancelled download)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{name}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """A URL nothing listens on: what a laptop without network sees (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5'}"


def wait_gone(pid: int, guard_s: float = 120.0, also=lambda: False) -> bool:
    """Wait until ``pid`` has stopped (and ``also()`` is false); False if it still runs after
    ``guard_s``. A hang guard, not a time bound: a painter runs at nice 10, so on a machine loaded at
    normal priority it gets a few percent of a core, and even its exit can take seconds."""
    deadline = time.monotonic() + guard_s
    while process_running(pid) or also():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def process_running(pid: int) -> bool:
    """True while ``pid`` runs (Linux /proc); a zombie has stopped, only its exit status is left."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")
