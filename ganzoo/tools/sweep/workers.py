"""Workers: processes that take trials from one study until it has its trials.

Each worker loops: claim a trial slot (a file lock in the sweep folder, so the workers of one
command never start more trials than asked), run one trial with optuna's
``study.optimize(n_trials=1)`` (which keeps its heartbeat), and stop once the study has its
trials finished. While every remaining trial is running elsewhere, a worker waits, checking
for trials whose heartbeat stopped (their process died), which it then redoes.

``--workers N`` starts N child processes (``python -m ganzoo.tools.sweep.workers``), each
with ``cores // N`` threads. They inherit the sweep folder's lock, so a second command on
the folder is refused until the last of them has ended, and each ends when its parent dies.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganzoo.host.children import child_main, run_children
from ganzoo.tools.sweep.objective import Objective, TrialFailed
from ganzoo.tools.sweep.spec import SweepSpec, spec_from_json, spec_to_json
from ganzoo.tools.sweep.study import (
    load_existing,
    open_storage,
    quiet_optuna,
    requeue,
    storage_url,
    study_name,
    tally,
)
from ganzoo.training.signals import Interrupted

CLAIM = ".claim.lock"  # held while a worker counts the trials and starts one
POLL_SECONDS = 2.0  # how often a waiting worker looks at the study again
ENV_THREADS = "GANZOO_SWEEP_THREADS"


def threads_per_worker(workers: int) -> int:
    """``cores // workers`` (at least one): the CPU threads each worker's trials use."""
    from ganzoo.host.device import cores_available

    return max(1, cores_available() // max(1, workers))


class Claim:
    """An exclusive file lock, taken and given back around starting a trial."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        self.held = False

    def acquire(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.held = True

    def release(self) -> None:
        if self.held:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        self.release()
        os.close(self.fd)


def make_sampler(spec: SweepSpec, offset: int) -> Any:
    """The spec's sampler, seeded with ``spec.seed + offset`` (each worker its own draws)."""
    import optuna

    seed = spec.seed + offset
    with quiet_optuna():
        if spec.sampler == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def make_pruner(spec: SweepSpec) -> Any:
    """optuna's median pruner fed by each trial's evaluations (none with ``prune=False``)."""
    import optuna

    if not spec.prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=spec.pruner_startup_trials)


def work(
    spec: SweepSpec,
    fixed: dict[str, Any],
    index: int = 0,
    threads: int | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> None:
    """Run trials of ``spec``'s study until it has ``spec.trials`` finished.

    ``fixed`` is the effective fixed options (the study's record); ``index`` numbers this
    worker (its sampler's seed offset); ``threads`` is each trial's CPU threads.
    """
    import optuna

    url = storage_url(spec)
    storage = open_storage(url, (spec.heartbeat_interval, spec.grace_period))
    study = load_existing(storage, study_name(spec), url)
    offset = 1000 * index + len(study.get_trials(deepcopy=False))  # a resumed sweep draws anew
    study.sampler, study.pruner = make_sampler(spec, offset), make_pruner(spec)
    claim = Claim(Path(spec.folder) / CLAIM)
    objective = Objective(spec, fixed, threads, claim.release, log)
    try:
        while True:
            claim.acquire()
            with quiet_optuna():
                optuna.storages.fail_stale_trials(study)
                finished, running = tally(study.get_trials(deepcopy=False))
            if finished >= spec.trials:
                return
            if finished + running >= spec.trials:  # the rest are running: wait for them
                claim.release()
                time.sleep(POLL_SECONDS)
                continue
            objective.number = None
            try:
                with quiet_optuna():
                    study.optimize(objective, n_trials=1, catch=(TrialFailed,))
            except BaseException as exc:  # SIGINT/SIGTERM (a checkpoint saved): redo it
                if objective.number is None:
                    raise
                requeue(study, _trial(study, objective.number))
                if isinstance(exc, Interrupted):  # its hint names ganzoo train: say ours
                    raise Interrupted(
                        f"{str(exc).split(';')[0]} of trial {objective.number}, whose checkpoint "
                        "is saved; the same ganzoo sweep command continues the study",
                        exc.exit_code,
                    ) from None
                raise
            finally:
                claim.release()
    finally:
        claim.close()


def _trial(study: Any, number: int) -> Any:
    return next(t for t in study.get_trials(deepcopy=False) if t.number == number)


# --- several processes ------------------------------------------------------------------------


def run_workers(
    spec: SweepSpec,
    fixed: dict[str, Any],
    lock_fd: int,
    log: Callable[[str], None] | None = None,
) -> None:
    """Run ``spec.workers`` child processes on the study and wait for all of them.

    Each child holds ``lock_fd`` (the sweep folder's lock) open while it lives. A child's
    error is raised here, as one line; on Ctrl-C every child saves its trial and stops.
    ``log`` gets the parent's lines; the children print theirs where it is given.
    """
    threads = threads_per_worker(spec.workers)
    say = log or (lambda line: None)
    run_children(
        "ganzoo.tools.sweep.workers",
        {"spec": spec_to_json(spec), "fixed": fixed, "log": log is not None},
        [{ENV_THREADS: str(threads)}] * spec.workers,
        pass_fds=(lock_fd,),
        started=lambda i, pid: say(f"worker {i} started (pid {pid}, {threads} thread(s))"),
    )


def _child(payload: dict[str, Any], index: int, log: Callable[[str], None]) -> None:
    """A child worker: run trials of the payload's spec with this worker's threads."""
    import torch

    threads = int(os.environ[ENV_THREADS])
    torch.set_num_threads(threads)
    work(spec_from_json(payload["spec"]), payload["fixed"], index, threads, log)


if __name__ == "__main__":
    sys.exit(child_main(_child))
