"""The training loop: a prepared session in; a run folder out.

    result = train(TrainConfig(model="vanilla", loss="nonsat", dataset="digits", steps=200))
    result = resume("runs/vanilla-nonsat-digits-...")  # after a crash, bit-exact

The loop knows steps, logging, figures, checkpoints, evaluations, interrupts and
divergence. What one step does is the family's trainer (:mod:`ganzoo.training.trainer`);
what was built is the session (:mod:`ganzoo.training.session`); how progress is shown is
the caller's (a :class:`Progress`; the CLI passes a rich progress bar).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.host.device import intra_op_threads, resolve_device
from ganzoo.runs.rundir import DYNAMICS, METRICS, RunDir
from ganzoo.training import distributed
from ganzoo.training.config import TrainConfig
from ganzoo.training.distributed import DistEnv
from ganzoo.training.figures import plot_loss_curves, save_samples
from ganzoo.training.health import ALERT_AFTER_STEPS, collapse_alert
from ganzoo.training.session import (
    UNBOUNDED,
    Session,
    config_record,
    evaluate_now,
    prepare,
)
from ganzoo.training.state import DivergenceGuard, non_finite_parameters

SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Diverged(GanzooError):
    """A loss or a weight became NaN or infinite; the last good checkpoint is kept."""

    exit_code = 3


class Interrupted(GanzooError):
    """Stopped by SIGINT or SIGTERM after saving a checkpoint (exit 130 or 143)."""

    prefix = "Stopped"

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class TrainResult:
    """What a finished run left behind."""

    run_dir: Path
    steps: int
    seconds: float
    final: dict[str, float]


class Progress(Protocol):
    """How a run shows its progress; the loop calls these on the main process only."""

    def start(self, title: str, total: int | None, completed: int) -> None:
        """The run begins (or resumes at ``completed`` of ``total`` steps)."""
        ...

    def update(self, step: int, stats: dict[str, float]) -> None:
        """A log line: ``step`` reached, with the mean statistics since the last one."""
        ...

    def message(self, text: str) -> None:
        """A line for the user (a warning, an evaluation's summary)."""
        ...

    def stop(self) -> None:
        """The run ends, by finishing or by an error."""
        ...


class Quiet:
    """No progress bar; messages go to stderr."""

    def start(self, title: str, total: int | None, completed: int) -> None:
        """Nothing to show."""

    def update(self, step: int, stats: dict[str, float]) -> None:
        """Nothing to show."""

    def message(self, text: str) -> None:
        """Print ``text`` to stderr."""
        print(text, file=sys.stderr)

    def stop(self) -> None:
        """Nothing to close."""


def due(step: int, every: int | None, last: bool = False) -> bool:
    """Whether a periodic action (logging, checkpoints, ...) runs at ``step``."""
    return last or (every is not None and step % every == 0)


def train(
    config: TrainConfig, progress: Progress | None = None, *, overwrite: bool = False
) -> TrainResult:
    """Train ``config.model`` with ``config.loss`` on ``config.dataset`` (see TrainConfig).

    ``config`` is not changed: the resolved values are in the run's ``config.json``.
    ``overwrite`` replaces an earlier run in ``config.out``, only once everything else has
    been checked and built: a refused command never deletes anything.
    """
    from ganzoo.training.config import check

    progress = progress or Quiet()
    check(config)
    env = distributed.from_environment()
    device = distributed.init(env, resolve_device(config.device))
    try:
        _check_device_options(config, env, device)
        if config.out:
            out = Path(str(config.out))
            check = RunDir.check_replaceable if overwrite else RunDir.check_new
            distributed.on_main(lambda: check(out), env)
        session = prepare(config, env, device)  # user errors surface before the folder exists
        if overwrite and env.is_main:
            session.run.remove()  # the old run goes only now, with nothing left to refuse
        with _main_only_lock(session.run, env, create=True):
            if env.is_main:
                session.run.write_config(config_record(session))
            return _run(session, progress)
    finally:
        distributed.shutdown(env)


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
) -> TrainResult:
    """Continue a run from its newest good checkpoint, as if it had never stopped.

    ``steps`` or ``epochs`` extend (or set) the run's length; ``device`` moves it.
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
        try:
            return _run(session, progress)
        finally:
            distributed.shutdown(env)


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
    config, run, main = s.config, s.run, s.env.is_main
    grid = dynamics_grid(s.data)
    guard = DivergenceGuard(s.device)
    start = time.perf_counter()
    last_eval = None
    if main and grid is not None and s.step == 0:  # the figure starts before any training
        _snapshot(s, 0, grid)
    if main:
        total = s.total_steps if s.total_steps < UNBOUNDED else None
        progress.start(s.plan.title, total, s.step)
        if getattr(s.model, "objective_note", None):  # what the logged loss terms are
            progress.message(s.model.objective_note)
        if config.tensorboard:
            from ganzoo.training.tensorboard import Board

            s.board = Board(run.path, resumed_at=s.step)
    try:
        with _signals_caught() as caught:
            while s.step < s.total_steps:
                # --- one step: k D updates and one G update (or the family's own) ---
                s.step += 1
                stats = s.trainer.step(s.stream)
                if s.ema is not None:
                    s.ema.update()
                values = torch.stack(list(stats.values()))
                s.keys = list(stats)
                guard.observe(s.step, s.keys, values)
                s.window = values if s.window is None else s.window + values
                s.since_log += 1

                # --- when to stop: the step count, the time budget, a signal on any rank ---
                elapsed = s.seconds + time.perf_counter() - start
                out_of_time = config.time_budget is not None and elapsed >= config.time_budget
                if s.env.enabled:  # every rank must stop at the same step
                    flags = torch.tensor(
                        [caught.get("signal", 0), int(out_of_time)], device=s.device
                    )  # collectives run on the training device (NCCL takes CUDA tensors only)
                    flags = distributed.max_across_ranks(flags, s.env).tolist()
                    if flags[0]:
                        caught.setdefault("signal", int(flags[0]))
                    out_of_time = bool(flags[1])
                last = s.step == s.total_steps or out_of_time
                stop = "signal" in caught  # the same on every rank, after the flags above

                # --- logging ---
                if due(s.step, config.log_every, last):
                    _stop_if_diverged(s, guard)
                    _log(s, elapsed)
                    if main:
                        progress.update(s.step, s.final)
                        if s.board is not None:
                            s.board.log(s.step, s.final)
                        alert = None
                        if s.step >= ALERT_AFTER_STEPS:  # a fresh G's samples are all alike
                            alert = collapse_alert(s.final, "training batches" in s.alerts)
                        _watch_collapse(s, progress, alert, "training batches")

                # --- figures: once per --sample-every epochs, and at the end ---
                end_of_epoch = due(s.step, s.steps_per_epoch, last)
                epoch = s.epoch_of(s.step)
                # the first epoch's grid always: where the run started from
                if end_of_epoch and (epoch == 1 or due(epoch, config.sample_every, last)):
                    _stop_if_diverged(s, guard)  # never a sample grid of a NaN model
                    if main:
                        _figures(s, epoch, grid)

                # --- checkpoints ---
                saved = due(s.step, s.plan.checkpoint_every, last)
                if saved:
                    _checkpoint(s, guard, elapsed)
                    start = time.perf_counter()

                # --- evaluations of --eval-every (a signal cuts one short) ---
                if config.eval_every and not stop and due(s.step, config.eval_every, last):
                    _stop_if_diverged(s, guard)  # every rank: it is a collective
                    if s.evaluator is not None:
                        with _interruptible(caught):
                            last_eval, seconds = _evaluate(s, progress)
                            start += seconds  # evaluation time is not training time
                    # one process stops now; several learn of it at the next step's flags
                    stop = stop or (not s.env.enabled and "signal" in caught)

                if stop:
                    if not saved:
                        _checkpoint(s, guard, s.seconds + time.perf_counter() - start)
                    sig = caught["signal"]
                    raise Interrupted(
                        f"{signal.Signals(sig).name} at step {s.step}; checkpoint saved; resume "
                        f"with: ganzoo train --resume {run.path}",
                        SIGNAL_EXIT[signal.Signals(sig)],
                    )
                if out_of_time:
                    s.total_steps = s.step
    finally:
        if main:
            progress.stop()
        if s.board is not None:
            s.board.close()
            s.board = None
    return _finish(s, last_eval)


def _checkpoint(s: Session, guard: DivergenceGuard, elapsed: float) -> None:
    """Save a checkpoint of the current step, never of a diverged model."""
    _stop_if_diverged(s, guard)
    s.seconds = elapsed
    state = s.state_dict()  # every rank takes part (random states are gathered)
    if s.env.is_main:
        s.run.save_checkpoint(state, s.step, s.config.keep_checkpoints)
        if s.board is not None:
            s.board.flush()


def _finish(s: Session, last_eval: dict[str, Any] | None) -> TrainResult:
    """Loss curves and ``summary.json``, written once the last step is done."""
    config, run = s.config, s.run
    identical = distributed.replicas_identical(s.model, s.env)
    if not s.env.is_main:
        return TrainResult(run.path, s.step, s.seconds, s.final)
    plot_loss_curves(run.read_metrics(), run.path / "loss_curves.png")
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
            "stopped_by": "time budget"
            if config.time_budget and s.seconds >= config.time_budget
            else "steps",
            "final": s.final,
            **({"eval": last_eval} if last_eval else {}),
        }
    )
    return TrainResult(run.path, s.step, s.seconds, s.final)


def _evaluate(s: Session, progress: Progress) -> tuple[dict[str, Any], float]:
    from ganzoo.metrics.results import summary_line

    result, seconds = evaluate_now(s)
    progress.message(summary_line(result))
    if s.board is not None:
        s.board.evaluation(s.step, result)
    health = result.get("health") or {}
    reasons = "; ".join(health.get("reasons", []))
    _watch_collapse(s, progress, f"mode collapse: {reasons}" if reasons else None, "evaluation")
    return result, seconds


def _watch_collapse(s: Session, progress: Progress, alert: str | None, source: str) -> None:
    """Warn once when a mode-collapse alert starts (and note when it ends) in the progress
    output and ``metrics.jsonl``, rather than at every log line while it lasts."""
    was = source in s.alerts
    if alert and not was:
        s.alerts.add(source)
        progress.message(f"warning: step {s.step}: {alert}")
        s.run.append_metrics(
            {"step": s.step, "event": "mode_collapse", "source": source, "alert": alert}
        )
    elif not alert and was:
        s.alerts.discard(source)
        s.run.append_metrics({"step": s.step, "event": "mode_collapse_ended", "source": source})


def _log(s: Session, elapsed: float) -> None:
    means = distributed.mean_across_ranks(s.window, s.env).div(s.since_log)
    s.final = dict(zip(s.keys, means.tolist(), strict=True))
    s.window, s.since_log = None, 0
    if s.env.is_main:
        s.run.append_metrics(
            {
                "step": s.step,
                "epoch": s.epoch_of(s.step),
                "images": s.images,
                "time": round(elapsed, 4),
                **s.final,
            }
        )


def dynamics_grid(data: Any, points: int = 200) -> torch.Tensor | None:
    """For 1-D data, the x grid of the distribution figure: the data's range ± 3 std."""
    samples = getattr(data, "samples", None)
    if data.info.dim != 1 or samples is None:
        return None
    x = samples.reshape(-1).float().cpu()
    spread = 3 * x.std().item()
    return torch.linspace(x.min().item() - spread, x.max().item() + spread, points)


def _figures(s: Session, epoch: int, grid: torch.Tensor | None) -> None:
    with s.sampling():
        path = s.run.path / "samples" / f"epoch_{epoch:04d}.png"
        save_samples(s.model, s.data, path, s.config.seed)
    if s.board is not None and path.exists():
        s.board.image(s.step, path)
    if grid is not None:
        _snapshot(s, epoch, grid)


def _snapshot(s: Session, epoch: int, grid: torch.Tensor) -> None:
    """Record p_data, p_g and D(x) on the grid: a panel of the seed's distribution figure."""
    from ganzoo.metrics.theory import snapshot_1d

    with s.sampling():
        snapshot = snapshot_1d(s.model, s.data, grid, seed=s.config.seed)
    s.run.append_jsonl(DYNAMICS, {"step": s.step, "epoch": epoch, **snapshot})


def _stop_if_diverged(s: Session, guard: DivergenceGuard) -> None:
    if s.env.enabled:  # a bad step seen on any rank stops every rank
        both = distributed.max_across_ranks(torch.stack([guard.first_bad, guard.bad_key]), s.env)
        guard.first_bad, guard.bad_key = both[0], both[1]
    found = guard.check()
    bad_nets = [] if found else non_finite_parameters(s.model)
    if not found and not bad_nets:
        return
    if found:
        step, key = found
        what = f"{key} became non-finite at step {step}"
        network = s.plan.family.network_of(key)
    else:
        step, key, network = s.step, None, ", ".join(bad_nets)
        what = f"weights of the {network} became non-finite by step {step}"
    if s.env.is_main:
        s.run.append_metrics(
            {"step": step, "event": "diverged", "network": network, "statistic": key}
        )
    latest = s.run.latest_checkpoint()
    kept = f"last good checkpoint kept: {latest}" if latest else "no checkpoint was written"
    raise Diverged(f"training diverged: {what} ({network}); {kept}; try a lower --lr")


class _Stop(BaseException):
    """Raised by the signal handler inside :func:`_interruptible` to cut an evaluation short."""


@contextlib.contextmanager
def _interruptible(caught: dict[str, int]) -> Iterator[None]:
    """A signal during this block stops it at once (the evaluation is dropped, not saved)."""
    caught["interruptible"] = 1
    try:
        yield
    except _Stop:
        pass
    finally:
        caught.pop("interruptible", None)


@contextlib.contextmanager
def _signals_caught() -> Iterator[dict[str, int]]:
    """SIGINT/SIGTERM set a flag instead of killing: the loop ends its step, then saves."""
    import threading

    caught: dict[str, int] = {}
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {}

    def handler(signum: int, frame: Any) -> None:
        caught.setdefault("signal", signum)
        if caught.pop("interruptible", None):
            raise _Stop

    for sig in SIGNAL_EXIT:
        previous[sig] = signal.signal(sig, handler)
    try:
        yield caught
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
