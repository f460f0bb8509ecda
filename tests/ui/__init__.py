"""Widget tests for ui/ (pytest-qt, offscreen)."""
