"""The layout's promises that import-linter cannot check: modules named in strings exist, the live
path stays free of TensorFlow in a fresh interpreter, and the CLI dispatcher reaches every command."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from emocam.__main__ import COMMANDS

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("command, module_name", [(c, m) for c, (m, _) in COMMANDS.items()])
def test_every_command_module_exists_and_has_the_cli_interface(command, module_name):
    module = importlib.import_module(module_name)
    assert callable(module.add_arguments) and callable(module.run), command
    assert module.__doc__, f"{module_name} needs a docstring: it is the command's --help description"


@pytest.mark.parametrize("code", [
    "import emocam.live",
    "import emocam.live.session, emocam.live.pipeline, emocam.live.capture_loop, emocam.live.sources",
    "import emocam.models.loading, emocam.models.probe, emocam.models.lookup",
])
def test_the_live_path_and_model_loading_import_without_tensorflow(code):
    check = f"{code}; import sys; bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; assert not bad, bad"
    done = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_no_module_is_named_by_a_string_in_a_child_process_command():
    """Child processes are started with ``-m <module>.__name__``, never a module name typed out."""
    offenders = []
    for path in list((REPO / "emocam").rglob("*.py")) + list((REPO / "ui").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if '"-m", "emocam.' in line or "'-m', 'emocam." in line:
                offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert not offenders
