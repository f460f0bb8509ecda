"""Validate an untrusted model file in a short-lived child process.

A crafted HDF5 or flatbuffer can crash the library that parses it (h5py/libhdf5, LiteRT). The
child loads, checks and (for Keras files) converts and caches the model; the parent then loads
the checked result. A crash in the child becomes a clear "unreadable model" message.

Run as ``python -m emocam.models.probe PATH``: exit 0 when the model is good, 2 with one line on
stderr when it is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from emocam.errors import ModelError
from emocam import resources

TIMEOUT_S = 180.0


class ModelProbe:
    """One validation run; :meth:`cancel` kills the child (used when the app quits)."""

    def __init__(self, path: Path, timeout_s: float = TIMEOUT_S):
        self.path, self.timeout_s = Path(path), timeout_s
        self._child: subprocess.Popen | None = None
        self._cancelled = False

    def run(self) -> None:
        """Raise :class:`ModelError` unless the child accepted the file."""
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": _pythonpath()}
        self._child = subprocess.Popen([sys.executable, "-m", __name__, str(self.path)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        try:
            _, err = self._child.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired as e:
            self.cancel()
            raise ModelError(f"{self.path}: checking the model took over {self.timeout_s:.0f} s; giving up") from e
        self._raise_for(self._child.returncode, err)

    def cancel(self) -> None:
        self._cancelled = True
        if self._child is not None and self._child.poll() is None:
            self._child.kill()
            self._child.wait()

    def _raise_for(self, code: int, err: str) -> None:
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


def _pythonpath() -> str:
    root = str(resources.ROOT)
    return os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)


def _main(argv: list[str]) -> int:
    from emocam.models.loading import load_classifier

    if len(argv) != 1:
        print("usage: python -m emocam.models.probe MODEL_FILE", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        load_classifier(argv[0])
    except ModelError as e:
        print(str(e), file=sys.stderr)
        return 2
    except Exception as e:  # anything else about an untrusted file is still a refusal
        print(f"{argv[0]}: could not be loaded ({type(e).__name__}: {e})", file=sys.stderr)
        return 2
    print(f"ok in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
