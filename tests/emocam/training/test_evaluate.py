"""``python -m emocam evaluate`` end to end, with tiny real models in every supported format."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emocam.__main__ import main
from emocam.models.loading import load_classifier
from emocam.emotions import NAMES
from emocam.training.data import load

from .conftest import PER_CLASS

REPO = Path(__file__).resolve().parents[3]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYS = {"model", "input", "data", "split", "n", "accuracy", "macro_f1", "per_class",
        "confusion_matrix", "confusion_matrix_normalized", "seconds", "ms_per_face"}


def _evaluate(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["evaluate", *map(str, args)])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    """The real command line, in a child process (inherits the per-test EMOCAM_CACHE_DIR)."""
    return subprocess.run([sys.executable, "-m", "emocam", "evaluate", *map(str, args)],
                          cwd=REPO, capture_output=True, text=True, timeout=120, env=os.environ.copy())


@pytest.mark.parametrize("kind, side", [("keras48", 48), ("h5_64", 64), ("weights48", 48), ("tflite48", 48)])
def test_json_report_for_every_model_format(capsys, tiny_models, fer_npz, kind, side):
    rc, out, _ = _evaluate(capsys, "--data", fer_npz, "--weights", tiny_models[kind], "--json")
    assert rc == 0
    result = json.loads(out)  # the whole of stdout is one JSON object
    assert KEYS <= result.keys()
    assert result["n"] == 7 * PER_CLASS and result["model"] == str(tiny_models[kind])
    assert result["input"] == {"height": side, "width": side, "channels": 1}
    cm = np.array(result["confusion_matrix"])
    assert cm.shape == (7, 7) and cm.sum() == result["n"] and cm.sum(axis=1).tolist() == [PER_CLASS] * 7
    assert result["accuracy"] == pytest.approx(np.trace(cm) / cm.sum(), abs=1e-6)
    assert [c["name"] for c in result["per_class"]] == list(NAMES)
    # the predicted-class counts match what the classifier says about the same faces
    predicted = load_classifier(tiny_models[kind]).predict(load(fer_npz).x).argmax(axis=1)
    assert cm.sum(axis=0).tolist() == np.bincount(predicted, minlength=7).tolist()


def test_batching_does_not_change_the_result(capsys, tiny_models, fer_npz):
    runs = [json.loads(_evaluate(capsys, "--data", fer_npz, "--weights", tiny_models["tflite48"],
                                 "--json", "--batch-size", size)[1]) for size in ("16", "256")]
    assert runs[0]["confusion_matrix"] == runs[1]["confusion_matrix"]


def test_cli_writes_one_json_object_and_a_report(tmp_path, tiny_models, fer_npz):
    report = tmp_path / "reports" / "tiny"
    proc = _run_cli("--data", fer_npz, "--weights", tiny_models["tflite48"], "--json", "--report-dir", report)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert json.loads((report / "metrics.json").read_text()) == result
    for name in ("confusion_counts.png", "confusion_normalized.png"):
        data = (report / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, name


def test_table_without_json(capsys, tiny_models, fer_npz):
    rc, out, _ = _evaluate(capsys, "--data", fer_npz, "--weights", tiny_models["tflite48"])
    assert rc == 0 and out.startswith("model ") and "macro F1" in out and "confusion matrix" in out
    assert all(f"\n{name} " in out for name in NAMES)
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_csv_split_is_scored(tmp_path, capsys, tiny_models):
    pixels = " ".join(["90"] * 2304)
    rows = [f"{i % 7},{pixels},{'PublicTest' if i < 5 else 'Training'}" for i in range(12)]
    csv_path = tmp_path / "fer2013.csv"
    csv_path.write_text("emotion,pixels,Usage\n" + "\n".join(rows) + "\n")
    rc, out, _ = _evaluate(capsys, "--data", csv_path, "--weights", tiny_models["tflite48"], "--json")
    result = json.loads(out)
    assert rc == 0 and result["n"] == 5 and result["split"] == "val"
    assert [c["support"] for c in result["per_class"]] == [1, 1, 1, 1, 1, 0, 0]


def test_default_model_comes_from_the_weights_folder(tmp_path, monkeypatch, capsys, tiny_models, fer_npz):
    folder = tmp_path / "weights"
    folder.mkdir()
    shipped = Path(shutil.copy(tiny_models["tflite48"], folder / "shipped.tflite"))
    (folder / "DEFAULT").write_text("shipped.tflite\n")
    monkeypatch.setenv("EMOCAM_WEIGHTS_DIR", str(folder))
    rc, out, _ = _evaluate(capsys, "--data", fer_npz, "--json")
    assert rc == 0 and json.loads(out)["model"] == str(shipped)


def test_missing_data_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "nowhere" / "val.npz"
    proc = _run_cli("--data", missing, "--json")
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0] == f"emocam evaluate: error: {missing}: no such file or folder"


@pytest.mark.parametrize("name, content, problem", [
    ("broken.keras", b"not a zip", "not a readable .keras file"),
    ("empty.tflite", b"", "file is empty"),
    ("model.onnx", b"onnx", "unsupported model type"),
])
def test_bad_model_is_one_line_naming_the_file(tmp_path, capsys, fer_npz, name, content, problem):
    bad = tmp_path / name
    bad.write_bytes(content)
    rc, out, err = _evaluate(capsys, "--data", fer_npz, "--weights", bad, "--json")
    assert rc == 2 and out == ""
    assert err.startswith(f"emocam evaluate: error: {bad}: ") and problem in err and err.count("\n") == 1


def test_unwritable_report_dir_names_the_folder(tmp_path, capsys, tiny_models, fer_npz):
    blocker = tmp_path / "report"
    blocker.write_text("a file where the folder should go")
    rc, out, err = _evaluate(capsys, "--data", fer_npz, "--weights", tiny_models["tflite48"],
                             "--report-dir", blocker)
    assert rc == 2 and out == ""
    assert f"{blocker}: cannot write the report" in err


def test_reframed_scores_and_calibration_are_reported_with_a_reliability_diagram(tmp_path, tiny_models, fer_npz):
    from emocam.training.balance import reliability
    from emocam.training.reframe import reframe

    report = tmp_path / "report"
    proc = _run_cli("--data", fer_npz, "--weights", tiny_models["tflite48"], "--json", "--report-dir", report,
                    "--reframe", "0.8,1.25")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result["reframed"]) == {"0.8", "1.25"}
    classifier, faces = load_classifier(tiny_models["tflite48"]), load(fer_npz)
    tight = classifier.predict(reframe(faces.x, 0.8)).argmax(axis=1)
    assert result["reframed"]["0.8"]["accuracy"] == pytest.approx((tight == faces.y).mean(), abs=1e-6)
    expected = reliability(classifier.predict(faces.x), faces.y)
    assert result["calibration"]["ece"] == pytest.approx(expected["ece"], abs=1e-5)
    assert result["calibration"]["count"] == expected["count"]
    data = (report / "reliability.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000


def test_bad_reframe_scales_are_one_line_and_exit_2(tiny_models, fer_npz):
    proc = _run_cli("--data", fer_npz, "--weights", tiny_models["tflite48"], "--reframe", "0.8,big")
    assert proc.returncode == 2 and "--reframe" in proc.stderr and "Traceback" not in proc.stderr
