"""Reproduce a paper's comparison at a budget you choose: ``ganzoo reproduce STUDY``.

    from ganzoo.tools.reproduce import ReproduceOptions, reproduce
    report = reproduce(ReproduceOptions("lucic2018", budget=8, seeds=3, datasets=("mnist",)))

    study.py     what a study is: rows, published figures, claims; some of its rows (only)
    studies.py   the studies: rows, search spaces, the papers' figures and their sources, claims
    options.py   what the command is asked, checked; the settings a folder records
    search.py    each row's search: an Optuna study, the same budget for every row
    runs.py      the runs: a row's shared options, a re-run with a new seed, train or reuse
    protocol.py  search each row (equal budget), re-run its best setting over seeds, measure
    pool.py      --workers N: N processes, each training whole rows on its share of the cores
    measures.py  the quantities a claim compares, from a run's logs and evaluations
    verdicts.py  intervals over seeds and the verdict of each claim, from the numbers alone
    report.py    report.json and report.md

A folder (``--out``) keeps everything: the settings, the searches' database, every run and
the report; the same command again continues where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.tools.reproduce.options import ReproduceOptions
from ganzoo.tools.reproduce.protocol import (
    check_folder,
    check_inputs,
    measure,
    run_study,
    with_finished_rows,
)
from ganzoo.tools.reproduce.report import build_report, render_markdown, write_report
from ganzoo.tools.reproduce.runs import apply_params
from ganzoo.tools.reproduce.search import SearchFn, SearchOutcome, SearchRequest
from ganzoo.tools.reproduce.studies import STUDIES, Claim, Row, Side, Study, get_study
from ganzoo.tools.reproduce.verdicts import (
    NOT_REPRODUCED,
    NOT_SIGNIFICANT,
    REPRODUCED,
    VERDICTS,
    decide,
    judge,
)

if TYPE_CHECKING:
    from ganzoo.training.progress import Progress

__all__ = [
    "NOT_REPRODUCED", "NOT_SIGNIFICANT", "REPRODUCED", "STUDIES", "VERDICTS", "Claim",
    "ReproduceOptions", "Row", "SearchFn", "SearchOutcome", "SearchRequest", "Side", "Study",
    "apply_params", "build_report", "decide", "get_study", "judge", "render_markdown",
    "reproduce", "write_report",
]  # fmt: skip


def reproduce(
    options: ReproduceOptions,
    *,
    search: SearchFn | None = None,
    progress: Callable[[], Progress] | None = None,
    log: Callable[[str], None] = lambda text: None,
    command: str | None = None,
) -> dict[str, Any]:
    """Run ``options.study`` into ``options.out`` and write its report; return the report.

    Every name, option, dataset and the folder are checked before anything is trained or
    written. ``search`` replaces the Optuna search (:func:`search.optuna_search`) with
    another of the same signature; ``progress`` makes each run's progress display;
    ``command`` is recorded in the report (the command line that made it).
    """
    study, options = options.resolved()
    check_folder(options, study)
    study = with_finished_rows(options, study)
    check_inputs(options, study, check_search=search is None)
    results = run_study(options, study, search=search, progress=progress, log=log)
    measured = measure(options, results, log)
    out = Path(str(options.out))
    seconds = {
        "reruns": sum(run.seconds for m in measured.values() for run in m.comparison.rows),
        "search": sum(
            t.get("seconds") or 0.0
            for rows in results.values()
            for r in rows
            if r.search is not None
            for t in r.search.trials
        ),
    }
    report = build_report(study, options.settings(study), measured, out, seconds)
    report["command"] = command
    write_report(report, out)
    return report
