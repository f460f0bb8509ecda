"""The training loop's Keras callbacks (progress, checkpoints and resume state) and the model card."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from emocam.fileio import atomic_write_text

# the options a trained --init-from file decides (the architecture); they are neither used nor recorded then
SET_BY_INIT_FROM = ("arch", "input_size", "l2", "dropout", "imagenet_weights")


class Progress:
    """Keras callback: a tqdm bar over the epochs on stderr (on a terminal) and one line per epoch
    with its metrics and an ETA on stdout (kept in logs)."""

    def __new__(cls, epochs, steps):
        import keras
        from tqdm import tqdm

        class Progress(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.t0 = time.monotonic()
                self.done = 0
                self.bar = tqdm(total=epochs, unit="epoch", desc="training", disable=None, file=sys.stderr)

            def on_train_end(self, logs=None):
                self.bar.close()

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch_t0 = time.monotonic()

            def on_epoch_end(self, epoch, logs=None):
                self.done += 1
                took = time.monotonic() - self.epoch_t0
                per = (time.monotonic() - self.t0) / self.done
                eta = per * (epochs - epoch - 1)
                logs = logs or {}
                self.bar.n = epoch + 1
                self.bar.set_postfix(val_acc=f"{logs.get('val_accuracy', 0):.4f}")
                tqdm.write(f"epoch {epoch + 1}/{epochs}  {took:5.1f}s  loss {logs.get('loss', 0):.4f}  "
                           f"acc {logs.get('accuracy', 0):.4f}  val_acc {logs.get('val_accuracy', 0):.4f}  "
                           f"lr {float(self.model.optimizer.learning_rate):.2e}  ETA {eta / 60:.1f} min",
                           file=sys.stdout)
                sys.stdout.flush()

        return Progress()


class Checkpoint:
    """Saves the best model (by val accuracy) with its model card, and the resume state each epoch."""

    def __new__(cls, out, resume_path, state_path, best, args, train, val):
        import keras

        class Checkpoint(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.best = best
                self.history = []

            def on_epoch_end(self, epoch, logs=None):
                logs = dict(logs or {})
                self.history.append({k: round(float(v), 5) for k, v in logs.items()} | {"epoch": epoch + 1})
                if logs.get("val_accuracy", 0) > self.best:
                    self.best = float(logs["val_accuracy"])
                    _atomic_save(self.model, out, include_optimizer=False)
                    _write_card(out, args, train, val, epoch + 1, logs, self.history)
                _atomic_save(self.model, resume_path, include_optimizer=True)
                atomic_write_text(state_path, json.dumps({"epoch": epoch + 1, "best_val_accuracy": self.best}))

        return Checkpoint()


def _atomic_save(net, path: Path, include_optimizer: bool) -> None:
    """Through the one atomic, no-follow writer: a planted link at ``path`` is replaced, not followed."""
    from emocam.fileio import atomic_write_bytes
    from emocam.models.loading import keras_bytes

    if not include_optimizer:  # a fresh, uncompiled copy: the shipped file carries no optimizer state
        fresh = net.__class__.from_config(net.get_config())
        fresh.set_weights(net.get_weights())
        net = fresh
    atomic_write_bytes(path, keras_bytes(net))


def _write_card(out: Path, args, train, val, epoch: int, logs: dict, history: list) -> None:
    from emocam.training.data import sha256

    unused = ("func", *SET_BY_INIT_FROM) if args.init_from else ("func",)
    card = {
        "model": out.name,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "recipe": {k: v for k, v in vars(args).items() if k not in unused},
        "data": {"train": {"path": Path(train.source).name, "sha256": sha256(train.source), "n": len(train)},
                 "val": {"path": Path(val.source).name, "sha256": sha256(val.source), "n": len(val)}},
        "best_epoch": epoch,
        "val_metrics": {"accuracy": round(float(logs.get("val_accuracy", 0)), 4),
                        "loss": round(float(logs.get("val_loss", 0)), 4)},
        "history": history,
    }
    if args.init_from:  # the starting model's own card, so that a fine-tuned model's lineage travels with it
        card["init_from_card"] = card_of(Path(args.init_from))
    atomic_write_text(out.with_suffix(".card.json"), json.dumps(card, indent=2) + "\n")


def card_of(model: Path) -> dict:
    """The card written beside ``model``, or just its name when there is none (or it cannot be read)."""
    from emocam.fileio import read_regular

    try:
        return json.loads(read_regular(model.with_suffix(".card.json"), 1 << 20, "model card"))
    except (OSError, ValueError):  # missing, not a regular file, too big, not JSON
        return {"model": model.name}
