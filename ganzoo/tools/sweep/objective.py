"""One trial: an ordinary run folder, trained by ganzoo, scored by its own evaluations.

The trial's run is ``ganzoo train`` with the fixed options and the trial's values, in
``<sweep>/trials/trial_NNNN``. Each ``eval_every`` evaluation is reported to the trial
through the training loop's ``on_eval`` callback (:data:`ganzoo.training.result.EvalCallback`);
where the median pruner says so the run stops there, a finished, shorter run. The trial's
value is its last evaluation's metric. A trial that redoes one whose process died resumes
that run folder from its last checkpoint (its stored evaluations reported again first).
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.runs.rundir import CONFIG, RunDir
from ganzoo.tools.sweep.spec import TRIALS_DIR, SweepSpec
from ganzoo.tools.sweep.study import owner, surplus
from ganzoo.tools.sweep.trials import suggest, trial_config

#: Metrics where lower is better; every other float an evaluation stores needs --direction,
#: except those in :data:`HIGHER_IS_BETTER`.
LOWER_IS_BETTER: tuple[str, ...] = ("fid", "fid_scaled", "kid_mean")
HIGHER_IS_BETTER: tuple[str, ...] = (
    "score", "classifier_score_mean", "inception_score_mean", "precision", "recall",
    "density", "coverage", "conditional_accuracy",
)  # fmt: skip
SCORE = "score"  # the extractor's score: IS under Inception, the classifier score otherwise
PRUNED = "pruned by the sweep's median pruner"  # the run's stopped_by, then " at step N"


class TrialFailed(Exception):
    """A trial's run raised; its one-line error is the trial's ``error`` attribute."""


def objectives() -> list[str]:
    """Every metric key a trial may be scored by: the numbers an evaluation stores."""
    from ganzoo.metrics.results import EvalResult

    keys = [
        f.name
        for f in dataclasses.fields(EvalResult)
        if str(f.type).replace(" | None", "") == "float"
    ]
    return sorted({SCORE, *keys})


def direction_of(objective: str, direction: str | None) -> str:
    """``direction``, else the metric's own (``minimize`` for FID and KID, ...).

    :raises UsageError: an unknown metric, or one with no known direction and none given.
    """
    from ganzoo.api.errors import unknown_name_message

    valid = objectives()
    if objective not in valid:
        raise UsageError(unknown_name_message("objective", objective, valid))
    if direction is not None:
        if direction not in ("minimize", "maximize"):
            raise UsageError(f"--direction must be minimize or maximize, got {direction!r}")
        return direction
    if objective in LOWER_IS_BETTER:
        return "minimize"
    if objective in HIGHER_IS_BETTER:
        return "maximize"
    raise UsageError(f"objective {objective!r} has no natural direction: give --direction")


def metric_value(result: Mapping[str, Any], objective: str) -> float:
    """The objective's value in an evaluation; one line naming what it holds if absent."""
    if objective == SCORE:
        value = result.score()[0] if hasattr(result, "score") else None
    else:
        value = result.get(objective)
    if not isinstance(value, int | float) or isinstance(value, bool):
        have = sorted(k for k, v in result.items() if isinstance(v, float))
        raise UsageError(
            f"objective {objective!r} is not in the evaluation at step {result.get('step')} "
            f"(it holds {', '.join(have)})"
        )
    return float(value)


class Objective:
    """optuna's objective for one trial of ``spec`` (``study.optimize(..., n_trials=1)``).

    ``release`` is called first thing (the claim on a trial slot, see
    :mod:`ganzoo.tools.sweep.workers`); ``log`` gets one line as each trial starts and ends.
    """

    def __init__(
        self,
        spec: SweepSpec,
        fixed: dict[str, Any],
        threads: int | None,
        release: Callable[[], None] = lambda: None,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.spec, self.fixed, self.threads = spec, fixed, threads
        self.release, self.log = release, log
        self.number: int | None = None  # the trial in progress

    def __call__(self, trial: Any) -> float:
        import optuna

        self.number = trial.number
        try:
            folder = str(Path(self.spec.folder).absolute())
            for key, value in {"folder": folder, **owner()}.items():
                trial.set_user_attr(key, value)
            trials = trial.study.get_trials(deepcopy=False)
            if surplus(trials, trial.number, self.spec.trials):
                trial.set_user_attr("surplus", True)
                raise TrialFailed("surplus")
        finally:
            self.release()
        params = suggest(trial, self.spec.space)
        run_dir = self.run_folder(trial)
        trial.set_user_attr("run_dir", str(run_dir))
        shown = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
        self.log(f"trial {trial.number}: {shown}  ({run_dir})")
        reporter = Reporter(trial, self.spec)
        start = time.perf_counter()
        try:
            config = trial_config(self.fixed, params, run_dir, self.threads)
            value, stopped_by = run_trial(config, run_dir, reporter)
        except GanzooError as exc:
            if _interrupted(exc):
                trial.set_user_attr("interrupted", True)
                raise
            return self._failed(trial, " ".join(str(exc).split()))
        except Exception as exc:  # a bug or a plugin's crash: recorded, and the sweep goes on
            return self._failed(trial, f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        seconds = time.perf_counter() - start
        if stopped_by.startswith(PRUNED):
            self.log(f"trial {trial.number} {stopped_by}: {self.spec.objective} {value:.4g}")
            raise optuna.TrialPruned(stopped_by)
        self.log(
            f"trial {trial.number} complete: {self.spec.objective} {value:.4g} ({seconds:.1f}s)"
        )
        return value

    def _failed(self, trial: Any, message: str) -> float:
        trial.set_user_attr("error", message)
        self.log(f"trial {trial.number} failed: {message}")
        raise TrialFailed(message)

    def run_folder(self, trial: Any) -> Path:
        """The trial's run folder: the one it redoes, if that is this sweep's, else a new one."""
        trials = (Path(self.spec.folder) / TRIALS_DIR).absolute()
        inherited = trial.user_attrs.get("run_dir")
        if inherited and Path(inherited).parent == trials:
            return Path(inherited)
        return trials / f"trial_{trial.number:04d}"


class Reporter:
    """The training loop's ``on_eval``: each evaluation reported, and the pruner asked."""

    def __init__(self, trial: Any, spec: SweepSpec) -> None:
        self.trial, self.spec = trial, spec
        self.reported: set[int] = set()
        self.value: float | None = None

    def report(self, result: Mapping[str, Any]) -> float:
        """Report ``result``'s objective at its step (once per step); returns the value."""
        value = metric_value(result, self.spec.objective)
        step = int(result.get("step") or 0)
        if step not in self.reported:
            self.trial.report(value, step)
            self.reported.add(step)
        self.value = value
        return value

    def __call__(self, result: Any) -> str | None:
        self.report(result)
        if self.spec.prune and self.trial.should_prune():
            return f"{PRUNED} at step {result.step}"
        return None


def run_trial(config: Any, run_dir: Path, reporter: Reporter) -> tuple[float, str]:
    """Train ``config`` in ``run_dir`` (or resume it, or read it if it finished already).

    Returns the last evaluation's value and why the run stopped (``summary.json``'s
    ``stopped_by``).
    """
    from ganzoo.metrics.results import load_results
    from ganzoo.training.loop import resume, train

    run = RunDir(run_dir)
    if (run_dir / CONFIG).is_file():
        summary = run.read_summary()
        if summary.get("eval"):  # it finished before its process died: read it
            return reporter.report(summary["eval"]), str(summary.get("stopped_by", "steps"))
        latest = run.latest_checkpoint()
        step = RunDir.checkpoint_step(latest) if latest is not None else None
        target = (run.read_config().get("resolved") or {}).get("steps")
        if step is not None and (target is None or step < target):
            for result in load_results(run_dir):  # what the trial it redoes had reported
                if result.step is not None and result.step <= step and result.checkpoint is None:
                    reporter.report(result)
            result = resume(run_dir, progress=_Silent(), on_eval=reporter)
            return _value(reporter, run_dir), result.stopped_by
    if run_dir.exists():  # killed before its first checkpoint, or at its very end: run it again
        shutil.rmtree(run_dir)
    result = train(config, _Silent(), on_eval=reporter)
    return _value(reporter, run_dir), result.stopped_by


class _Silent:
    """A trial's progress: nothing shown (the sweep prints a line per trial; the run folder
    holds every evaluation and log line)."""

    def start(self, title: str, total: int | None, completed: int) -> None:
        """Nothing to show."""

    def update(self, step: int, stats: dict[str, float]) -> None:
        """Nothing to show."""

    def message(self, text: str) -> None:
        """Dropped."""

    def stop(self) -> None:
        """Nothing to close."""


def _value(reporter: Reporter, run_dir: Path) -> float:
    if reporter.value is None:
        raise UsageError(f"run {run_dir} made no evaluation to score the trial by")
    return reporter.value


def _interrupted(exc: BaseException) -> bool:
    from ganzoo.training.signals import Interrupted

    return isinstance(exc, Interrupted)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
