"""emocam core: face detection, emotion classification and the frame pipeline.

This package never imports PyQt5 or ``ui``; it is usable from scripts and tests.
"""

__version__ = "0.1.0"
