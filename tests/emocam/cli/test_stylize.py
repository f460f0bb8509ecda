"""``python -m emocam stylize``: the fast engine (default) end to end with the shipped networks, for one
photo or a folder, with --json; the Gatys engine with a VGG19-layout file of untrained weights (given
with --weights, or downloaded with --download from a local server); every refusal in one line."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.cli import stylize as stylize_cli
from emocam.style import vgg_weights
from emocam.__main__ import main
from emocam.live.sources import DEMO_IMAGE
from emocam.cli.stylize import ProgressBar
from emocam.style.vgg_weights import FILE_NAME, WeightsSource
from tests.emocam.vgg_files import closed_port_url, serve_bytes, write_random_vgg19_notop


@pytest.fixture(scope="module")
def vgg_file(tmp_path_factory) -> Path:
    return write_random_vgg19_notop(tmp_path_factory.mktemp("vgg") / FILE_NAME)


@pytest.fixture
def no_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing anywhere; returns the Keras cache folder (where a download would go)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv("EMOCAM_VGG_WEIGHTS", raising=False)
    monkeypatch.setattr(vgg_weights, "REPO_WEIGHTS_DIR", tmp_path / "repo-weights")
    return tmp_path / "keras-home" / "models"


def stylize(*args) -> int:
    return main(["stylize", str(DEMO_IMAGE), "--style", "ember", *map(str, args)])


def gatys(*args) -> int:
    return stylize("--engine", "gatys", *args)


def test_with_a_weights_file_it_paints_and_writes_the_png(vgg_file, tmp_path, capsys) -> None:
    out = tmp_path / "avatar.png"
    assert gatys("--out", out, "--weights", vgg_file, "--size", 48, "--steps", 3) == 0
    captured = capsys.readouterr()
    assert f"wrote {out} (48x48" in captured.out
    assert "painting [" in captured.err and "100%" in captured.err and "done in" in captured.err
    assert cv2.imread(str(out)).shape == (48, 48, 3)


def test_options_reach_the_painter(vgg_file, tmp_path) -> None:
    out = tmp_path / "wide.png"
    assert gatys("--out", out, "--weights", vgg_file, "--size", 64, "--steps", 3, "--no-face-crop",
                   "--preserve-colour", "--strength", 2) == 0
    assert cv2.imread(str(out)).shape == (64, 64, 3)  # the demo portrait is square: uncropped, same size
    assert gatys("--out", out, "--weights", vgg_file, "--size", 48, "--steps", 3) == 0
    assert cv2.imread(str(out)).shape[0] == 64, "an existing file is never overwritten"
    assert [cv2.imread(str(p)).shape[0] for p in tmp_path.glob("wide~*.png")] == [48]


def test_no_weights_no_download_flag_is_one_clear_error(no_weights, tmp_path, capsys) -> None:
    assert gatys("--out", tmp_path / "a.png") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("emocam stylize: error:")
    assert "--download" in err and "about 80 MB" in err and "copy the file" in err
    assert not (tmp_path / "a.png").exists() and not no_weights.exists()


def test_download_only_with_the_flag_then_used(vgg_file, no_weights, tmp_path, monkeypatch, capsys) -> None:
    payload = vgg_file.read_bytes()
    with serve_bytes(payload) as url:
        monkeypatch.setattr(stylize_cli, "WeightsSource", functools.partial(
            WeightsSource, url=url, md5=hashlib.md5(payload).hexdigest()))
        assert gatys("--out", tmp_path / "a.png", "--download", "--size", 32, "--steps", 3) == 0
    err = capsys.readouterr().err
    assert f"downloading the ImageNet VGG19 weights (about 80 MB) from {url} to {no_weights / FILE_NAME}" in err
    assert "download [" in err and "MB" in err
    assert (no_weights / FILE_NAME).read_bytes() == payload and (tmp_path / "a.png").is_file()


def test_download_without_network_says_what_to_do(no_weights, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(stylize_cli, "WeightsSource", functools.partial(WeightsSource, url=closed_port_url()))
    assert gatys("--out", tmp_path / "a.png", "--download") == 2
    err = capsys.readouterr().err
    assert "could not download the VGG19 weights" in err and "copy the file" in err
    assert not any(no_weights.iterdir())


@pytest.mark.parametrize("args, message", [
    (["--style", "nope"], "unknown style 'nope'.*built-in: .*ember"),
    (["--steps", "2"], "steps must be at least 3"),
    (["--size", "8"], "size must be"),
    (["--weights", "missing.h5"], "missing.h5: no such file"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, capsys) -> None:
    assert gatys("--out", tmp_path / "a.png", *args) == 2  # a repeated option: the last one counts
    err = capsys.readouterr().err
    assert re.search(message, err) and err.count("\n") == 1, err


def test_unreadable_content_is_refused(tmp_path, capsys) -> None:
    assert main(["stylize", str(tmp_path / "nothing.png"), "--style", "ember", "--out", str(tmp_path / "a.png")]) == 2
    assert "nothing.png: no such photo or folder" in capsys.readouterr().err


def test_help_lists_the_built_in_styles(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["stylize", "--help"])
    assert info.value.code == 0 and "ember" in capsys.readouterr().out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream, lines", [(io.StringIO(), 11), (_Terminal(), 1)])
def test_progress_bar_redraws_on_a_terminal_and_logs_tenths_elsewhere(stream, lines) -> None:
    bar = ProgressBar("painting", stream)
    for i in range(101):
        bar.show(i / 100, f"step {i}")
    bar.done()
    text = stream.getvalue()
    assert text.count("\n") == lines and "100%" in text
    assert ("\r" in text) == isinstance(stream, _Terminal)


def test_the_style_can_be_any_image(vgg_file, tmp_path) -> None:
    style = tmp_path / "stripes.jpg"
    cv2.imwrite(str(style), np.tile(np.array([[0, 255]], np.uint8).repeat(8, 1), (64, 4))[..., None].repeat(3, 2))
    out = tmp_path / "striped.png"
    assert gatys("--style", style, "--out", out, "--weights", vgg_file, "--size", 32, "--steps", 3) == 0
    assert out.is_file()



# ---------------------------------------------------------------- the fast engine (default)

def test_by_default_the_fast_engine_paints_offline_in_well_under_a_second(no_weights, tmp_path, capsys) -> None:
    out = tmp_path / "avatar.png"
    assert stylize("--out", out) == 0
    printed = capsys.readouterr().out
    assert re.search(rf"wrote {re.escape(str(out))} \(384x384, \d+ ms\)", printed), printed
    painted = cv2.imread(str(out))
    photo = cv2.resize(cv2.imread(str(DEMO_IMAGE)), (384, 384))
    assert painted.shape == (384, 384, 3) and np.abs(painted.astype(int) - photo.astype(int)).mean() > 20
    assert not no_weights.exists(), "the fast engine never touches the VGG19 weights"


def test_a_folder_of_photos_goes_to_a_folder_with_json(tmp_path, capsys) -> None:
    photos = tmp_path / "snaps"
    photos.mkdir()
    for name in ("a.png", "b.jpg"):
        cv2.imwrite(str(photos / name), cv2.resize(cv2.imread(str(DEMO_IMAGE)), (160, 160)))
    (photos / "notes.txt").write_text("not a photo")
    (photos / "broken.png").write_bytes(b"not a png")
    code = main(["stylize", str(photos), "--style", "rain", "--out", str(tmp_path / "out"), "--size", "128", "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 1, "one photo could not be read"
    assert report["engine"] == "fast" and report["style"] == "rain" and report["size"] == 128
    assert [Path(r["output"]).name for r in report["results"]] == ["a-avatar-rain.png", "b-avatar-rain.png"]
    assert all(cv2.imread(r["output"]).shape == (128, 128, 3) and r["ms"] > 0 for r in report["results"])
    assert [Path(f["input"]).name for f in report["failed"]] == ["broken.png"]
    assert "not a readable image" in report["failed"][0]["error"] and "skipped" in captured.err


@pytest.mark.parametrize("args, message", [
    (["--steps", "100"], "--steps only apply to --engine gatys"),
    (["--download"], "--download only apply to --engine gatys"),
])
def test_gatys_options_with_the_fast_engine_are_refused(args, message, tmp_path, capsys) -> None:
    assert stylize("--out", tmp_path / "a.png", *args) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "a.png").exists()


def test_an_unknown_engine_is_a_usage_error(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        stylize("--out", tmp_path / "a.png", "--engine", "slow")
    assert info.value.code == 2 and "invalid choice: 'slow'" in capsys.readouterr().err


def test_a_folder_needs_an_output_folder(tmp_path, capsys) -> None:
    assert main(["stylize", str(DEMO_IMAGE.parent), "--style", "ember", "--out", str(tmp_path / "a.png")]) == 2
    assert "needs --out to be a folder" in capsys.readouterr().err
