"""``make mutation``: mutation testing of the live path, the model check, file I/O and recording.

Each mutant (``tools/mutants.py``: comparison flips, constants +-1, and/or swaps, deleted statements,
returns replaced by None) is run against its module's own tests, in a forked child that imports the
mutated module instead of the file (the working tree is never written): first the fast pinned and
boundary files, and only when those pass, all of the module's test files. A mutant is killed when a
test fails or errors, or when the tests run past the time limit (an endless loop). Mutants shown to
be equivalent (``tools/mutation_equivalents.py``, each with its reason) are run too but left out of
the score; one that gets killed is reported, since then it was not equivalent.

    python tools/mutation.py                      # every module, report on stdout
    python tools/mutation.py --report docs/MUTATION.md
    python tools/mutation.py --module smoothing --list     # the mutants, not run
    python tools/mutation.py --module fileio --max 40      # an evenly spread sample

Linux/macOS only (fork). Scores count killed / (run - equivalent).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]  # this checkout's code, whatever is installed

from mutants import Mutant, apply, mutants  # noqa: E402
from mutation_equivalents import EQUIVALENT  # noqa: E402

# module -> (module name, its tests: the fast pinned ones first, so most mutants die before the slow
# fixtures of the older files are built). Test files that do not exist are skipped.
MODULES = {
    "smoothing": ("emocam.live.smoothing", [
        "tests/emocam/live/test_smoothing_pinned.py", "tests/emocam/live/test_smoothing.py",
        "tests/emocam/live/test_tracker_trace.py"]),
    "pipeline": ("emocam.live.pipeline", [
        "tests/emocam/live/test_pipeline_pinned.py", "tests/emocam/live/test_pipeline.py"]),
    "face_search": ("emocam.live.face_search", [
        "tests/emocam/live/test_face_search_pinned.py", "tests/emocam/live/test_face_search.py",
        "tests/emocam/live/test_pipeline_pinned.py", "tests/emocam/live/test_pipeline.py"]),
    "fileio": ("emocam.fileio", [
        "tests/emocam/test_fileio_pinned.py", "tests/emocam/test_fileio_pinned_more.py",
        "tests/emocam/test_fileio_faults.py",
        "tests/emocam/test_full_disk.py"]),
    "check": ("emocam.models.check", [
        "tests/emocam/models/test_check_pinned.py", "tests/emocam/models/test_check_boundaries.py",
        "tests/emocam/models/test_check.py"]),
    "recording": ("emocam.session.recording", [
        "tests/emocam/session/test_recording_pinned.py", "tests/emocam/session/test_recording.py"]),
}
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0", "-W", "ignore"]


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | timeout
    seconds: float


@dataclass
class ModuleResult:
    name: str
    path: str
    tests: list[str]
    baseline_s: float
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, *statuses, equivalent=None) -> int:
        return sum(1 for o in self.outcomes if o.status in statuses
                   and (equivalent is None or (o.mutant.key in self.equivalents) == equivalent))

    @property
    def equivalents(self) -> dict[str, str]:
        return EQUIVALENT.get(self.name, {})

    @property
    def score(self) -> float:
        scored = self.count("killed", "timeout", "survived", equivalent=False)
        return self.count("killed", "timeout", equivalent=False) / scored if scored else 1.0


class _MutantLoader:
    """Serves the mutated code object for one module name (a meta path finder and loader)."""

    def __init__(self, name: str, path: Path, code):
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname, path=None, target=None):
        import importlib.util

        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(self.code, module.__dict__)


def _preload() -> None:
    """Import the slow third-party modules once, before forking (emocam first: it sets OpenCV's
    decoder limit before cv2 loads). The children drop every emocam/ui/tests module again."""
    import emocam  # noqa: F401
    import cv2  # noqa: F401
    import hypothesis  # noqa: F401
    import numpy  # noqa: F401
    import pytest  # noqa: F401


def _child(name: str, path: Path, code, tests: list[str], log: Path) -> int:
    os.setsid()  # its own process group: a timeout kills whatever it started too
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("emocam", "ui", "tests")]:
        del sys.modules[loaded]
    if code is not None:
        sys.meta_path.insert(0, _MutantLoader(name, path, code))
    sys.dont_write_bytecode = True
    import pytest
    from hypothesis import settings

    settings.register_profile("mutation", database=None, deadline=None, print_blob=False)
    settings.load_profile("mutation")
    return int(pytest.main([*PYTEST_ARGS, *tests]))


def run_tests(name: str, path: Path, code, tests: list[str], timeout: float, log: Path) -> tuple[str, float]:
    """Run ``tests`` in a forked child with ``code`` as module ``name``; (killed|survived|timeout, s)."""
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        rc = 70
        try:
            rc = _child(name, path, code, tests, log)
        finally:
            os._exit(rc)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - t0 > timeout:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - t0
        time.sleep(0.02)
    with_rc = os.waitstatus_to_exitcode(status)
    return ("survived" if with_rc == 0 else "killed"), time.monotonic() - t0


def run_module(name: str, max_mutants: int | None, log: Path, progress) -> ModuleResult:
    module, tests = MODULES[name]
    path = ROOT / (module.replace(".", "/") + ".py")
    tests = [t for t in tests if (ROOT / t).exists()]
    fast = [t for t in tests if t.endswith(("_pinned.py", "_boundaries.py"))]
    source = path.read_text()
    status, baseline = run_tests(module, path, None, tests, 1800, log)
    if status != "survived":
        raise SystemExit(f"{name}: the tests fail on the unmutated code ({', '.join(tests)}); see {log}")
    result = ModuleResult(name, str(path.relative_to(ROOT)), tests, baseline)
    chosen = _sample(mutants(source), max_mutants)
    timeout = 3 * baseline + 10
    started = time.monotonic()
    for i, m in enumerate(chosen, 1):
        code = compile(apply(source, m), str(path), "exec")
        status, seconds = run_tests(module, path, code, fast, timeout, log) if fast else ("survived", 0.0)
        if status == "survived":  # then every test file (the slow ones import Keras just to be collected)
            status, more = run_tests(module, path, code, tests, timeout, log)
            seconds += more
        result.outcomes.append(Outcome(m, status, seconds))
        progress(f"{name} {i}/{len(chosen)} {status:8} {seconds:5.1f}s line {m.line}: {m.key}")
    result.seconds = time.monotonic() - started + baseline
    return result


def _run_module_job(name: str, max_mutants: int | None, log: Path, verbose: bool) -> ModuleResult:
    try:
        return run_module(name, max_mutants, log, (lambda line: print(line, flush=True)) if verbose else
                          (lambda line: None))
    finally:
        log.unlink(missing_ok=True)


def _source(name: str) -> str:
    return (ROOT / (MODULES[name][0].replace(".", "/") + ".py")).read_text()


def _sample(items: list, n: int | None) -> list:
    if n is None or n >= len(items):
        return items
    return [items[i * len(items) // n] for i in range(n)]


def report(results: list[ModuleResult], command: str) -> str:
    lines = ["# Mutation testing", "", f"Made by `{command}` ({time.strftime('%Y-%m-%d %H:%M %Z')}); "
             "see docs/TESTING.md for what the mutants are and how to read this.", "",
             "| module | mutants run | killed | survived | equivalent (excluded) | score |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        eq = r.count("survived", equivalent=True)
        killed = r.count("killed", "timeout", equivalent=False)
        lines.append(f"| `{r.path}` | {len(r.outcomes)} | {killed} | {r.count('survived', equivalent=False)} "
                     f"| {eq} | {100 * r.score:.1f}% ({killed}/{len(r.outcomes) - eq - r.count('killed', 'timeout', equivalent=True)}) |")
    for r in results:
        lines += ["", f"## {r.name}: `{r.path}`", "", f"Tests: {', '.join(f'`{t}`' for t in r.tests)} "
                  f"(unmutated: {r.baseline_s:.1f} s); timeouts (counted killed): {r.count('timeout')}; "
                  f"this module took {r.seconds / 60:.1f} min.", ""]
        survivors = [o for o in r.outcomes if o.status == "survived" and o.mutant.key not in r.equivalents]
        lines += ["Surviving:", ""] + [f"- line {o.mutant.line}: `{o.mutant.key}`" for o in survivors] \
            if survivors else ["Surviving: none."]
        equivalent = [o for o in r.outcomes if o.mutant.key in r.equivalents]
        if equivalent:
            lines += ["", "Equivalent (excluded from the score):", ""]
            for o in equivalent:
                note = "" if o.status == "survived" else f" **KILLED ({o.status}): not equivalent, drop it from the list**"
                lines.append(f"- line {o.mutant.line}: `{o.mutant.key}` — {r.equivalents[o.mutant.key]}{note}")
        stale = set(r.equivalents) - {o.mutant.key for o in r.outcomes}
        if stale and len(r.outcomes) == len(mutants((ROOT / r.path).read_text())):
            lines += ["", "Listed as equivalent but no longer generated (the code changed; drop them):", ""]
            lines += [f"- `{k}`" for k in sorted(stale)]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES),
                        help="only this module (repeatable); default: all")
    parser.add_argument("--max", type=int, help="at most this many mutants per module, evenly spread")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--report", type=Path, help="also write the report (Markdown) here")
    parser.add_argument("--min-score", type=float, default=0.0,
                        help="exit 1 when a module scores below this (0..100)")
    parser.add_argument("--quiet", action="store_true", help="no line per mutant")
    parser.add_argument("--jobs", type=int, default=1, help="modules run side by side (default 1)")
    args = parser.parse_args(argv)
    names = args.module or list(MODULES)
    if args.list:
        for name in names:
            source = (ROOT / (MODULES[name][0].replace(".", "/") + ".py")).read_text()
            for m in _sample(mutants(source), args.max):
                print(f"{name}:{m.line}: {m.key}")
        return 0
    os.chdir(ROOT)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    _preload()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"emocam-mutation-{os.getpid()}.log"
    progress = (lambda line: None) if args.quiet else (lambda line: print(line, flush=True))
    if args.jobs > 1:  # modules side by side, each in its own process (which forks its mutants)
        import multiprocessing

        jobs = [(name, args.max, log.with_suffix(f".{name}.log"), not args.quiet) for name in names]
        jobs.sort(key=lambda job: -len(mutants(_source(job[0]))))  # the longest first
        with multiprocessing.get_context("fork").Pool(min(args.jobs, len(names))) as pool:
            done = {r.name: r for r in pool.starmap(_run_module_job, jobs, chunksize=1)}
        results = [done[name] for name in names]
    else:
        results = [run_module(name, args.max, log, progress) for name in names]
    command = "python tools/mutation.py" + "".join(f" --module {n}" for n in args.module or []) \
        + (f" --max {args.max}" if args.max else "")
    text = report(results, command)
    print(text)
    if args.report:
        args.report.write_text(text)
    log.unlink(missing_ok=True)
    return 1 if any(100 * r.score < args.min_score for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
