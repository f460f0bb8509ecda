"""Mutants shown to be equivalent (no test can tell them from the code), with the reason each is.

Keys are those ``python tools/mutation.py --list`` prints (function | kind | what -> replacement).
``make mutation`` still runs them and flags any that a test kills: then the reason was wrong.
"""

_FIRST_FIND = ("the first find() never follows (there is no previous frame): it searches the whole frame and sets "
               "_known and _since_scan and _next_band before any read, and _pooled is set when a periodic search "
               "starts, before it is read; so the initial values are never used")

_SAME_SIZE = ("only changes whether an image is resized to its own size when the scale is exactly 1.0: "
              "cv2.resize to the same size (INTER_AREA) gives the same pixels, so the search sees the same image")

EQUIVALENT: dict[str, dict[str, str]] = {
    "smoothing": {
        "FaceTracker._advance | delete | return -> pass":
            "with smoothing off, probs was just set to the raw prediction, so falling through computes "
            "alpha * raw + (1 - alpha) * raw = raw (to the last bit for the dyadic values tried) and the "
            "hysteresis step keeps the label, which already is raw's argmax",
    },
    "pipeline": {},
    "face_search": {
        "FaceSearch._min_size | compare | wanted < self.detector.settings.min_size: < -> <=":
            "when the size wanted equals the detector's own min_size, detect() and detect_sized(min_size, "
            "shorter side) search the same window sizes with the same parameters (no window can exceed the "
            "shorter side), and the banded search takes the same lower size either way",
        "FaceSearch._small_gray | const | 1.0: 1.0 -> 2.0 #2":
            _SAME_SIZE,
        "FaceSearch._small_gray | const | 1.0: 1.0 -> 0.0 #2":
            _SAME_SIZE,
        "FaceSearch.search_near | compare | scale < 1.0: < -> <=":
            _SAME_SIZE,
        "band_edges | const | 32: 32 -> 33":
            "the lru_cache size of a pure function: only how many results are remembered changes",
        "band_edges | const | 32: 32 -> 31":
            "the lru_cache size of a pure function: only how many results are remembered changes",
        "FaceSearch.__init__ | delete | self._known: list[Box] = [] -> pass":
            _FIRST_FIND,
        "FaceSearch.__init__ | delete | self._since_scan = 0 -> pass":
            _FIRST_FIND,
        "FaceSearch.__init__ | const | 0: 0 -> 1":
            _FIRST_FIND,
        "FaceSearch.__init__ | const | 0: 0 -> -1":
            _FIRST_FIND,
        "FaceSearch.__init__ | delete | self._next_band: int | None = None -> pass":
            _FIRST_FIND,
        "FaceSearch.__init__ | delete | self._pooled: list[np.ndarray] = [] -> pass":
            _FIRST_FIND,
    },
    "fileio": {
        "<module> | const | 0o022: 18 -> 19":
            "os.umask(0o022) only reads the umask: the old value it returns is put back on the next line, "
            "so the value set in between is never used",
        "<module> | const | 0o022: 18 -> 17":
            "os.umask(0o022) only reads the umask: the old value it returns is put back on the next line, "
            "so the value set in between is never used",
        "_sync_folder | const | 0: 0 -> 1":
            "getattr(os, 'O_DIRECTORY', 0): the default is used only where os has no O_DIRECTORY (Windows); "
            "every POSIX system has it",
        "_sync_folder | const | 0: 0 -> -1":
            "getattr(os, 'O_DIRECTORY', 0): the default is used only where os has no O_DIRECTORY (Windows); "
            "every POSIX system has it",
        "read_regular | const | 0: 0 -> 1":
            "getattr(os, 'O_CLOEXEC', 0): the default is used only where os has no O_CLOEXEC (Windows); "
            "every POSIX system has it",
        "read_regular | const | 0: 0 -> -1":
            "getattr(os, 'O_CLOEXEC', 0): the default is used only where os has no O_CLOEXEC (Windows); "
            "every POSIX system has it",
        "publish_together | delete | target = Path(next(iter(files))) -> pass":
            "the loop assigns target before anything in the try block can raise an OSError, so the value "
            "set before the loop is never read (an empty dict raises nothing)",
        "read_regular | delete | path = Path(path) -> pass":
            "path is only passed to os.open (which takes str and Path alike) and formatted into messages, "
            "where a str and its Path print the same",
        "read_regular | delete | os.set_blocking(fd, True) -> pass":
            "the fd was checked to be a regular file, and reads of regular files never return EAGAIN: "
            "O_NONBLOCK has no effect on them (it only mattered for the FIFO, refused before)",
        "read_regular | const | 1: 1 -> 2":
            "reading max_bytes + 2 instead of + 1 still reads more than max_bytes from any file that grew, "
            "and the check after refuses it with the same message",
        "_kind | return | return \"not a regular file\" -> return None":
            "fstat of an opened fd reports a regular file, folder, FIFO, character or block device or socket "
            "on Linux (a symlink is followed by open); every non-regular one is named before this line",
        "publish_written | const | 0: 0 -> 1":
            "getattr(os, 'O_NOFOLLOW', 0): the default is used only where os has no O_NOFOLLOW (Windows); "
            "every POSIX system has it",
        "publish_written | const | 0: 0 -> -1":
            "getattr(os, 'O_NOFOLLOW', 0): the default is used only where os has no O_NOFOLLOW (Windows); "
            "every POSIX system has it",
        "_publish_new | const | 0o644: 420 -> 421":
            "the mode of the empty placeholder that reserves the name: os.replace puts the temp file "
            "(already chmod-ed to the file mode) over it at once, so its own mode is never seen",
        "_publish_new | const | 0o644: 420 -> 419":
            "the mode of the empty placeholder that reserves the name: os.replace puts the temp file "
            "(already chmod-ed to the file mode) over it at once, so its own mode is never seen",
    },
    "check": {},
    "recording": {
        "SessionRecorder.__init__ | delete | self._stopped_at: float | None = None -> pass":
            "_stopped_at is read only by elapsed when a session was started and is not recording, which "
            "happens only after stop() has set it",
        "SessionRecorder.record | const | 0: 0 -> -1 #5":
            "room = max_rows - len(rows) is never negative (rows are capped at max_rows), so "
            "max(room, -1) == max(room, 0) == room",
        "SessionRecorder.record | const | 0: 0 -> -1 #6":
            "room = max_rows - len(rows) is never negative (rows are capped at max_rows), so "
            "max(room, -1) == max(room, 0) == room",
    },
}
