"""The steps of a prepared session, to the run's end: each step, the log lines and figures
it is due, checkpoints, ``--eval-every`` evaluations (and the ``on_eval`` callback), a time
budget, a signal (save and stop), divergence, and ``summary.json`` at the end.

:mod:`ganzoo.training.loop` starts or resumes a run and hands its session here; what one
step does is the family's trainer (:mod:`ganzoo.training.trainer`).
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ganzoo.host import collector
from ganzoo.host.device import intra_op_threads
from ganzoo.training import distributed
from ganzoo.training.figures import plot_loss_curves
from ganzoo.training.health import ALERT_AFTER_STEPS, collapse_alert
from ganzoo.training.progress import Progress
from ganzoo.training.records import (
    due,
    dynamics_grid,
    figures,
    log_line,
    snapshot,
    stop_if_diverged,
    watch_collapse,
)
from ganzoo.training.result import TrainResult
from ganzoo.training.session import UNBOUNDED, Session, evaluate_now
from ganzoo.training.signals import SIGNAL_EXIT, Interrupted, interruptible, signals_caught
from ganzoo.training.state import DivergenceGuard

if TYPE_CHECKING:
    from ganzoo.metrics.results import EvalResult


def run_steps(s: Session, progress: Progress) -> TrainResult:
    """Train ``s`` from its step to its end (on the CPU, with the session's thread count);
    the run's :class:`TrainResult`."""
    if s.device.type != "cpu":
        return _train_steps(s, progress)
    with intra_op_threads(s.threads):
        return _train_steps(s, progress)


def _train_steps(s: Session, progress: Progress) -> TrainResult:
    """Step until the run's length, its time budget or a signal; then the summary."""
    collector.built()  # what was built lives for the run: the collector need not scan it
    grid = dynamics_grid(s.data)
    guard = DivergenceGuard(s.device)
    clock = _Clock(time.perf_counter())
    last_eval = None
    _start(s, progress, grid)
    try:
        with signals_caught() as caught:
            while s.step < s.total_steps:
                _one_step(s, guard)
                out_of_time, stop = _stop_flags(s, caught, clock)
                last = s.step == s.total_steps or out_of_time
                _records(s, guard, progress, grid, clock, last)
                saved = due(s.step, s.plan.checkpoint_every, last)
                if saved:
                    _checkpoint(s, guard, clock.elapsed(s))
                    clock.start = time.perf_counter()
                # --- evaluations of --eval-every (a signal cuts one short) ---
                if s.config.eval_every and not stop and due(s.step, s.config.eval_every, last):
                    stop_if_diverged(s, guard)  # every rank: it is a collective
                    measured = None
                    if s.evaluator is not None:
                        with interruptible(caught):
                            measured, seconds = _evaluate(s, progress)
                            clock.start += seconds  # evaluation time is not training time
                        if measured is not None:
                            last_eval = measured
                    # one process stops now; several learn of it at the next step's flags
                    stop = stop or (not s.env.enabled and "signal" in caught)
                    if not stop and _stopped_by_callback(s, measured, last):
                        # the run ends here, as at its last step: log line, grid, checkpoint
                        if s.since_log:
                            _records(s, guard, progress, grid, clock, last=True)
                        if not saved:
                            _checkpoint(s, guard, clock.elapsed(s))
                        s.total_steps = s.step
                if stop:
                    _interrupt(s, guard, caught["signal"], saved, clock)
                if out_of_time:
                    s.total_steps = s.step
    finally:
        if s.env.is_main:
            progress.stop()
        if s.board is not None:
            s.board.close()
            s.board = None
    return _finish(s, last_eval)


def _stopped_by_callback(s: Session, measured: EvalResult | None, last: bool) -> bool:
    """Hand ``s.on_eval`` the evaluation just made; whether it stops the run before ``last``.

    Every rank learns the answer (the evaluation, and so the answer, is the main process's).
    """
    if s.on_eval is None:
        return False
    reason = s.on_eval(measured) if measured is not None else None
    if s.env.enabled:
        reason = distributed.broadcast_object(reason, s.env)
    if reason and not last:
        s.stopped_by = str(reason)
    return bool(reason)


@dataclass
class _Clock:
    """When this session's training time started counting (moved on past evaluations)."""

    start: float

    def elapsed(self, s: Session) -> float:
        """Training seconds of the run: earlier sessions' and this one's."""
        return s.seconds + time.perf_counter() - self.start


def _start(s: Session, progress: Progress, grid: torch.Tensor | None) -> None:
    """Before the first step: the 1-D figure's first panel, the progress bar, TensorBoard."""
    if not s.env.is_main:
        return
    if grid is not None and s.step == 0:  # the figure starts before any training
        snapshot(s, 0, grid)
    total = s.total_steps if s.total_steps < UNBOUNDED else None
    progress.start(s.plan.title, total, s.step)
    if getattr(s.model, "objective_note", None):  # what the logged loss terms are
        progress.message(s.model.objective_note)
    if s.config.tensorboard:
        from ganzoo.training.tensorboard import Board

        s.board = Board(s.run.path, resumed_at=s.step)


def _one_step(s: Session, guard: DivergenceGuard) -> None:
    """One step: k D updates and one G update (or the family's own), statistics summed."""
    s.step += 1
    stats = s.trainer.step(s.stream)
    if s.ema is not None:
        s.ema.update()
    values = torch.stack(list(stats.values()))
    s.keys = list(stats)
    guard.observe(s.step, s.keys, values)
    s.window = values if s.window is None else s.window + values
    s.since_log += 1


def _stop_flags(s: Session, caught: dict[str, int], clock: _Clock) -> tuple[bool, bool]:
    """(out of time, a signal came): the same on every rank, so all stop at one step."""
    out_of_time = s.config.time_budget is not None and clock.elapsed(s) >= s.config.time_budget
    if s.env.enabled:  # every rank must stop at the same step
        flags = torch.tensor(
            [caught.get("signal", 0), int(out_of_time)], device=s.device
        )  # collectives run on the training device (NCCL takes CUDA tensors only)
        flags = distributed.max_across_ranks(flags, s.env).tolist()
        if flags[0]:
            caught.setdefault("signal", int(flags[0]))
        out_of_time = bool(flags[1])
    return out_of_time, "signal" in caught


def _records(
    s: Session,
    guard: DivergenceGuard,
    progress: Progress,
    grid: torch.Tensor | None,
    clock: _Clock,
    last: bool,
) -> None:
    """The log line (with the collapse watch) and, per --sample-every epochs, the figures."""
    main = s.env.is_main
    if due(s.step, s.config.log_every, last):
        stop_if_diverged(s, guard)
        log_line(s, clock.elapsed(s))
        if main:
            progress.update(s.step, s.final)
            if s.board is not None:
                s.board.log(s.step, s.final)
            alert = None
            if s.step >= ALERT_AFTER_STEPS:  # a fresh G's samples are all alike
                alert = collapse_alert(s.final, "training batches" in s.alerts)
            watch_collapse(s, progress, alert, "training batches")
    end_of_epoch = due(s.step, s.steps_per_epoch, last)
    epoch = s.epoch_of(s.step)
    # the first epoch's grid always: where the run started from
    if end_of_epoch and (epoch == 1 or due(epoch, s.config.sample_every, last)):
        stop_if_diverged(s, guard)  # never a sample grid of a NaN model
        if main:
            figures(s, epoch, grid)


def _interrupt(s: Session, guard: DivergenceGuard, sig: int, saved: bool, clock: _Clock) -> None:
    """Save the step (unless just saved) and stop with the signal's exit code."""
    if not saved:
        _checkpoint(s, guard, clock.elapsed(s))
    raise Interrupted(
        f"{signal.Signals(sig).name} at step {s.step}; checkpoint saved; resume "
        f"with: ganzoo train --resume {s.run.path}",
        SIGNAL_EXIT[signal.Signals(sig)],
    )


def _checkpoint(s: Session, guard: DivergenceGuard, elapsed: float) -> None:
    """Save a checkpoint of the current step, never of a diverged model."""
    stop_if_diverged(s, guard)
    s.seconds = elapsed
    state = s.state_dict()  # every rank takes part (random states are gathered)
    if s.env.is_main:
        s.run.save_checkpoint(state, s.step, s.config.keep_checkpoints)
        if s.board is not None:
            s.board.flush()


def _finish(s: Session, last_eval: EvalResult | None) -> TrainResult:
    """Loss curves and ``summary.json``, written once the last step is done."""
    config, run = s.config, s.run
    identical = distributed.replicas_identical(s.model, s.env)
    stopped_by = s.stopped_by or (
        "time budget" if config.time_budget and s.seconds >= config.time_budget else "steps"
    )
    if not s.env.is_main:
        return TrainResult(run.path, s.step, s.seconds, s.final, stopped_by)
    plot_loss_curves(run.read_metrics(), run.path / "loss_curves.png", s.equilibrium)
    run.write_summary(
        {
            "processes": s.env.world_size,
            "replicas_identical": identical,
            "steps": s.step,
            "epochs": s.step / s.steps_per_epoch,
            "seconds": round(s.seconds, 3),
            "images_per_second": round(s.images / max(s.seconds, 1e-9), 1),
            # the share of training time the loop spent drawing batches (ganzoo's data path)
            "data_wait_share": round(s.stream.wait_seconds / max(s.seconds, 1e-9), 4),
            "stopped_by": stopped_by,
            "final": s.final,
            **({"eval": last_eval.to_dict()} if last_eval else {}),
        }
    )
    return TrainResult(run.path, s.step, s.seconds, s.final, stopped_by)


def _evaluate(s: Session, progress: Progress) -> tuple[EvalResult, float]:
    from ganzoo.metrics.results import summary_line

    result, seconds = evaluate_now(s)
    progress.message(summary_line(result))
    if s.board is not None:
        s.board.evaluation(s.step, result)
    reasons = "; ".join((result.health or {}).get("reasons", []))
    watch_collapse(s, progress, f"mode collapse: {reasons}" if reasons else None, "evaluation")
    return result, seconds
