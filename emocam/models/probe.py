"""Open untrusted model files: check them in a short-lived child process first.

A crafted HDF5 or flatbuffer can crash the library that parses it (h5py/libhdf5, LiteRT: a 2 KB
``.tflite`` with no subgraphs is a SIGSEGV) or make it allocate gigabytes. The parent reads the file
ONCE; a private copy of those bytes goes to the child, which checks, loads, converts and test-runs
it and writes back the LiteRT bytes it ran. The parent then builds its classifier from exactly those
bytes, so a file swapped on disk meanwhile changes nothing, and a crash or a memory blow-up in the
child (it is killed above :data:`~emocam.limits.MAX_CHECK_RSS`) becomes a one-line message.

Only the bytes of a model shipped with the package (:func:`emocam.models.lookup.is_shipped`) skip
the child. Every CLI and the app go through :func:`open_model` / :class:`ModelOpening`.

Run as ``python -m emocam.models.probe COPY OUT NAME``: exit 0 with the LiteRT bytes in ``OUT`` when
the model is good, 2 with one line on stderr when it is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emocam import resources
from emocam.errors import ModelError
from emocam.limits import MAX_CHECK_RSS, MAX_MODEL_BYTES

TIMEOUT_S = 180.0
_POLL_S = 0.02


class ModelProbe:
    """One validation run of ``data`` (the bytes of ``path``; read from ``path`` when not given) in a
    child process; :meth:`run` returns the checked LiteRT bytes. :meth:`cancel` kills the child."""

    def __init__(self, path: Path, data: bytes | None = None, timeout_s: float = TIMEOUT_S,
                 max_rss: int = MAX_CHECK_RSS):
        from emocam.models.loading import read_model_bytes

        self.path, self.timeout_s, self.max_rss = Path(path), timeout_s, max_rss
        self.data = read_model_bytes(self.path) if data is None else data
        self._child: subprocess.Popen | None = None
        self._cancelled = self._too_big = False

    def run(self) -> bytes:
        """The LiteRT bytes the child checked; :class:`ModelError` unless it accepted the file."""
        with tempfile.TemporaryDirectory(prefix="emocam-check-") as tmp:  # 0700: private to us
            copy, out = Path(tmp) / self.path.name, Path(tmp) / "checked.tflite"
            copy.write_bytes(self.data)
            err = self._run_child([str(copy), str(out), str(self.path)])
            self._raise_for(self._child.returncode, err)
            try:
                with open(out, "rb") as fh:
                    return fh.read(MAX_MODEL_BYTES + 1)[:MAX_MODEL_BYTES]
            except OSError as e:
                raise ModelError(f"{self.path}: the check gave no result ({e}); try again") from e

    def _run_child(self, argv: list[str]) -> str:
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": _pythonpath()}
        with tempfile.TemporaryFile("w+") as err:
            self._child = subprocess.Popen([sys.executable, "-m", __name__, *argv],
                                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                           env=env)
            if self._cancelled:  # cancelled while the child was starting
                self.cancel()
            self._watch()
            err.seek(0)
            return err.read()

    def _watch(self) -> None:
        """Wait for the child; kill it past the deadline or when it grows above ``max_rss``."""
        deadline = time.monotonic() + self.timeout_s
        while self._child.poll() is None:
            if _rss(self._child.pid) > self.max_rss:
                self._too_big = True
                self.cancel(flag=False)
            elif time.monotonic() > deadline:
                self.cancel()
                raise ModelError(f"{self.path}: checking the model took over {self.timeout_s:.0f} s; giving up")
            time.sleep(_POLL_S)

    def cancel(self, flag: bool = True) -> None:
        self._cancelled = self._cancelled or flag
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
            self._child.wait()

    def _raise_for(self, code: int, err: str) -> None:
        if self._too_big:
            raise ModelError(f"{self.path}: refused — loading it needed more than {self.max_rss >> 20} MB of "
                             "memory; emotion models need far less (is it crafted?)")
        if code == 0:
            return
        if self._cancelled:
            raise ModelError(f"{self.path}: loading was cancelled")
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            raise ModelError(f"{self.path}: unreadable model — the loader crashed ({name}) while reading it; "
                             "the file is probably corrupt or crafted")
        lines = [line for line in err.strip().splitlines() if line.strip()]
        raise ModelError(lines[-1] if lines else f"{self.path}: refused (exit code {code})")


class ModelOpening:
    """Open one model file for the live path: read it once, check untrusted bytes in a child, build
    the classifier from the checked bytes. :meth:`cancel` (from another thread) ends the check."""

    def __init__(self, path: str | Path, num_threads: int = 1):
        self.path, self.num_threads = Path(path), num_threads
        self._probe: ModelProbe | None = None
        self._cancelled = False

    def run(self):
        from emocam.models.loading import classifier_from_bytes, read_model_bytes
        from emocam.models.lookup import is_shipped
        from emocam.live.classifier import EmotionClassifier

        data = read_model_bytes(self.path)
        if is_shipped(data):  # verified by its hash, not by its name or folder
            return classifier_from_bytes(data, self.path, num_threads=self.num_threads)
        self._probe = ModelProbe(self.path, data)
        if self._cancelled:
            raise ModelError(f"{self.path}: loading was cancelled")
        tflite = self._probe.run()
        return EmotionClassifier(tflite, self.path, self.num_threads)  # the very bytes the child ran

    def cancel(self) -> None:
        self._cancelled = True
        if self._probe is not None:
            self._probe.cancel()


def open_model(path: str | Path, num_threads: int = 1):
    """An :class:`~emocam.live.classifier.EmotionClassifier` for an untrusted model file (see module doc)."""
    return ModelOpening(path, num_threads).run()


def check_untrusted(path: Path, data: bytes) -> None:
    """Check ``data`` (the bytes of ``path``) in the child unless they are a shipped model; for
    callers that then need the Keras model itself (export members, --init-from, --resume)."""
    from emocam.models.lookup import is_shipped

    if not is_shipped(data):
        ModelProbe(path, data).run()


def open_keras(path: str | Path, compile: bool = False):
    """A Keras model from an untrusted file (export members, ``train --init-from/--resume``, bench):
    read once, checked in the child unless shipped, then loaded from a private copy of the same
    bytes with the allow-list and ``safe_mode``. Messages name ``path``."""
    from emocam.models.loading import load_keras, read_model_bytes

    path = Path(path)
    data = read_model_bytes(path)
    check_untrusted(path, data)
    with tempfile.TemporaryDirectory(prefix="emocam-model-") as tmp:
        private = Path(tmp) / path.name
        private.write_bytes(data)
        try:
            return load_keras(private, compile=compile)
        except ModelError as e:
            raise ModelError(str(e).replace(str(private), str(path))) from e


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0  # gone, or no /proc (macOS): the deadline still applies


def _pythonpath() -> str:
    root = str(resources.ROOT)
    return os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)


def _main(argv: list[str]) -> int:
    from emocam.models.loading import classifier_from_bytes, read_model_bytes

    if len(argv) != 3:
        print("usage: python -m emocam.models.probe MODEL_COPY OUT_TFLITE DISPLAY_NAME", file=sys.stderr)
        return 2
    copy, out, name = Path(argv[0]), Path(argv[1]), argv[2]
    started = time.monotonic()
    try:
        classifier = classifier_from_bytes(read_model_bytes(copy), copy)
        out.write_bytes(classifier.tflite_bytes)  # our private folder, created by the parent
    except ModelError as e:
        print(str(e).replace(str(copy), name), file=sys.stderr)
        return 2
    except Exception as e:  # anything else about an untrusted file is still a refusal
        first = (str(e).strip().splitlines() or [""])[0][:200]
        print(f"{name}: could not be loaded ({type(e).__name__}: {first})", file=sys.stderr)
        return 2
    print(f"ok in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
