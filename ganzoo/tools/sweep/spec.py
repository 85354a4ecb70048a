"""What a sweep is asked to do (:class:`SweepSpec`) and what it left (:class:`SweepResult`).

Plain records, torch- and optuna-free: the CLI builds a spec, :func:`ganzoo.tools.sweep.run_sweep`
runs it, and a worker process receives it as JSON (:func:`spec_to_json`).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STUDY_DB = "study.db"  # the default storage: sqlite:///<folder>/study.db
TRIALS_DIR = "trials"  # each trial's run folder: <folder>/trials/trial_0007
SAMPLERS = ("tpe", "random")
DIRECTIONS = ("minimize", "maximize")


@dataclass(frozen=True)
class SweepSpec:
    """A hyperparameter sweep: the space, what every trial shares, and how to search it.

    ``space`` maps a :class:`~ganzoo.training.config.TrainConfig` option (nested option dicts
    with dots: ``"model_options.width"``, Adam's betas as ``"betas.0"``/``"betas.1"``) to its
    distribution: ``{"type": "float", "low": 1e-5, "high": 1e-2, "log": True}``,
    ``{"type": "int", "low": 1, "high": 5, "step": 1}`` or
    ``{"type": "categorical", "choices": ["nonsat", "hinge"]}``. ``fixed`` holds the options
    every trial shares (model, dataset, steps, eval_every, ...). ``trials`` counts finished
    trials: complete, pruned, and failed with an error; a trial cut short by a kill is redone,
    not counted.
    """

    folder: Path  # the sweep folder; each trial's run folder under folder/"trials"
    space: dict[str, dict]  # TrainConfig option -> its distribution (see the class docstring)
    fixed: dict[str, Any]  # TrainConfig options every trial shares
    trials: int  # trials to finish in this study (complete + pruned + failed-with-error)
    objective: str = "fid"  # a metric key stored by ganzoo's evaluations (domain FID by default)
    direction: str | None = None  # None: from the metric (lower is better for fid/kid, ...)
    sampler: str = "tpe"  # or "random"
    seed: int = 0
    storage: str | None = None  # None: sqlite:///<folder>/study.db
    study_name: str | None = None  # None: the folder's name
    workers: int = 1
    prune: bool = True
    eval_samples: int | None = None  # samples of each trial's evaluation (None: train's default)
    # --- beyond the contract's fields: each with the default a plain call gets ---
    pruner_startup_trials: int = 5  # trials completed before the median pruner stops any
    heartbeat_interval: int = 10  # seconds between a running trial's heartbeats
    grace_period: int = 60  # a trial silent this long is taken as dead (its process killed)


@dataclass
class TrialRecord:
    """One trial as the study holds it.

    ``state`` is optuna's, in lower case: ``complete``, ``pruned``, ``fail``, ``running`` or
    ``waiting`` (a retry queued). ``error`` is a failed trial's one-line error, or why it
    does not count (``interrupted``, ``surplus``). ``counted``: whether it counts toward the
    study's trials (complete, pruned, or failed with an error).
    """

    number: int
    state: str
    params: dict
    value: float | None
    run_dir: Path | None
    error: str | None
    counted: bool = False
    retry_of: int | None = None  # the trial this one redoes (its process was killed)


@dataclass
class SweepResult:
    """A study read back: its trials in order and the best complete one."""

    study_name: str
    storage: str  # the URL, any password hidden
    objective: str
    direction: str  # "minimize" or "maximize"
    trials: list[TrialRecord]
    best: TrialRecord | None
    wanted: int | None = None  # the trials the last command asked for
    space: dict[str, dict] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> int:
        """Trials that count toward :attr:`wanted`."""
        return sum(t.counted for t in self.trials)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``ganzoo sweep --show --json``)."""
        out = dataclasses.asdict(self)
        for record in (*out["trials"], *([out["best"]] if out["best"] else [])):
            record["run_dir"] = None if record["run_dir"] is None else str(record["run_dir"])
        out["finished"] = self.finished
        return out


def spec_to_json(spec: SweepSpec) -> str:
    """``spec`` as JSON (a worker process reads it back with :func:`spec_from_json`)."""
    data = dataclasses.asdict(spec)
    data["folder"] = str(spec.folder)
    return json.dumps(data)


def spec_from_json(text: str) -> SweepSpec:
    """The spec :func:`spec_to_json` wrote."""
    data = json.loads(text)
    data["folder"] = Path(data["folder"])
    return SweepSpec(**data)
