"""The paper's protocol at a budget the user chooses: search each row, re-run its best
setting over seeds, measure everything alike.

    options = ReproduceOptions("lucic2018", out=Path("runs/lucic"), budget=8, seeds=3)
    report = reproduce(options)            # the same options again continue where it stopped

Per dataset and row: ``budget`` trials of a hyperparameter search (an Optuna study through
:func:`ganzoo.tools.sweep.run_sweep`, every row the same number of trials), then the best
setting trained again with ``seeds`` new seeds (1..K: the search's own seed 0 is left out, so
the re-runs are not the run the search picked for being lucky). Every re-run is then measured
with one extractor and sample count (:func:`ganzoo.tools.compare.compare_runs`), and its logs
give the quantities the claims compare (:mod:`ganzoo.tools.reproduce.measures`).

The folder keeps everything: ``study.json`` (the settings, checked when a command continues),
``study.db`` (the searches), ``search/`` (the trials' runs), ``runs/DATASET/ROW/seedK`` (the
re-runs) and the report.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.api.errors import DataError, UsageError, unknown_name_message
from ganzoo.runs.files import atomic_write_json
from ganzoo.tools.reproduce.options import SETTINGS_FILE, SETTINGS_KEYS, ReproduceOptions, seed_list
from ganzoo.tools.reproduce.runs import (
    base_config,
    rerun_config,
    rerun_folder,
    row_done,
    train_or_reuse,
)
from ganzoo.tools.reproduce.search import (
    SearchFn,
    SearchOutcome,
    optuna_search,
    search_request,
    sweep_spec,
)
from ganzoo.tools.reproduce.studies import DATASET_OPTIONS, Row, Study, get_study

if TYPE_CHECKING:
    from ganzoo.training.progress import Progress


@dataclass
class RowResult:
    """One row on one dataset: its search and its re-runs (paths in seed order)."""

    row: Row
    search: SearchOutcome | None
    params: dict[str, Any]
    runs: list[Path]


def check_folder(options: ReproduceOptions, study: Study) -> None:
    """Refuse a folder that holds something else, or a study made with other settings."""
    out = Path(str(options.out))
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    if not out.is_dir() or not any(out.iterdir()):
        return
    record = out / SETTINGS_FILE
    if not record.is_file():
        raise UsageError(
            f"--out {out} is not empty and holds no reproduce study ({SETTINGS_FILE}); "
            "choose a new folder"
        )
    try:
        stored = json.loads(record.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {record}: {exc}") from exc
    wanted = options.settings(study)
    for key in SETTINGS_KEYS:
        if stored.get(key) != wanted[key]:
            raise UsageError(
                f"--out {out} holds a {stored.get('study')} study made with {key}="
                f"{stored.get(key)!r}, not {wanted[key]!r}; the same command continues it, "
                "other settings need a new --out"
            )


def with_finished_rows(options: ReproduceOptions, study: Study) -> Study:
    """``study`` with the rows ``--rows`` left out that the folder holds finished on every
    dataset added back: a report covers every row measured in its folder, so that
    ``--rows a`` and then ``--rows b`` report both, and ``--rows a`` on a finished study
    does not shrink its report."""
    if not study.left_out:
        return study
    out = Path(str(options.out))
    finished = {
        row.name
        for row in study.left_out
        if all(row_done(out, d, row.name, options.seeds) for d in options.datasets or ())
    }
    if not finished:
        return study
    full = get_study(study.name)
    kept = {row.name for row in study.rows} | finished
    return full.only([row.name for row in full.rows if row.name in kept])


def check_inputs(options: ReproduceOptions, study: Study, check_search: bool = True) -> None:
    """Every name, option and dataset, and (``check_search``) each row's search space at its
    corners, checked before anything is trained or written."""
    from ganzoo.host.build import load_dataset
    from ganzoo.host.plugins import get_registry
    from ganzoo.training.config import TrainConfig, check

    registry = get_registry()
    known = [c.name for c in registry.components("dataset")]
    datasets = tuple(options.datasets or ())
    for dataset in datasets:
        if dataset not in known:
            raise UsageError(unknown_name_message("dataset", dataset, known))
        kind = registry.get("dataset", dataset).record.kind
        if kind not in (None, "image"):
            raise UsageError(
                f"--datasets {dataset}: FID is defined for images, but {dataset!r} holds "
                f"{kind} data"
            )
    missing: dict[str, DataError] = {}
    for dataset in datasets:
        try:
            load_dataset(
                dataset, options.data_dir, options.download, "train", DATASET_OPTIONS.get(dataset)
            )
        except DataError as exc:
            missing[dataset] = exc
    if missing:
        first, exc = next(iter(missing.items()))
        present = [d for d in datasets if d not in missing]
        if present:
            hint = f"or leave it out of the study with --datasets {','.join(present)}"
        else:
            hint = "or choose a dataset that is here with --datasets"
        also = [d for d in missing if d != first]
        also_text = f" ({', '.join(also)} missing too)" if also else ""
        raise DataError(f"{exc}{also_text}; {hint}") from exc
    for dataset in datasets:
        for row in study.rows:
            check(TrainConfig(**base_config(row, dataset, options)).validate())
            if options.budget and check_search:  # the space at its corners, before any trial
                from ganzoo.tools.sweep import check_spec

                check_spec(sweep_spec(search_request(study, row, dataset, options)))
    options.eval_spec()
    if options.extractor == "inception":
        from ganzoo.metrics.inception import resolve_inception_weights

        resolve_inception_weights(options.inception_weights)


def run_study(
    options: ReproduceOptions,
    study: Study,
    *,
    search: SearchFn | None = None,
    progress: Callable[[], Progress] | None = None,
    log: Callable[[str], None] = lambda text: None,
) -> dict[str, list[RowResult]]:
    """Search and re-run every row on every dataset (resuming what a folder holds).

    With ``--workers N`` (N > 1) and the Optuna search, N processes train whole rows side by
    side first (:mod:`ganzoo.tools.reproduce.pool`); this process then reads every row's
    outcome from the folder, which reuses what they trained.
    """
    out = Path(str(options.out))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / SETTINGS_FILE, options.settings(study))
    if options.workers > 1 and search is None:
        from ganzoo.tools.reproduce.pool import run_rows_in_processes

        run_rows_in_processes(options, study, log)
        options = replace(options, workers=1)  # every row is done: read, in this process
    search = search or functools.partial(optuna_search, log=log)
    results: dict[str, list[RowResult]] = {}
    for dataset in options.datasets or ():
        results[dataset] = [
            run_row(options, study, row, dataset, search, progress, log) for row in study.rows
        ]
    return results


def run_row(
    options: ReproduceOptions,
    study: Study,
    row: Row,
    dataset: str,
    search: SearchFn,
    progress: Callable[[], Progress] | None = None,
    log: Callable[[str], None] = lambda text: None,
) -> RowResult:
    """One row on one dataset: its search (``--budget`` trials), then its best setting
    trained with each seed; what the folder holds already is reused or resumed."""
    out = Path(str(options.out))
    outcome = None
    if options.budget:
        log(f"{dataset}/{row.name}: searching, {options.budget} trials")
        outcome = search(search_request(study, row, dataset, options))
    params = dict(outcome.params) if outcome else {}
    runs = []
    for seed in seed_list(options.seeds):
        log(f"{dataset}/{row.name}: seed {seed} of the best setting")
        folder = rerun_folder(out, dataset, row.name, seed)
        config = rerun_config(row, dataset, options, params, seed, folder)
        runs.append(train_or_reuse(config, progress() if progress else None))
    return RowResult(row, outcome, params, runs)


@dataclass
class Measured:
    """One dataset's rows, measured alike: the comparison and every claim's per-seed values."""

    dataset: str
    rows: list[RowResult]
    comparison: Any  # ganzoo.tools.compare.Comparison
    values: dict[tuple[str, str], list[float | None]]  # (row, quantity) -> seeds' values


def measure(
    options: ReproduceOptions,
    results: Mapping[str, list[RowResult]],
    log: Callable[[str], None] = lambda text: None,
) -> dict[str, Measured]:
    """Every re-run measured with one extractor and sample count (results already stored
    are reused), and the claims' quantities read from the runs' records."""
    from ganzoo.tools.compare import compare_runs
    from ganzoo.tools.reproduce.measures import run_quantities
    from ganzoo.tools.reproduce.studies import QUANTITIES

    measured = {}
    for dataset, rows in results.items():
        log(f"{dataset}: measuring {sum(len(r.runs) for r in rows)} runs")
        comparison = compare_runs([p for r in rows for p in r.runs], options.eval_spec())
        by_path = {run.path.resolve(): run for run in comparison.rows}
        values: dict[tuple[str, str], list[float | None]] = {}
        for r in rows:
            values[(r.row.name, "fid")] = [by_path[p.resolve()].metrics.fid for p in r.runs]
            per_run = [run_quantities(p, options.extractor) for p in r.runs]
            for quantity in QUANTITIES:
                if quantity != "fid":
                    values[(r.row.name, quantity)] = [q[quantity] for q in per_run]
        measured[dataset] = Measured(dataset, rows, comparison, values)
    return measured
