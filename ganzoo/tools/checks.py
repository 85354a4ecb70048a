"""Checks a command makes on every run it is given before it measures or writes anything.

    for path in paths:
        check_run_usable(path)

``ganzoo compare RUN BROKEN`` must refuse BROKEN before it evaluates RUN and stores RUN's
result: a refused command changes no run.
"""

from __future__ import annotations

from pathlib import Path

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.runs.rundir import RunDir


def check_run_usable(path: str | Path, *, need_checkpoint: bool = True) -> None:
    """Refuse (one line naming the run) a run whose config, summary or newest checkpoint
    cannot be read; the checkpoint is loaded with ``weights_only=True``
    (:meth:`RunDir.load_checkpoint`), so nothing in it runs. Without ``need_checkpoint``
    (results stored already) a run may have none, but one it has must load."""
    run = RunDir.open(path)
    run.read_config()
    if not run.read_summary():
        raise UsageError(f"run {run.path} has not finished (no summary.json); nothing to compare")
    latest = run.latest_checkpoint()
    if latest is None:
        if not need_checkpoint:
            return
        raise UsageError(f"run {run.path} has no checkpoint to measure")
    try:
        run.load_checkpoint(latest)
    except GanzooError as exc:
        raise UsageError(f"run {run.path} cannot be measured: {exc}") from exc


def check_runs_usable(paths: list[str | Path], *, need_checkpoint: bool = True) -> None:
    """:func:`check_run_usable` on each of ``paths``, in order, before any is used."""
    for path in paths:
        check_run_usable(path, need_checkpoint=need_checkpoint)
