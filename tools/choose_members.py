#!/usr/bin/env python3
"""Choose the shipped ensemble's members on the fold held out from the training data (never on val).

Rule, fixed before any val score was looked at: among every pair of the candidate models (each pair is
the app's budget of two mini-Xception-wide members), take the pair whose logit-averaged ensemble, after
the post-hoc logit adjustment fitted on the fold (``emocam.training.balance.fit_logit_adjustment``), has
the best fold macro-F1. Prints one JSON line per pair and the choice last.

    python tools/choose_members.py --data ../shared/data/fer2013/train.npz runs/*.keras
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--size", type=int, default=2, help="members per ensemble")
    p.add_argument("models", nargs="+")
    args = p.parse_args()
    import keras
    import numpy as np

    from emocam.training import balance
    from emocam.training.calibrate import fold_logits
    from emocam.training.data import load

    train = load(args.data, "train")
    train_i, fold_i = balance.holdout_fold(train.y)
    prior, y = balance.class_prior(train.y[train_i]), train.y[fold_i]
    logits = {m: fold_logits([keras.saving.load_model(m, compile=False)], train.x[fold_i]) for m in args.models}
    best = None
    for combo in itertools.combinations(args.models, min(args.size, len(args.models))):
        z = balance.log_softmax(np.mean([logits[m] for m in combo], axis=0))
        fit = balance.fit_logit_adjustment(z, y, prior)
        row = {"members": [Path(m).name for m in combo], **{k: round(v, 4) for k, v in fit.items()}}
        print(json.dumps(row), flush=True)
        if best is None or row["macro_f1"] > best["macro_f1"]:
            best = row
    print(json.dumps({"chosen": best}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
