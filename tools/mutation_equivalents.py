"""Mutants shown to be equivalent (no test can tell them from the code), with the reason each is.

Keys are those ``python tools/mutation.py --list`` prints (function | kind | what -> replacement).
``make mutation`` still runs them and flags any that a test kills: then the reason was wrong.
"""

EQUIVALENT: dict[str, dict[str, str]] = {
    "smoothing": {},
    "pipeline": {},
    "face_search": {},
    "fileio": {},
    "check": {},
    "recording": {},
}
