"""The VGG19 weights: looked up in fixed places, checked without TensorFlow, downloaded only on request
(here from a local server), and a clear way out when there are none and no network."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import h5py
import numpy as np
import pytest

from emocam.style import vgg_weights
from emocam.style.vgg_weights import (FILE_NAME, DownloadCancelled, WeightsInvalid, WeightsSource, WeightsUnavailable,
                                check_weights, download_weights, find_weights, require_weights)
from tests.emocam.vgg_files import closed_port_url, serve_bytes, write_random_vgg19_notop, write_small_keras_h5


@pytest.fixture
def no_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A machine with no VGG19 file anywhere: empty Keras home, empty repo weights folder, no env."""
    dirs = {"keras_home": tmp_path / "keras-home", "repo": tmp_path / "repo-weights"}
    monkeypatch.setenv("KERAS_HOME", str(dirs["keras_home"]))
    monkeypatch.delenv("EMOCAM_VGG_WEIGHTS", raising=False)
    monkeypatch.setattr(vgg_weights, "REPO_WEIGHTS_DIR", dirs["repo"])
    return dirs


@pytest.fixture(scope="module")
def vgg_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_random_vgg19_notop(tmp_path_factory.mktemp("vgg") / FILE_NAME)


def test_url_and_md5_are_the_ones_keras_uses() -> None:
    source = Path(importlib.util.find_spec("keras").submodule_search_locations[0]) / "src/applications/vgg19.py"
    text = source.read_text()
    assert f'file_hash="{vgg_weights.MD5}"' in text
    pieces = ("https://storage.googleapis.com/tensorflow/", "keras-applications/vgg19/", FILE_NAME)
    assert vgg_weights.URL == "".join(pieces) and all(f'"{p}"' in text for p in pieces)


def test_lookup_order_env_then_repo_then_keras_cache(no_weights, tmp_path, monkeypatch) -> None:
    assert find_weights() is None
    cached = no_weights["keras_home"] / "models" / FILE_NAME
    repo = no_weights["repo"] / FILE_NAME
    env = tmp_path / "elsewhere.h5"
    for path in (cached, repo, env):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        if path == env:
            monkeypatch.setenv("EMOCAM_VGG_WEIGHTS", str(env))
        assert find_weights() == path


def test_no_weights_and_no_network_says_both_ways_out(no_weights) -> None:
    with pytest.raises(WeightsUnavailable) as info:
        require_weights()
    message = str(info.value)
    for needed in ("about 80 MB", "download", "--download", "copy the file", str(no_weights["repo"] / FILE_NAME),
                   str(no_weights["keras_home"] / "models" / FILE_NAME), "--engine gatys --download",
                   "The fast engine needs none"):
        assert needed in message, f"{needed!r} missing from: {message}"


def test_style_transfer_refuses_to_start_without_weights_and_downloads_nothing(no_weights) -> None:
    from emocam.style.transfer import StyleTransfer

    with pytest.raises(WeightsUnavailable):
        StyleTransfer()
    assert not (no_weights["keras_home"] / "models").exists(), "nothing may be fetched without consent"


def test_a_file_with_the_vgg19_layout_is_accepted_and_really_loaded(vgg_file: Path) -> None:
    from emocam.style.transfer import build_vgg

    check = check_weights(vgg_file)
    assert check.path == vgg_file and not check.official, "untrained copy: not Keras' published MD5"
    model = build_vgg(vgg_file)
    with h5py.File(vgg_file) as f:
        group = f["block1_conv1"]
        kernel = group[group.attrs["weight_names"][0]][()]
    assert np.array_equal(model.get_layer("block1_conv1").get_weights()[0], kernel)


def test_the_published_md5_marks_a_file_official(vgg_file: Path, monkeypatch) -> None:
    monkeypatch.setattr(vgg_weights, "MD5", hashlib.md5(vgg_file.read_bytes()).hexdigest())
    assert check_weights(vgg_file).official


@pytest.mark.parametrize("make, match", [
    (lambda p, v: p, "no such file"),
    (lambda p, v: p.write_bytes(b"<html>captive portal</html>") and p, "not a readable HDF5 file"),
    (lambda p, v: p.write_bytes(v.read_bytes()[: 2_000_000]) and p, "not a readable HDF5 file|truncated"),
    (lambda p, v: write_small_keras_h5(p), "holds 2 layers with weights that do not match VGG19"),
    (lambda p, v: h5py.File(p, "w").close() or p, "not a Keras weights file"),
], ids=["missing", "not-hdf5", "truncated", "other-network", "empty-hdf5"])
def test_bad_files_are_refused_with_the_reason(make, match, tmp_path: Path, vgg_file: Path) -> None:
    path = make(tmp_path / FILE_NAME, vgg_file)
    with pytest.raises(WeightsInvalid, match=match):
        check_weights(path)


def _source(url: str, payload: bytes | None, folder: Path) -> WeightsSource:
    return WeightsSource(url=url, md5=hashlib.md5(payload).hexdigest() if payload else None, cache_dir=folder)


def test_download_streams_with_progress_into_the_cache(tmp_path: Path) -> None:
    payload = np.random.default_rng(0).bytes(300_000)
    seen = []
    with serve_bytes(payload) as url:
        path = download_weights(_source(url, payload, tmp_path / "cache"), progress=seen.append)
    assert path == tmp_path / "cache" / FILE_NAME and path.read_bytes() == payload
    assert len(seen) > 2 and [p.received for p in seen] == sorted(p.received for p in seen)
    assert seen[-1].received == seen[-1].total == len(payload) and seen[-1].fraction == 1.0
    assert [p.name for p in path.parent.iterdir()] == [FILE_NAME], "no temporary file is left"


@pytest.mark.parametrize("case", ["wrong-md5", "cancelled", "offline", "cut-off", "not-found"])
def test_failed_downloads_leave_nothing_behind(case: str, tmp_path: Path) -> None:
    payload, folder = b"w" * 200_000, tmp_path / "cache"
    expected = {"wrong-md5": (WeightsUnavailable, "corrupt"), "cancelled": (DownloadCancelled, "cancelled"),
                "offline": (WeightsUnavailable, "could not download.*copy the file"),
                "cut-off": (WeightsUnavailable, "could not download|stopped early"),
                "not-found": (WeightsUnavailable, "could not download.*Not Found")}[case]
    with serve_bytes(payload, claimed_length=len(payload) + 5000 if case == "cut-off" else None) as url:
        url = {"offline": closed_port_url(), "not-found": url + "-missing"}.get(case, url)
        source = _source(url, b"other" if case == "wrong-md5" else payload, folder)
        with pytest.raises(expected[0], match=expected[1]):
            download_weights(source, cancelled=lambda: case == "cancelled", timeout=5)
    assert not any(folder.iterdir()), f"left behind: {list(folder.iterdir())}"
