"""Where files are: shipped resources (a checkout's top-level folders), per-user drop-in folders
(platformdirs), cache and log; optional dependencies that are missing name their extra."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import cv2
import pytest

from emocam import resources
from emocam.extras import MissingExtraError, missing_extra_message, require

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", resources.SHIPPED)
def test_a_checkout_finds_its_top_level_resource_folders(name):
    assert resources.is_checkout()
    assert resources.shipped_dir(name) == REPO / name and resources.shipped_dir(name).is_dir()


def test_an_unknown_resource_folder_lists_the_known_ones():
    with pytest.raises(ValueError, match="weights, assets, haarcascades"):
        resources.shipped_dir("models")


def test_per_user_folders_follow_the_platform_and_the_overrides(monkeypatch, tmp_path):
    for var in ("EMOCAM_DATA_DIR", "EMOCAM_CACHE_DIR", "EMOCAM_LOG_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    if sys.platform.startswith("linux"):
        assert resources.user_dir("weights") == tmp_path / "data" / "emocam" / "weights"
        assert resources.model_cache_dir() == tmp_path / "cache" / "emocam" / "models"
        assert resources.log_dir().is_relative_to(tmp_path / "state")
    monkeypatch.setenv("EMOCAM_DATA_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("EMOCAM_CACHE_DIR", str(tmp_path / "c"))
    assert resources.drop_in_dirs() == {k: tmp_path / "mine" / k for k in ("weights", "haarcascades", "styles")}
    assert resources.model_cache_dir() == tmp_path / "c"
    help_text = resources.drop_in_help()
    assert all(str(path) in help_text for path in resources.drop_in_dirs().values())


def test_a_cascade_dropped_in_the_user_folder_is_found_by_name(monkeypatch, tmp_path):
    from emocam.live.detection import FaceDetector, find_cascade, known_cascades

    monkeypatch.setenv("EMOCAM_DATA_DIR", str(tmp_path))
    folder = tmp_path / "haarcascades"
    folder.mkdir()
    shutil.copy(Path(cv2.data.haarcascades) / "haarcascade_frontalface_alt2.xml", folder / "my_faces.xml")
    assert "my_faces" in known_cascades()
    assert find_cascade("my_faces") == folder / "my_faces.xml"
    FaceDetector("my_faces")


def test_a_style_dropped_in_the_user_folder_joins_the_built_in_ones(monkeypatch, tmp_path):
    from emocam.style.images import builtin_styles, find_style

    monkeypatch.setenv("EMOCAM_DATA_DIR", str(tmp_path))
    folder = tmp_path / "styles"
    folder.mkdir()
    shutil.copy(REPO / "assets" / "styles" / "ember.png", folder / "zz_mine.png")
    shutil.copy(REPO / "assets" / "styles" / "rain.png", folder / "ember.png")  # a shipped name: ignored
    styles = builtin_styles()
    assert list(styles)[-1] == "zz_mine" and styles["ember"] == REPO / "assets" / "styles" / "ember.png"
    assert find_style("zz_mine") == folder / "zz_mine.png"


@pytest.mark.parametrize("module, extra", [("pandas", "data"), ("tensorflow", "train"), ("distributed", "cluster")])
def test_a_missing_optional_package_names_its_extra(monkeypatch, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(MissingExtraError, match=rf"pip install 'emocam\[{extra}\]'"):
        require(module, "this feature")
    assert missing_extra_message("numpy") is None


def test_analyze_video_without_pandas_says_which_extra(monkeypatch, tmp_path):
    import emocam

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"analyze_video needs pandas.*emocam\[data\]"):
        emocam.analyze_video(tmp_path / "any.mp4")


def test_parquet_without_pyarrow_is_one_line_and_exit_2(monkeypatch, capsys, tmp_path):
    from emocam.__main__ import main

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    rc = main(["analyze", str(tmp_path), "--format", "parquet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "pip install 'emocam[data]'" in err[0]
