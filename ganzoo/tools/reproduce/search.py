"""Each row's hyperparameter search: an Optuna study in the folder's database, run by
:func:`ganzoo.tools.sweep.run_sweep` with the same budget for every row (TPE on FID, no
pruning: every trial trains its full length, as in the paper).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.tools.reproduce.options import ReproduceOptions
from ganzoo.tools.reproduce.runs import base_config
from ganzoo.tools.reproduce.study import Row, Study


@dataclass(frozen=True)
class SearchRequest:
    """One row's search: ``trials`` runs of ``fixed`` with the ``space``'s options drawn."""

    folder: Path
    space: Mapping[str, Mapping[str, Any]]
    fixed: Mapping[str, Any]
    trials: int
    study_name: str
    storage: str
    workers: int
    eval_samples: int


@dataclass
class SearchOutcome:
    """What a search found: the best trial's options and FID, and every trial."""

    params: dict[str, Any]
    value: float | None
    trials: list[dict[str, Any]] = field(default_factory=list)
    study_name: str | None = None


SearchFn = Callable[[SearchRequest], SearchOutcome]


def sweep_spec(request: SearchRequest) -> Any:
    """The :class:`ganzoo.tools.sweep.SweepSpec` of a row's search: TPE on FID, no pruning
    (every trial trains its full length, as in the paper)."""
    from ganzoo.tools.sweep import SweepSpec

    return SweepSpec(
        folder=request.folder,
        space={k: dict(v) for k, v in request.space.items()},
        fixed=dict(request.fixed),
        trials=request.trials,
        objective="fid",
        sampler="tpe",
        seed=0,
        storage=request.storage,
        study_name=request.study_name,
        workers=request.workers,
        prune=False,
        eval_samples=request.eval_samples,
    )


def optuna_search(
    request: SearchRequest, log: Callable[[str], None] | None = None
) -> SearchOutcome:
    """The search by :func:`ganzoo.tools.sweep.run_sweep`; resumable: the same request
    continues the study (a trial a kill cut short is redone, none counted twice)."""
    from ganzoo.tools.sweep import run_sweep

    result = run_sweep(sweep_spec(request), log=log)
    trials = [
        {
            "number": t.number,
            "state": t.state,
            "counted": getattr(t, "counted", True),
            "params": dict(t.params),
            "value": t.value,
            "run_dir": str(t.run_dir) if t.run_dir is not None else None,
            "error": t.error,
            "seconds": _seconds(t.run_dir),
        }
        for t in result.trials
    ]
    if result.best is None:
        raise UsageError(
            f"the search {request.study_name} finished no trial (see {request.folder}); "
            "a longer --steps or another learning-rate range may train"
        )
    return SearchOutcome(dict(result.best.params), result.best.value, trials, result.study_name)


def _seconds(run_dir: Path | None) -> float | None:
    """A finished run's training seconds (``summary.json``), else ``None``."""
    summary = Path(run_dir) / "summary.json" if run_dir is not None else None
    if summary is None or not summary.is_file():
        return None
    return float(json.loads(summary.read_text()).get("seconds", 0.0))


def search_request(
    study: Study, row: Row, dataset: str, options: ReproduceOptions
) -> SearchRequest:
    """The search of ``row`` on ``dataset``: its own study in the folder's database."""
    out = Path(str(options.out))
    return SearchRequest(
        folder=out / "search" / dataset / row.name,
        space=row.space,
        fixed=base_config(row, dataset, options),
        trials=int(options.budget or 0),
        study_name=f"{study.name}-{dataset}-{row.name}",
        storage=options.storage_url,
        workers=options.workers,
        eval_samples=options.samples,
    )
