"""Which files go into the wheel, and under which names. Metadata and dependencies: setup.cfg.

The repository keeps its fixed top-level layout (``emocam/``, ``ui/``, ``main.py``, ``weights/``,
``assets/``, ``haarcascades/``), but an installed emocam claims only the top-level name ``emocam``:

- ``ui/`` is installed as ``emocam.ui`` (its imports of itself are relative, so it works under either
  name; the GUI entry point is ``emocam.ui.app:main``, the function ``main.py`` runs);
- ``weights/``, ``assets/`` and ``haarcascades/`` are installed as ``emocam/_data/<name>``, where
  :mod:`emocam.resources` finds them with importlib.resources.
"""

from setuptools import find_packages, setup

DATA = {  # repository folder -> files shipped from it (and from its subfolders)
    "weights": ["DEFAULT", "*.md", "*.card.json", "*.tflite", "*.keras", "*.onnx"],
    "assets": ["*.md", "*.png", "*.jpg"],
    "haarcascades": ["*.md", "*.xml"],
}


def _data_packages() -> dict[str, str]:
    """``emocam._data.assets.emojis -> assets/emojis`` for every shipped folder and subfolder."""
    from pathlib import Path

    found = {}
    for top in DATA:
        for folder in [Path(top), *sorted(p for p in Path(top).rglob("*") if p.is_dir())]:
            if not folder.name.startswith((".", "__")):
                found["emocam._data." + ".".join(folder.parts)] = folder.as_posix()
    return found


DATA_PACKAGES = _data_packages()
UI_PACKAGES = ["emocam.ui"] + [f"emocam.ui.{name}" for name in find_packages("ui")]

setup(
    packages=find_packages(include=["emocam", "emocam.*"]) + UI_PACKAGES + list(DATA_PACKAGES),
    package_dir={"emocam.ui": "ui", **{name: DATA_PACKAGES[name] for name in DATA_PACKAGES
                                        if name.count(".") == 2}},
    package_data={"emocam": ["py.typed"], "emocam.web": ["static/*"],
                  **{name: DATA[name.split(".")[2]] for name in DATA_PACKAGES}},
)
