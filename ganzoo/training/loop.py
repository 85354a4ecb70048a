"""The training loop: a prepared session in; a run folder out.

    config = TrainConfig(model="vanilla", loss="nonsat", dataset="digits", steps=200)
    result = train(config)
    result = resume("runs/vanilla-nonsat-digits-...")  # after a crash, bit-exact

The loop knows steps, logging, figures, checkpoints, evaluations, interrupts and
divergence. What one step does is the family's trainer (:mod:`ganzoo.training.trainer`);
what was built is the session (:mod:`ganzoo.training.session`); how progress is shown is
the caller's (a :class:`Progress`; the CLI passes a rich progress bar).
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from ganzoo.api.errors import UsageError
from ganzoo.host import collector
from ganzoo.host.device import intra_op_threads, resolve_device
from ganzoo.runs.rundir import DYNAMICS, METRICS, RunDir
from ganzoo.runs.unfinished import removed_if_unfinished
from ganzoo.training import distributed
from ganzoo.training.config import TrainConfig
from ganzoo.training.distributed import DistEnv
from ganzoo.training.figures import plot_loss_curves
from ganzoo.training.health import ALERT_AFTER_STEPS, collapse_alert
from ganzoo.training.progress import Progress, Quiet
from ganzoo.training.records import (
    Diverged,
    due,
    dynamics_grid,
    figures,
    log_line,
    snapshot,
    stop_if_diverged,
    watch_collapse,
)
from ganzoo.training.restart import after_restart
from ganzoo.training.result import EvalCallback, TrainResult
from ganzoo.training.session import (
    UNBOUNDED,
    Session,
    config_record,
    evaluate_now,
    prepare,
)
from ganzoo.training.signals import SIGNAL_EXIT, Interrupted, interruptible, signals_caught
from ganzoo.training.state import DivergenceGuard

if TYPE_CHECKING:
    from ganzoo.metrics.results import EvalResult

__all__ = [
    "Diverged", "EvalCallback", "Interrupted", "Progress", "Quiet", "TrainResult", "due",
    "dynamics_grid", "resume", "train",
]  # fmt: skip


def train(
    config: TrainConfig,
    progress: Progress | None = None,
    *,
    overwrite: bool = False,
    on_eval: EvalCallback | None = None,
) -> TrainResult:
    """Train ``config.model`` with ``config.loss`` on ``config.dataset`` (see TrainConfig).

    ``config`` is not changed: the resolved values are in the run's ``config.json``.
    ``overwrite`` replaces an earlier run in ``config.out``, only once everything else has
    been checked and built: a refused command never deletes anything. ``on_eval`` sees each
    evaluation of ``config.eval_every`` and may stop the run early (:data:`EvalCallback`):
    the run then ends as a finished, shorter one (checkpoint, curves, ``summary.json``).

    Restart-safe under ``torchrun --max-restarts N``: when torchrun restarts the workers
    after one died, the same command runs again, and a run in ``config.out`` that this
    torchrun job started is resumed from its newest checkpoint (or replaced if it had
    none yet) rather than refused (see :func:`ganzoo.training.restart.after_restart`).
    """
    from ganzoo.training.config import check

    progress = progress or Quiet()
    components = check(config)  # every name looked up here, once
    env = distributed.from_environment()
    device = distributed.init(env, resolve_device(config.device))
    finished = False
    try:
        restart = after_restart(config, env)
        if restart is not None:
            if env.is_main:
                progress.message(f"torchrun restart {env.restart}: {restart.message}")
            if restart.action == "resume":
                result = resume(Path(str(config.out)), progress=progress)
                finished = True
                return result
            if restart.action == "finished":
                finished = True
                return restart.result  # type: ignore[return-value]
            overwrite = True  # "replace": the job's own run, killed before a checkpoint
        _check_device_options(config, env, device)
        if config.out:
            out = Path(str(config.out))
            check = RunDir.check_replaceable if overwrite else RunDir.check_new
            distributed.on_main(lambda: check(out), env)
        session = prepare(config, env, device, components=components)  # errors before the folder
        session.on_eval = on_eval
        if overwrite and env.is_main:
            session.run.remove()  # the old run goes only now, with nothing left to refuse
        # a failure before the first checkpoint leaves nothing that refuses the same command
        with (
            removed_if_unfinished(session.run, env.is_main),
            _main_only_lock(session.run, env, create=True),
        ):
            if env.is_main:
                session.run.write_config(config_record(session))
            result = _run(session, progress)
        finished = True
        return result
    finally:
        distributed.shutdown(env, together=finished)


def _check_device_options(config: TrainConfig, env: DistEnv, device: torch.device) -> None:
    """Options that only some devices support, refused before anything is built."""
    if config.sync_bn and device.type != "cuda":
        raise UsageError(
            f"--sync-bn needs CUDA devices (SyncBatchNorm runs on GPUs only), but this run "
            f"is on {device.type}; drop --sync-bn"
        )


def resume(
    run_dir: str | Path,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    device: str | None = None,
    progress: Progress | None = None,
    on_eval: EvalCallback | None = None,
) -> TrainResult:
    """Continue a run from its newest good checkpoint, as if it had never stopped.

    ``steps`` or ``epochs`` extend (or set) the run's length; ``device`` moves it;
    ``on_eval`` is :func:`train`'s.
    """
    progress = progress or Quiet()
    run = RunDir.open(run_dir)
    env = distributed.from_environment()
    with _main_only_lock(run, env):
        stored = run.read_config()
        config = TrainConfig.from_dict(stored["config"])
        if steps is not None or epochs is not None:
            config.steps, config.epochs = steps, epochs
        if device is not None:
            config.device = device
        config.validate()
        torch_device = distributed.init(env, resolve_device(config.device))
        found = distributed.on_main(lambda: run.load_good_checkpoint(progress.message), env)
        # every rank resumes from the checkpoint rank 0 chose
        path = Path(distributed.broadcast_object(str(found[1]) if found else None, env))
        state = found[0] if found else run.load_checkpoint(path)
        session = prepare(config, env, torch_device, run)
        session.on_eval = on_eval
        _check_same_subset(stored.get("subset"), session.subset, run)
        session.load_state_dict(state)
        if session.step >= session.total_steps:
            raise UsageError(
                f"run {run.path} already reached step {session.step} of {session.total_steps}; "
                "pass --steps or --epochs to train further"
            )
        if env.is_main:
            run.truncate_jsonl(METRICS, session.step)
            run.prune_checkpoints(config.keep_checkpoints)  # what a kill left over
            run.remove_torn_files()
            run.truncate_jsonl(DYNAMICS, session.step)
            if steps is not None or epochs is not None or device is not None:
                run.write_config(config_record(session))
            progress.message(f"resuming {run.path} at step {session.step} from {path.name}")
        finished = False
        try:
            result = _run(session, progress)
            finished = True
            return result
        finally:
            distributed.shutdown(env, together=finished)


def _check_same_subset(stored: dict | None, now: dict | None, run: RunDir) -> None:
    """A resumed run trains on the images it began with, or is refused.

    The subset is drawn again from the stored ``--data-fraction``/``--data-limit`` and
    ``--data-seed``; if the split changed since (other files, another dataset version), the
    positions differ and continuing would train a different experiment.
    """
    before = (stored or {}).get("index_sha256")
    after = (now or {}).get("index_sha256")
    if before != after:
        raise UsageError(
            f"run {run.path} trained on a subset of the data that its dataset no longer gives "
            f"(index hash {str(before)[:12]}, now {str(after)[:12]}); the training images "
            "changed since, so it cannot resume"
        )


@contextlib.contextmanager
def _main_only_lock(run: RunDir, env: DistEnv, create: bool = False) -> Iterator[None]:
    """Rank 0 creates and locks the run folder; the other ranks write nothing."""
    if not env.is_main:
        yield
        return
    if create:
        run.create()
    with run.lock():
        yield


def _run(s: Session, progress: Progress) -> TrainResult:
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
