"""``python -m emocam <command>``: train, evaluate, export, predict, stylize, analyze, bench."""

from __future__ import annotations

import argparse
import logging
import sys

from emocam.about import __version__
from emocam.errors import UsageError
from emocam.extras import missing_extra_message

COMMANDS = {
    "train": ("emocam.training.train", "train an emotion model on FER2013"),
    "evaluate": ("emocam.training.evaluate", "score a model on FER2013 data"),
    "export": ("emocam.training.export", "combine trained models (ensemble, flip-TTA, int8) into the shipped file"),
    "predict": ("emocam.cli.predict", "find faces in images and score their emotions"),
    "stylize": ("emocam.cli.stylize", "paint an avatar from a photo in the style of another image"),
    "analyze": ("emocam.cli.batch", "run the live pipeline over videos (files, folders; --jobs, --cluster): "
                "CSV per video, summary, timeline plot, annotated video"),
    "bench": ("emocam.bench.cli", "compare the classic tutorial loop with emocam's live pipeline"),
    "serve": ("emocam.web.serve", "the web page and JSON API on this computer (upload, live camera, avatars)"),
}

# what a command cannot start without (an optional dependency: see emocam.extras)
REQUIRES = {"train": "tensorflow", "export": "tensorflow", "bench": "tensorflow"}


class OneLineParser(argparse.ArgumentParser):
    """Bad options are one line on stderr (with a pointer to --help) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    from emocam import resources

    parser = OneLineParser(prog="python -m emocam", description=__doc__, epilog=resources.drop_in_help(),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"emocam {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text)
        if name == chosen:  # import only the command being run: the others may pull in TensorFlow
            modules[name] = _load_command(name, module_name)
            if isinstance(modules[name], str):  # an optional dependency is not installed
                print(f"emocam {name}: error: {modules[name]}", file=sys.stderr)
                return 2
            sub_parser.description = modules[name].__doc__
            modules[name].add_arguments(sub_parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return modules[args.command].run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # one clear line for the user; the traceback only with --debug
        if args.debug or not _is_user_error(e):
            if args.debug:
                raise
        if isinstance(e, ModuleNotFoundError) and missing_extra_message(e.name or ""):
            e = missing_extra_message(e.name, args.command)
        print(f"emocam {args.command}: error: {one_line(e)}", file=sys.stderr)
        return 2


def one_line(e: Exception | str) -> str:
    """The message as one line (library messages can run to many, with printed arrays)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    text = " ".join(lines[:1]) or type(e).__name__
    return text if len(text) <= 1000 else text[:997] + "..."


def _load_command(name: str, module_name: str):
    """The command's module, or the one-line advice when an optional dependency it needs is missing."""
    import importlib
    import importlib.util

    if name in REQUIRES and importlib.util.find_spec(REQUIRES[name]) is None:
        return missing_extra_message(REQUIRES[name], name)
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        advice = missing_extra_message(e.name or "", name)
        if advice is None:
            raise
        return advice


def _is_user_error(e: Exception) -> bool:
    return isinstance(e, (UsageError, ValueError, OSError))


if __name__ == "__main__":
    sys.exit(main())
