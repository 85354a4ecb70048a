"""Rows side by side: ``ganzoo reproduce --workers N`` trains whole rows in N processes.

Each worker process takes the next row nobody holds (an OS file lock,
``OUT/.rows/DATASET-ROW.lock``), runs its search one trial at a time and then its re-runs,
and moves on; it is pinned to its share of the cores (one of two on a 2-core machine), so
every run it trains takes that many threads (:func:`ganzoo.host.device.cores_available`).
When the workers have ended, the command reads each row's outcome from the folder.

Why whole rows rather than N workers on one row's trials: a row's trials differ tenfold in
cost (five D updates at batch 128 against one at 32), so workers sharing one search idle
while its last trial runs, and a row's re-runs must wait for its search. Rows are
independent. A row's search run by one process is also the same search whatever N is: its
sampler draws the trials in order from the study's seed, so ``--workers 2`` trains the
runs ``--workers 1`` would.

A kill loses nothing: a killed worker's lock dies with it, and the same command continues
its row (the search redoes the stopped trial, a re-run resumes from its checkpoint).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ganzoo.host.children import child_main, run_children
from ganzoo.runs.files import try_lock
from ganzoo.tools.reproduce.options import ReproduceOptions
from ganzoo.tools.reproduce.runs import row_done
from ganzoo.tools.reproduce.study import Study

ROWS_FOLDER = ".rows"  # the rows' locks, in the study's folder


def core_share(index: int, workers: int, cores: list[int] | None = None) -> set[int]:
    """The cores worker ``index`` of ``workers`` runs on: every ``workers``-th one of those
    this process may use, from the ``index``-th; with more workers than cores, one core."""
    cores = sorted(cores if cores is not None else _cores())
    return set(cores[index::workers]) or {cores[index % len(cores)]}


def _cores() -> set[int]:
    """The cores this process may run on (all of them where the OS cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def claimed(out: Path, dataset: str, row: str) -> contextlib.AbstractContextManager[bool]:
    """The row's lock, held while the block runs; it yields False where another process
    holds it (that process trains the row)."""
    return try_lock(out / ROWS_FOLDER / f"{dataset}-{row}.lock")


def work(options: ReproduceOptions, study: Study, log: Callable[[str], None]) -> None:
    """Train every row no other worker holds, one after another, in this process."""
    from ganzoo.tools.reproduce.protocol import run_row
    from ganzoo.tools.reproduce.search import optuna_search

    one = dataclasses.replace(options, workers=1)  # this process runs the row's trials
    search = functools.partial(optuna_search, log=log)
    out = Path(str(options.out))
    for dataset in options.datasets or ():
        for row in study.rows:
            with claimed(out, dataset, row.name) as mine:
                if mine and not row_done(out, dataset, row.name, options.seeds):
                    run_row(one, study, row, dataset, search, None, log)


def run_rows_in_processes(
    options: ReproduceOptions, study: Study, log: Callable[[str], None] | None = None
) -> None:
    """Run ``options.workers`` worker processes over the study's rows; wait for all.

    A worker's error is raised here, as one line; on Ctrl-C every worker saves its run and
    stops (they get the terminal's SIGINT too). ``log`` gets the workers' lines.
    """
    from ganzoo.tools.sweep.study import open_storage

    open_storage(options.storage_url)  # its tables made once, here: not by two workers at once
    if log is not None:
        log(f"{options.workers} workers, each training whole rows on its share of the cores")
    run_children(
        "ganzoo.tools.reproduce.pool",
        {"options": to_payload(options, study), "log": log is not None},
        [{}] * options.workers,
    )


def to_payload(options: ReproduceOptions, study: Study) -> dict[str, Any]:
    """``options`` as JSON for a worker process, with the rows of ``study`` (the command's
    choice: every worker trains the same rows the command reports)."""
    return {
        **dataclasses.asdict(options),
        "out": str(options.out),
        "datasets": list(options.datasets or ()),
        "rows": [row.name for row in study.rows] if study.left_out else None,
    }


def from_payload(given: Mapping[str, Any]) -> ReproduceOptions:
    """The options :func:`to_payload` sent."""
    return ReproduceOptions(
        **{
            **given,
            "out": Path(given["out"]),
            "datasets": tuple(given["datasets"]),
            "rows": tuple(given["rows"]) if given["rows"] else None,
        }
    )


def _child(payload: dict[str, Any], index: int, log: Callable[[str], None]) -> None:
    """A worker: pinned to its share of the cores, it trains the rows nobody holds."""
    options = from_payload(payload["options"])
    if hasattr(os, "sched_setaffinity"):  # Linux; elsewhere each run picks its threads
        os.sched_setaffinity(0, core_share(index, options.workers))
    work(options, options.study_rows(), log)


if __name__ == "__main__":
    sys.exit(child_main(_child))
