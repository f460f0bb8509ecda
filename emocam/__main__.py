"""``python -m emocam <command>``: train, evaluate, predict (and the commands later issues add)."""

from __future__ import annotations

import argparse
import logging
import sys

from emocam.errors import UsageError

COMMANDS = {
    "train": ("emocam.training.train", "train an emotion model on FER2013"),
    "evaluate": ("emocam.training.evaluate", "score a model on FER2013 data"),
    "export": ("emocam.training.export", "combine trained models (ensemble, flip-TTA, int8) into the shipped file"),
    "predict": ("emocam.cli.predict", "find faces in images and score their emotions"),
    "stylize": ("emocam.cli.stylize", "paint an avatar from a photo in the style of another image"),
    "analyze": ("emocam.cli.analyze", "run the live pipeline over a video file: CSV, timeline plot, annotated video"),
    "bench": ("emocam.bench.cli", "compare the classic tutorial loop with emocam's live pipeline"),
    "serve": ("emocam.web.serve", "the web page and JSON API on this computer (upload, live camera, avatars)"),
}


class OneLineParser(argparse.ArgumentParser):
    """Bad options are one line on stderr (with a pointer to --help) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    import importlib

    parser = OneLineParser(prog="python -m emocam", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    argv = sys.argv[1:] if argv is None else argv
    chosen = next((a for a in argv if not a.startswith("-")), None)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text)
        if name == chosen:  # import only the command being run: the others may pull in TensorFlow
            modules[name] = importlib.import_module(module_name)
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
        print(f"emocam {args.command}: error: {e}", file=sys.stderr)
        return 2


def _is_user_error(e: Exception) -> bool:
    return isinstance(e, (UsageError, ValueError, OSError))


if __name__ == "__main__":
    sys.exit(main())
