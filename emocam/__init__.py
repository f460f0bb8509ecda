"""emocam: faces and their emotions, live or from files.

The Python API (imported lazily: ``import emocam`` loads neither OpenCV nor a model)::

    import emocam
    faces = emocam.analyze_image("photo.jpg")          # list[FaceResult]
    table = emocam.analyze_video("clip.mp4", every=2)  # pandas.DataFrame (emocam[data])
    analyzer = emocam.Analyzer()                       # open once, call per frame

This package never imports PyQt5 or ``ui``; it is usable from scripts, notebooks and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emocam.about import __version__
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
