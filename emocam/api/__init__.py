"""emocam's Python API: :func:`analyze_image`, :func:`analyze_video` and :class:`Analyzer`
(also importable from ``emocam`` itself)."""

from emocam.api.faces import Analyzer, FaceResult, analyze_image
from emocam.api.video import VIDEO_COLUMNS, analyze_video, iter_video

__all__ = ["Analyzer", "FaceResult", "VIDEO_COLUMNS", "analyze_image", "analyze_video", "iter_video"]
