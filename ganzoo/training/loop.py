"""The training loop's entry points: start a run, or resume one; a run folder out.

    config = TrainConfig(model="vanilla", loss="nonsat", dataset="digits", steps=200)
    result = train(config)
    result = resume("runs/vanilla-nonsat-digits-...")  # after a crash, bit-exact

Here: every check before anything is written, the run folder and its lock, a checkpoint
chosen and loaded, torchrun's restarts. What was built is the session
(:mod:`ganzoo.training.session`); the steps to the run's end, with their logging, figures,
checkpoints, evaluations, interrupts and divergence, are :mod:`ganzoo.training.steps`;
what one step does is the family's trainer (:mod:`ganzoo.training.trainer`); how progress
is shown is the caller's (a :class:`Progress`; the CLI passes a rich progress bar).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import torch

from ganzoo.api.errors import UsageError
from ganzoo.host.device import resolve_device
from ganzoo.runs.rundir import DYNAMICS, METRICS, RunDir
from ganzoo.runs.unfinished import removed_if_unfinished
from ganzoo.training import distributed
from ganzoo.training.config import TrainConfig
from ganzoo.training.distributed import DistEnv
from ganzoo.training.progress import Progress, Quiet
from ganzoo.training.records import Diverged, due, dynamics_grid
from ganzoo.training.restart import after_restart
from ganzoo.training.result import EvalCallback, TrainResult
from ganzoo.training.session import config_record, prepare
from ganzoo.training.signals import Interrupted
from ganzoo.training.steps import run_steps

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
            result = run_steps(session, progress)
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
            result = run_steps(session, progress)
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
