"""What a training run returns, and the caller's hook into its evaluations.

Apart from the loop so that what reads a finished run (a torchrun restart, a sweep's
objective) need not import the loop itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ganzoo.metrics.results import EvalResult

__all__ = ["EvalCallback", "TrainResult"]

#: Called with each ``--eval-every`` evaluation (on the main process, after it is saved); a
#: string it returns stops the run there, as its reason (``summary.json``'s ``stopped_by``):
#: the caller's early stop, e.g. a hyperparameter sweep's pruner (:mod:`ganzoo.tools.sweep`).
#: It is ignored at the last step, where the run ends anyway.
EvalCallback = Callable[["EvalResult"], "str | None"]


@dataclass
class TrainResult:
    """What a finished run left behind."""

    run_dir: Path
    steps: int
    seconds: float
    final: dict[str, float]
    stopped_by: str = "steps"  # "steps", "time budget", or an EvalCallback's reason
