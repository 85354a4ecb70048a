"""``ganzoo train --tensorboard``: scalars and sample grids in ``RUN/tensorboard/``.

Written with ``torch.utils.tensorboard`` by the main process only, at the moments the loop
already reads its statistics (log lines, evaluations, sample figures): no extra host sync.
A resumed run opens its writer with ``purge_step`` at the resumed step, so TensorBoard drops
what the killed session wrote after its checkpoint and the re-run steps are not shown twice.
The ``tensorboard`` package is optional (``pip install 'ganzoo[tensorboard]'``); asking for
it without the package is refused before anything is built.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from ganzoo.api.errors import UsageError

if TYPE_CHECKING:
    from ganzoo.metrics.results import EvalResult

FOLDER = "tensorboard"
#: Evaluation numbers written as ``eval/<name>`` (and their floors as ``eval/<name>_real``).
EVAL_SCALARS = {
    "fid": "fid",
    "kid_mean": "kid",
    "precision": "precision",
    "recall": "recall",
    "density": "density",
    "coverage": "coverage",
    "inception_score_mean": "inception_score",
    "classifier_score_mean": "classifier_score",  # a domain extractor's (not Inception's) IS
}


def check_available() -> None:
    """Refuse ``--tensorboard`` in one line when the package is not installed."""
    if importlib.util.find_spec("tensorboard") is None:
        raise UsageError(
            "--tensorboard needs the tensorboard package, which is not installed: "
            "pip install 'ganzoo[tensorboard]' (or pip install tensorboard)"
        )


class Board:
    """One run's TensorBoard writer (``RUN/tensorboard``)."""

    def __init__(self, run_path: Path, resumed_at: int = 0) -> None:
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(
            log_dir=str(run_path / FOLDER), purge_step=resumed_at + 1 if resumed_at else None
        )

    def log(self, step: int, stats: dict[str, float]) -> None:
        """A log line's statistics: losses, D(x), D(G(z)), D's accuracy, gradient norms."""
        for key, value in stats.items():
            self.writer.add_scalar(f"train/{key}", value, step)

    def evaluation(self, step: int, result: EvalResult) -> None:
        """An evaluation's scores, with the real-data floor and noise beside each."""
        for key, name in EVAL_SCALARS.items():
            if getattr(result, key) is not None:
                self.writer.add_scalar(f"eval/{name}", getattr(result, key), step)
            for kind in ("real", "noise"):
                value = result.floor(kind, key)
                if value is not None:
                    self.writer.add_scalar(f"eval/{name}_{kind}", value, step)
        health = result.health or {}
        if health.get("near_duplicate_rate") is not None:
            self.writer.add_scalar("eval/near_duplicate_rate", health["near_duplicate_rate"], step)
        if health.get("class_entropy") is not None:
            self.writer.add_scalar("eval/class_entropy", health["class_entropy"], step)

    def image(self, step: int, png: Path, tag: str = "samples") -> None:
        """A sample grid that the loop has just saved as ``png``."""
        import numpy as np
        from PIL import Image

        with Image.open(png) as image:
            array = np.asarray(image.convert("RGB"))
        self.writer.add_image(tag, array, step, dataformats="HWC")

    def flush(self) -> None:
        """Write what is buffered (at checkpoints: a kill loses nothing saved before)."""
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.writer.close()
