"""``python -m emocam serve``: the web page and JSON API on this computer (FastAPI on uvicorn).

    python -m emocam serve [--port 8000] [--host 127.0.0.1] [--models-dir DIR]

Open the printed address in a browser: upload a photo (or drop one, or take one with the camera),
pick a model, see each face with its emotion, bars and emoji; live mode streams the camera; the
avatar tab paints a photo in a style. The API is documented at /docs. By default only this computer
can connect; ``--host 0.0.0.0`` shares it with the network (a warning is printed: anyone who can
reach the port can use it).
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
from pathlib import Path

from emocam.errors import UsageError
from emocam.web import LOOPBACK_HOSTS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default 127.0.0.1: this computer only; 0.0.0.0: every network)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--models-dir", type=Path, action="append", default=[], metavar="DIR",
                   help="another folder of emotion models to offer (may be repeated)")


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from emocam.web.app import create_app
        from emocam.web.live import MAX_FRAME_BYTES
        from emocam.web.service import WebConfig
    except ImportError as e:
        raise UsageError(f"the web page needs the 'web' extra ({e.name or e} is missing): "
                         "pip install 'emocam[web]' (from a clone: pip install -e '.[web]')") from e
    if not 1 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number (1-65535)")
    for folder in args.models_dir:
        if not folder.is_dir():
            raise UsageError(f"--models-dir {folder}: no such folder")
    local = is_loopback(args.host)
    if not local:
        print(f"WARNING: serving on {args.host}: anyone who can reach port {args.port} on this computer's "
              "network can use emocam and its camera page. Use the default --host 127.0.0.1 to keep it local.",
              file=sys.stderr)
    _check_port_free(args.host, args.port)
    config = WebConfig(models_dirs=tuple(args.models_dir),
                       allowed_hosts=LOOPBACK_HOSTS if local else ("*",))
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"emocam web: open http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else shown}:{args.port}/ "
          f"(API docs at /docs; Ctrl+C stops)", file=sys.stderr)
    uvicorn.run(create_app(config), host=args.host, port=args.port, log_level="warning",
                ws_max_size=MAX_FRAME_BYTES + 1024, server_header=False)
    return 0


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this computer can reach."""
    if host.strip("[]") in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_port_free(host: str, port: int) -> None:
    """A clear message instead of uvicorn's traceback-like exit when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError as e:
            raise UsageError(f"cannot listen on {host}:{port} ({e.strerror}); is another server running? "
                             f"Try --port {port + 1}") from e
