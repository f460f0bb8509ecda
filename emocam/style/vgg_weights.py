"""The ImageNet VGG19 weights that style transfer needs: find, check and (only when asked) download.

Nothing here downloads on its own. :func:`find_weights` looks in fixed places, :func:`check_weights`
opens a file without TensorFlow, and :func:`download_weights` runs only when a person said yes
(the app's dialog, the CLI's ``--download``). Files are looked for, in order:

1. ``EMOCAM_VGG_WEIGHTS`` (a path to the file),
2. ``weights/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`` in the repository,
3. Keras' own cache, ``$KERAS_HOME/models/`` or ``~/.keras/models/`` (where downloads go).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from emocam.fileio import atomic_file
from emocam import resources

log = logging.getLogger(__name__)

FILE_NAME = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
# URL and MD5 exactly as Keras has them (keras/src/applications/vgg19.py, WEIGHTS_PATH_NO_TOP and the
# file_hash it passes to get_file); tests/emocam/style/test_vgg_weights.py checks they still agree.
URL = f"https://storage.googleapis.com/tensorflow/keras-applications/vgg19/{FILE_NAME}"
MD5 = "253f8cb515780f3b799900260a226db6"
APPROX_MB = 80
REPO_WEIGHTS_DIR = resources.weights_dir()
# the 16 convolutions of VGG19 without its classifier: (input channels, output channels), in order
VGG19_CONVS = ((3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256), (256, 256),
               (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512))


class WeightsUnavailable(OSError):
    """No usable VGG19 weights and none could be fetched; the message lists what the user can do."""


class WeightsInvalid(ValueError):
    """A file that is not the VGG19 ``notop`` weights (unreadable, truncated, another network)."""


class DownloadCancelled(Exception):
    """The user stopped the download; nothing was written."""


@dataclass(frozen=True)
class WeightsSource:
    """Where the weights come from and where a download goes (tests point these elsewhere)."""

    url: str = URL
    md5: str | None = MD5
    approx_mb: int = APPROX_MB
    cache_dir: Path | None = None  # None: Keras' cache folder, looked up when used

    @property
    def target(self) -> Path:
        """The file a download writes."""
        return (self.cache_dir or keras_cache_dir()) / FILE_NAME


@dataclass(frozen=True)
class DownloadProgress:
    """Bytes received so far and the total (None when the server does not say)."""

    received: int
    total: int | None

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.received / self.total) if self.total else None


@dataclass(frozen=True)
class WeightsCheck:
    """A file that has the VGG19 layout; ``official`` when its MD5 is Keras' published one."""

    path: Path
    official: bool


def keras_cache_dir() -> Path:
    """Keras' download folder: ``$KERAS_HOME/models`` or ``~/.keras/models`` (read at call time)."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "models"


def candidate_paths() -> list[Path]:
    """Every place a weights file is looked for, in order."""
    paths = [Path(os.environ["EMOCAM_VGG_WEIGHTS"]).expanduser()] if os.environ.get("EMOCAM_VGG_WEIGHTS") else []
    return paths + [REPO_WEIGHTS_DIR / FILE_NAME, keras_cache_dir() / FILE_NAME]


def find_weights() -> Path | None:
    """The first existing weights file (cheap: no reading), or None."""
    return next((p for p in candidate_paths() if p.is_file()), None)


def offline_message(source: WeightsSource = WeightsSource()) -> str:
    """What to do when there are no weights: both ways, with sizes and places."""
    return (f"the detailed (Gatys) avatar engine needs the ImageNet VGG19 weights ({FILE_NAME}, about "
            f"{source.approx_mb} MB) and none were found (looked in: {', '.join(str(p) for p in candidate_paths())}). "
            f"Either download them (needs internet; in the app choose the detailed engine and say yes, or run "
            f"`python -m emocam stylize ... --engine gatys --download`; they go to {source.target}), "
            f"or copy the file from another computer to {REPO_WEIGHTS_DIR / FILE_NAME} "
            f"(or point EMOCAM_VGG_WEIGHTS at it). The fast engine needs none of this.")


def require_weights(path: Path | None = None) -> WeightsCheck:
    """Check ``path``, or the first file :func:`find_weights` finds. Raises :class:`WeightsUnavailable`
    (nothing found: the message says what to do) or :class:`WeightsInvalid`."""
    found = Path(path) if path is not None else find_weights()
    if found is None:
        raise WeightsUnavailable(offline_message())
    return check_weights(found)


def check_weights(path: Path) -> WeightsCheck:
    """Open ``path`` with h5py and check it holds the 16 VGG19 convolutions with the right shapes,
    the same order-based match Keras uses to load it. A file with another MD5 than Keras' (a re-saved
    copy) is accepted with a warning: the layout is what loading needs."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise WeightsInvalid(f"{path}: no such file; download the VGG19 weights or fix the path")
    try:
        with h5py.File(path, "r") as f:
            shapes = _conv_shapes(f, path)
    except OSError as e:
        raise WeightsInvalid(f"{path}: not a readable HDF5 file ({e}); it may be truncated, "
                             f"delete it and download it again") from e
    expected = [((3, 3, cin, cout), (cout,)) for cin, cout in VGG19_CONVS]
    if shapes != expected:
        raise WeightsInvalid(f"{path}: holds {len(shapes)} layers with weights that do not match VGG19 "
                             f"without its top (expected 16 3x3 convolutions, 64..512 channels); "
                             f"is it another network, or the file with the classifier ('notop' is needed)?")
    official = MD5 is not None and file_md5(path) == MD5
    if not official:
        log.warning("%s: has the VGG19 layout but not Keras' published MD5; using it anyway", path)
    return WeightsCheck(path, official)


def _conv_shapes(f, path: Path) -> list[tuple[tuple[int, ...], ...]]:
    group = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f else f
    if "layer_names" not in group.attrs:
        raise WeightsInvalid(f"{path}: HDF5 but not a Keras weights file (no 'layer_names'); "
                             f"download {FILE_NAME} again")
    shapes = []
    for raw in group.attrs["layer_names"]:
        layer = group[raw.decode() if isinstance(raw, bytes) else raw]
        names = [n.decode() if isinstance(n, bytes) else n for n in layer.attrs.get("weight_names", [])]
        if names:
            shapes.append(tuple(tuple(layer[n].shape) for n in names))
    return shapes


def file_md5(path: Path, chunk: int = 1 << 20) -> str:
    from emocam.fileio import check_regular_file

    digest = hashlib.md5()
    with open(check_regular_file(path, "weights file"), "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def download_weights(source: WeightsSource = WeightsSource(),
                     progress: Callable[[DownloadProgress], None] | None = None,
                     cancelled: Callable[[], bool] | None = None, timeout: float = 20.0) -> Path:
    """Fetch the weights into ``source.target``: streamed to a temporary file in the same folder,
    MD5-checked, then moved into place (a complete file or none). Call only after the user agreed.
    Raises :class:`WeightsUnavailable` (offline, server error, wrong checksum) or
    :class:`DownloadCancelled`."""
    target = source.target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("downloading %s to %s", source.url, target)
    try:
        with atomic_file(target, binary=True) as out:  # a complete, checked file or none
            md5 = _stream(source.url, out, progress, cancelled, timeout)
            if source.md5 is not None and md5 != source.md5:
                raise WeightsUnavailable(f"download from {source.url} is corrupt (MD5 {md5}, expected "
                                         f"{source.md5}); try again later")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
        if isinstance(e, WeightsUnavailable):
            raise
        raise WeightsUnavailable(f"could not download the VGG19 weights from {source.url}: "
                                 f"{getattr(e, 'reason', e)}. " + offline_message(source)) from e
    return target


def _stream(url: str, out, progress, cancelled, timeout: float) -> str:
    digest = hashlib.md5()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total, received = (int(length) if length and length.isdigit() else None), 0
        while block := response.read(1 << 16):
            if cancelled is not None and cancelled():
                raise DownloadCancelled(f"download of {FILE_NAME} cancelled")
            out.write(block)
            digest.update(block)
            received += len(block)
            if progress is not None:
                progress(DownloadProgress(received, total))
        if total is not None and received != total:
            raise WeightsUnavailable(f"download from {url} stopped early ({received} of {total} bytes); try again")
    return digest.hexdigest()
