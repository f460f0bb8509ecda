"""The `python -m emocam` commands (predict, analyze, stylize) and their shared argument helpers."""
