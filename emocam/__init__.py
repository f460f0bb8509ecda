"""emocam: faces and their emotions, live or from files.

The Python API (imported lazily: ``import emocam`` loads neither OpenCV nor a model)::

    import emocam
    faces = emocam.analyze_image("photo.jpg")          # list[FaceResult]
    table = emocam.analyze_video("clip.mp4", every=2)  # pandas.DataFrame (emocam[data])
    analyzer = emocam.Analyzer()                       # open once, call per frame

This package never imports PyQt5 or ``ui``; it is usable from scripts, notebooks and tests.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from emocam.about import __version__
from emocam.limits import MAX_IMAGE_PIXELS

# OpenCV reads its decoder limit once, at its first decode anywhere in the process: set it before any
# emocam code runs, so that an image whose header lies to the header check still cannot decode to more
# than MAX_IMAGE_PIXELS (the default is 2^30 pixels, 3 GB as BGR). A limit the user set is kept.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))
__all__ = ["Analyzer", "FaceResult", "VIDEO_COLUMNS", "__version__", "analyze_image", "analyze_video",
           "iter_video"]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names are loaded on first use
    from emocam.api import VIDEO_COLUMNS, Analyzer, FaceResult, analyze_image, analyze_video, iter_video


def __getattr__(name: str):
    if name in __all__:
        from emocam import api

        return getattr(api, name)
    raise AttributeError(f"module 'emocam' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
