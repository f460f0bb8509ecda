#!/usr/bin/env python3
"""How the app's face box frames a face compared with FER2013's framing.

Each FER2013 face is enlarged 4x (192 px), given a reflected border so that a box larger than the
image can be found, and searched with the app's Haar cascade (OpenCV's frontal-face default). Prints
the found box's width as a fraction of the FER2013 frame and its centre offset: 1.0 and 0 mean the
live crop (the Haar box, square, no margin) frames faces as the model was trained.

    python tools/haar_framing.py ../shared/data/fer2013/val.npz
"""

from __future__ import annotations

import sys

import numpy as np


def main(path: str) -> int:
    import cv2

    import emocam  # noqa: F401  (sets OpenCV's decoder limit first, as every entry point does)
    from emocam.live.detection import DEFAULT_CASCADE

    det = cv2.CascadeClassifier(cv2.data.haarcascades + DEFAULT_CASCADE + ".xml")
    faces = np.load(path)["x"]
    ratios, offsets = [], []
    for face in faces:
        big = cv2.copyMakeBorder(cv2.resize(face, (192, 192), interpolation=cv2.INTER_LINEAR),
                                 48, 48, 48, 48, cv2.BORDER_REFLECT_101)
        found = det.detectMultiScale(big, 1.1, 5, minSize=(60, 60))
        if len(found) == 0:
            continue
        x, y, w, h = min(found, key=lambda f: abs(f[0] + f[2] / 2 - 144) + abs(f[1] + f[3] / 2 - 144))
        ratios.append(w / 192)
        offsets.append(((x + w / 2 - 48) / 192 - 0.5, (y + h / 2 - 48) / 192 - 0.5))
    r, o = np.array(ratios), np.array(offsets)
    print(f"{len(r)} of {len(faces)} faces found")
    print("box width / FER2013 width: median %.3f, mean %.3f, p10 %.3f, p90 %.3f"
          % (np.median(r), r.mean(), *np.percentile(r, [10, 90])))
    print("box centre offset (fraction of the FER2013 width): median x %.3f, y %.3f" % tuple(np.median(o, 0)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/fer2013/val.npz"))
