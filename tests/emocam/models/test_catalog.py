"""The model catalog: which files in the weights and user folders are listed, as one entry per model,
in which order, with which summary from which card; bad cards, links out and odd files never break it."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from emocam.models.catalog import ModelEntry, card_summary, find_models, is_model_file, read_card
from emocam.models.lookup import weights_dir
from emocam.style.vgg_weights import FILE_NAME as VGG_FILE

SHIPPED_DIR = weights_dir()  # the real weights/ folder, before a test points the variable elsewhere


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """An empty weights folder and user folder, found through the same variables the app reads."""
    weights, data = tmp_path / "weights", tmp_path / "data"
    weights.mkdir()
    (data / "weights").mkdir(parents=True)
    monkeypatch.setenv("EMOCAM_WEIGHTS_DIR", str(weights))
    monkeypatch.setenv("EMOCAM_DATA_DIR", str(data))
    return weights, data / "weights"


def _put(folder: Path, files: dict[str, bytes | str]) -> None:
    for i, (name, content) in enumerate(files.items()):
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        os.utime(path, (time.time() + i, time.time() + i))  # later in the table = newer


LAYOUTS = {
    "a .keras and its .tflite twin are one entry that loads the .tflite":
        ({"a.keras": b"k", "a.tflite": b"t"}, {},
         [("a", "weights", "a.tflite", True)]),
    "training leftovers, hidden files, downloads in progress, cards and notes are not models":
        ({"m.keras": b"k", "m.resume.keras": b"r", "x.tmp.keras": b"t", ".hidden.tflite": b"h",
          "half.tflite.part": b"p", "m.card.json": "{}", "notes.txt": b"n", "DEFAULT": "m.keras", VGG_FILE: b"v"},
         {"u.h5": b"u", "u.resume.keras": b"r"},
         [("m", "weights", "m.keras", True), ("u", "user", "u.h5", False)]),
    "the file named in DEFAULT comes first, then the weights folder, then the user folder, by name":
        ({"zeta.tflite": b"z", "Beta.keras": b"b", "alpha.hdf5": b"a", "DEFAULT": "zeta.tflite"},
         {"Aardvark.tflite": b"a", "c.weights.h5": b"c"},
         [("zeta", "weights", "zeta.tflite", True), ("alpha", "weights", "alpha.hdf5", False),
          ("Beta", "weights", "Beta.keras", False), ("Aardvark", "user", "Aardvark.tflite", False),
          ("c", "user", "c.weights.h5", False)]),
    "without DEFAULT the newest .keras is the default, and its twin goes with it":
        ({"old.keras": b"o", "new.tflite": b"t", "new.keras": b"n"}, {},
         [("new", "weights", "new.tflite", True), ("old", "weights", "old.keras", False)]),
    "a .h5 beside a .keras of the same name is another model: both listed, told apart by file name":
        ({"same.keras": b"k", "same.h5": b"h", "DEFAULT": "same.keras"}, {},
         [("same.keras", "weights", "same.keras", True), ("same.h5", "weights", "same.h5", False)]),
    "the same name in both folders is listed twice, once per folder":
        ({"m.tflite": b"w"}, {"m.tflite": b"u"},
         [("m", "weights", "m.tflite", False), ("m", "user", "m.tflite", False)]),
    "empty folders list nothing": ({}, {}, []),
}


@pytest.mark.parametrize("weights_files, user_files, expected", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_which_files_are_listed_and_in_which_order(dirs, weights_files, user_files, expected):
    weights, user = dirs
    _put(weights, weights_files)
    _put(user, user_files)
    entries = find_models()
    assert [(e.name, e.folder, e.path.name, e.is_default) for e in entries] == expected
    for entry in entries:
        assert entry.path.parent == (weights if entry.folder == "weights" else user)


def test_twin_entry_covers_both_files_so_the_keras_in_use_is_recognised(dirs):
    weights, _ = dirs
    _put(weights, {"a.keras": b"k", "a.tflite": b"t"})
    (entry,) = find_models()
    assert entry.covers(weights / "a.keras") and entry.covers(weights / "a.tflite")
    assert not entry.covers(weights / "b.tflite") and not entry.covers(None)


def test_missing_folders_list_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOCAM_WEIGHTS_DIR", str(tmp_path / "no-such-weights"))
    monkeypatch.setenv("EMOCAM_DATA_DIR", str(tmp_path / "no-such-data"))
    assert find_models() == []


def test_the_real_shipped_model_is_listed_as_shipped_and_default(dirs):
    _, user = dirs
    shutil.copy(SHIPPED_DIR / "emocam_fer_v5.tflite", user / "mine.tflite")
    entries = find_models(weights=SHIPPED_DIR)
    assert [(e.name, e.folder, e.is_default) for e in entries] == [
        ("emocam_fer_v5", "shipped", True), ("mine", "user", False)]
    assert entries[0].path == SHIPPED_DIR / "emocam_fer_v5.tflite"
    assert entries[0].summary == "67% acc, macro-F1 0.63"  # the shipped card's summary
    assert entries[1].summary == "540 KB"  # no card: the size (552,544 bytes)


@pytest.mark.parametrize("content, kind", [
    ("shipped bytes", "shipped"),
    ("other bytes", "weights"),  # a file renamed to the shipped name is not the shipped model
])
def test_shipped_means_the_shipped_bytes_not_the_name(dirs, content, kind):
    weights, _ = dirs
    target = weights / "emocam_fer_v5.tflite"
    if content == "shipped bytes":
        shutil.copy(SHIPPED_DIR / target.name, target)
    else:
        target.write_bytes(b"not the shipped model")
    assert [e.folder for e in find_models()] == [kind]


CARDS = {
    "summary object": ({"summary": {"accuracy": 0.67, "macro_f1": 0.66, "ms_per_face": 0.27, "arch": "mini"}},
                       "67% acc, macro-F1 0.66, 0.27 ms/face"),
    "summary wins over val_metrics": ({"summary": {"accuracy": 0.5}, "val_metrics": {"accuracy": 0.9}}, "50% acc"),
    "a training card's val_metrics": ({"val_metrics": {"accuracy": 0.6421, "macro_f1": 0.6012, "loss": 1.1}},
                                      "64% acc, macro-F1 0.60"),
    "an ensemble's best member": ({"members": [{"val_metrics": {"accuracy": 0.61}}, {"val_metrics": {"accuracy": 0.655}},
                                               {"recipe": {}}, "junk"]}, "66% acc (best member)"),
    "numbers that are not metrics are ignored": ({"summary": {"accuracy": True, "macro_f1": "0.6", "ms_per_face": -1}}, ""),
    "out of range": ({"summary": {"accuracy": 1.5, "macro_f1": 0.7}}, "macro-F1 0.70"),
    "NaN and infinity": ({"val_metrics": {"accuracy": float("nan"), "macro_f1": float("inf")}}, ""),
    "summary of the wrong type": ({"summary": "great", "members": "many"}, ""),
    "nothing usable": ({"model": "x.keras"}, ""),
}


@pytest.mark.parametrize("card, expected", CARDS.values(), ids=CARDS.keys())
def test_card_summary(card, expected):
    assert card_summary(card) == expected


def _write_card(folder: Path, how: str) -> None:
    card = folder / "m.card.json"
    outside = folder.parent / "outside.card.json"
    good = json.dumps({"summary": {"accuracy": 0.7}})
    if how == "good":
        card.write_text(good)
    elif how == "not JSON":
        card.write_text("{not json")
    elif how == "a JSON list":
        card.write_text("[0.7]")
    elif how == "too big":
        card.write_text(json.dumps({"summary": {"accuracy": 0.7}, "pad": "x" * (1 << 20)}))
    elif how == "deeply nested":
        card.write_text("[" * 100_000 + "]" * 100_000)
    elif how == "a folder":
        card.mkdir()
    elif how == "a FIFO":
        os.mkfifo(card)  # must not block the menu
    elif how == "a link out of the folder":
        outside.write_text(good)
        card.symlink_to(outside)
    elif how == "a link inside the folder":
        (folder / "real.json").write_text(good)
        card.symlink_to(folder / "real.json")
    elif how == "a dangling link":
        card.symlink_to(folder / "gone.json")
    elif how == "unreadable bytes":
        card.write_bytes(b"\xff\xfe\x00garbage")


@pytest.mark.parametrize("how, summary", [
    ("good", "70% acc"), ("a link inside the folder", "70% acc"),
    ("not JSON", "1 KB"), ("a JSON list", "1 KB"), ("too big", "1 KB"), ("deeply nested", "1 KB"),
    ("a folder", "1 KB"), ("a FIFO", "1 KB"), ("a link out of the folder", "1 KB"), ("a dangling link", "1 KB"),
    ("unreadable bytes", "1 KB"), ("none", "1 KB"),
])
def test_a_bad_card_falls_back_to_the_file_size(dirs, how, summary):
    weights, _ = dirs
    (weights / "m.tflite").write_bytes(b"x" * 1500)
    _write_card(weights, how)
    (entry,) = find_models()
    assert entry.summary == summary
    assert str(entry.path) in entry.details and "1 KB" in entry.details


def test_card_free_text_is_one_safe_line_in_the_details(dirs):
    weights, _ = dirs
    (weights / "m.tflite").write_bytes(b"x")
    note = "line one\nline two\x1b[31m" + "y" * 200
    (weights / "m.card.json").write_text(json.dumps({"summary": {"arch": "mini_xception", "note": note}}))
    (entry,) = find_models()
    lines = entry.details.splitlines()
    assert lines[:3] == [str(weights / "m.tflite"), "weights folder · 1 KB", "mini_xception"]
    assert lines[3].startswith("line one line two [31m") and len(lines[3]) == 80 and "\x1b" not in lines[3]
    assert entry.summary == "1 KB"  # arch and note go to the tooltip, not the menu line


@pytest.mark.parametrize("how, listed", [
    ("a link to a model inside the folder", ["alias", "real"]),
    ("a link to a model outside the folder", []),
    ("a dangling link", []),
    ("a FIFO named like a model", []),
    ("a folder named like a model", []),
])
def test_links_and_odd_files_named_like_models(dirs, how, listed):
    weights, _ = dirs
    outside = weights.parent / "elsewhere.tflite"
    outside.write_bytes(b"x")
    if how == "a link to a model inside the folder":
        (weights / "real.tflite").write_bytes(b"x")
        (weights / "alias.tflite").symlink_to(weights / "real.tflite")
    elif how == "a link to a model outside the folder":
        (weights / "alias.tflite").symlink_to(outside)
    elif how == "a dangling link":
        (weights / "alias.tflite").symlink_to(weights / "gone.tflite")
    elif how == "a FIFO named like a model":
        os.mkfifo(weights / "pipe.tflite")
    else:
        (weights / "dir.keras").mkdir()
    assert [e.name for e in find_models()] == listed


@pytest.mark.parametrize("file_name, shown", [
    ("two\nlines.tflite", "two lines"),
    ("evil\u202eetilft.keras", "evil etilft"),  # a right-to-left override cannot disguise the name
    ("tab\there.h5", "tab here"),
])
def test_names_are_one_plain_line_whatever_the_file_is_called(dirs, file_name, shown):
    weights, _ = dirs
    (weights / file_name).write_bytes(b"x")
    (entry,) = find_models()
    assert entry.name == shown and entry.path.name == file_name


def test_read_card_of_a_tflite_is_its_keras_twins_card(tmp_path):
    (tmp_path / "m.card.json").write_text(json.dumps({"model": "m.keras"}))
    assert read_card(tmp_path / "m.tflite") == {"model": "m.keras"}
    assert read_card(tmp_path / "other.tflite") == {}


@pytest.mark.parametrize("name, model", [
    ("a.keras", True), ("a.TFLITE", True), ("a.h5", True), ("a.hdf5", True), ("a.weights.h5", True),
    ("a.resume.keras", False), ("a.tmp.keras", False), (".a.keras", False), ("a.tflite.part", False),
    ("a.card.json", False), ("a.onnx", False), (VGG_FILE, False),
])
def test_is_model_file(name, model):
    assert is_model_file(name) is model


@pytest.mark.parametrize("fields, message", [
    ({"folder": "desktop"}, "ModelEntry.folder must be one of"),
    ({"name": ""}, "ModelEntry.name is empty"),
])
def test_model_entry_refuses_bad_fields(fields, message):
    values = {"path": Path("m.tflite"), "name": "m", "folder": "user", "summary": "", **fields}
    with pytest.raises(ValueError, match=message):
        ModelEntry(**values)
