"""Optional dependencies: which ``pip install 'emocam[EXTRA]'`` brings each one, and one clear message
when a feature needs a package that is not installed."""

from __future__ import annotations

import importlib
from types import ModuleType

from emocam.errors import UsageError

# top-level module -> the extra that installs it (see setup.cfg [options.extras_require])
EXTRA_FOR = {"tensorflow": "train", "keras": "train", "h5py": "train", "imutils": "train",
             "pandas": "data", "pyarrow": "data", "matplotlib": "data",
             "dask": "cluster", "distributed": "cluster"}


class MissingExtraError(UsageError):
    """A feature needs an optional package; the message says which ``emocam[EXTRA]`` to install."""


def missing_extra_message(module: str, feature: str | None = None) -> str | None:
    """The one-line advice for a missing ``module`` (None when it is not an optional dependency)."""
    top = module.split(".")[0]
    extra = EXTRA_FOR.get(top)
    if extra is None:
        return None
    what = f"{feature} needs" if feature else "this needs"
    return f"{what} {top}, which is not installed; install it with: pip install 'emocam[{extra}]'"


def require(module: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        message = missing_extra_message(e.name or module, feature)
        if message is None:
            raise
        raise MissingExtraError(message) from e
