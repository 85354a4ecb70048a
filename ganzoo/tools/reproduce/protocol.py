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

import copy
import functools
import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.api.errors import DataError, UsageError, unknown_name_message
from ganzoo.metrics.spec import EvalSpec, check_extractor_name, check_samples
from ganzoo.runs.rundir import RunDir, atomic_write_json
from ganzoo.tools.reproduce.studies import DATASET_OPTIONS, Row, Study, get_study
from ganzoo.training.config import DEVICES, TrainConfig

if TYPE_CHECKING:
    from ganzoo.training.progress import Progress

SETTINGS_FILE = "study.json"
#: the settings that decide what a folder's numbers mean: a command that continues a folder
#: must give the same ones (the device, the data folder and the workers may change)
SETTINGS_KEYS = ("study", "budget", "seeds", "steps", "datasets", "extractor", "samples", "storage")
LOG_LINES = 40  # log lines per run: the quarters of training get ten each


@dataclass(frozen=True)
class ReproduceOptions:
    """What ``ganzoo reproduce`` was asked; ``None``: the study's default."""

    study: str
    out: Path | None = None  # None: runs/reproduce-STUDY (the same command continues it)
    budget: int | None = None  # search trials per row; 0: no search, the zoo's defaults
    seeds: int = 3  # re-runs of each row's best setting
    steps: int | None = None  # generator updates (VAE: steps) of every run
    datasets: tuple[str, ...] | None = None
    extractor: str = "domain"
    samples: int = 1000
    inception_weights: str | None = None
    data_dir: str | None = None
    download: bool = False
    workers: int = 1
    storage: str | None = None  # an Optuna storage URL; None: sqlite in the folder
    device: str = "auto"

    def resolved(self) -> tuple[Study, ReproduceOptions]:
        """The study and these options with every default filled in, validated."""
        study = get_study(self.study)
        options = replace(
            self,
            out=Path(self.out)
            if self.out is not None
            else Path("runs") / f"reproduce-{study.name}",
            budget=study.default_budget if self.budget is None else self.budget,
            steps=study.default_steps if self.steps is None else self.steps,
            datasets=tuple(self.datasets) if self.datasets else study.datasets,
        )
        options.validate()
        return study, options

    def validate(self) -> None:
        """Raise :class:`UsageError` naming the first bad option and its valid values."""
        _int_at_least("--budget", self.budget, 0)
        _int_at_least("--seeds", self.seeds, 2, " (an interval needs two)")
        _int_at_least("--steps", self.steps, 1)
        _int_at_least("--workers", self.workers, 1)
        check_extractor_name(self.extractor)
        check_samples(self.samples)
        if self.storage is not None and "://" not in self.storage:
            raise UsageError(
                f"--storage must be a database URL such as sqlite:///study.db, got {self.storage!r}"
            )
        base = self.device.split(":")[0]
        if base not in DEVICES or (":" in self.device and base != "cuda"):
            raise UsageError(
                f"--device must be one of {', '.join(DEVICES)} (or cuda:N), got {self.device!r}"
            )
        datasets = self.datasets or ()
        if len(set(datasets)) < len(datasets):
            raise UsageError(f"--datasets names a dataset twice: {','.join(datasets)}")

    def settings(self, study: Study) -> dict[str, Any]:
        """What ``study.json`` records (see :data:`SETTINGS_KEYS`)."""
        return {
            "study": study.name,
            "budget": self.budget,
            "seeds": list(seed_list(self.seeds)),
            "steps": self.steps,
            "datasets": list(self.datasets or ()),
            "extractor": self.extractor,
            "samples": self.samples,
            "storage": self.storage,
        }

    @property
    def storage_url(self) -> str:
        """Where the searches are stored: ``--storage``, else ``sqlite:///OUT/study.db``."""
        return self.storage or f"sqlite:///{Path(str(self.out)).resolve() / 'study.db'}"

    def eval_spec(self) -> EvalSpec:
        """How every re-run is measured: one extractor, one sample count, one sampling seed."""
        return EvalSpec(
            samples=self.samples,
            feature_extractor=self.extractor,
            inception_weights=self.inception_weights,
            data_dir=self.data_dir,
            seed=0,
        ).validate()


def _int_at_least(option: str, value: object, low: int, why: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise UsageError(f"{option} must be an integer >= {low}{why}, got {value!r}")


def seed_list(count: int) -> range:
    """The re-runs' seeds: 1..count (the search trains with seed 0)."""
    return range(1, count + 1)


# --- the search --------------------------------------------------------------------------------


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


# --- the runs -----------------------------------------------------------------------------------


def apply_params(config: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with searched ``params`` set: ``lr``, nested ``model_options.width``, or one
    of Adam's ``betas.0``/``betas.1``."""
    out = copy.deepcopy(dict(config))
    for key, value in params.items():
        head, _, rest = key.partition(".")
        if not rest:
            out[head] = value
        elif head == "betas":
            betas = list(out.get("betas") or TrainConfig.DEFAULT_BETAS)
            betas[int(rest)] = float(value)
            out["betas"] = tuple(betas)
        else:
            out[head] = {**(out.get(head) or {}), rest: value}
    return out


def base_config(row: Row, dataset: str, options: ReproduceOptions) -> dict[str, Any]:
    """What every run of ``row`` on ``dataset`` shares, search trials and re-runs alike."""
    steps = int(options.steps or 1)
    config: dict[str, Any] = {
        "model": row.model,
        "loss": row.loss,
        "dataset": dataset,
        "data_dir": options.data_dir,
        "download": options.download,
        "steps": steps,
        "device": options.device,
        "log_every": max(1, steps // LOG_LINES),
        "keep_checkpoints": 1,
        "eval_samples": options.samples,
        "feature_extractor": options.extractor,
        "inception_weights": options.inception_weights,
        "dataset_options": dict(DATASET_OPTIONS.get(dataset, {})),
        "seed": 0,
    }
    return config | copy.deepcopy(dict(row.options))  # the row's own options win


def rerun_config(
    row: Row,
    dataset: str,
    options: ReproduceOptions,
    params: Mapping[str, Any],
    seed: int,
    out: Path,
) -> TrainConfig:
    """A re-run of ``row``'s best setting with ``seed``, into ``out``."""
    config = apply_params(base_config(row, dataset, options), params)
    config.update(seed=seed, out=str(out))
    if row.evaluate_during:  # FID at each quarter: the note's "p_g approaches p_data"
        config["eval_every"] = max(1, int(options.steps or 1) // 4)
    return TrainConfig(**config)


def train_or_reuse(config: TrainConfig, progress: Progress | None = None) -> Path:
    """The finished run at ``config.out``: reused if finished, resumed if killed after a
    checkpoint, trained from scratch otherwise (what a kill left before its first
    checkpoint, or after its last one but before its summary, is replaced)."""
    from ganzoo.training.loop import resume, train

    out = Path(str(config.out))
    if (out / "summary.json").is_file():
        _check_same_setting(out, config)
        return out
    if out.exists():
        latest = RunDir(out).latest_checkpoint() if (out / "config.json").is_file() else None
        step = RunDir.checkpoint_step(latest) if latest is not None else None
        if step is not None and step < int(config.steps or 0):
            return resume(out, steps=config.steps, progress=progress).run_dir
        shutil.rmtree(out)
    return train(config, progress).run_dir


#: options a finished re-run must share with the setting it stands for
_SAME = ("model", "loss", "dataset", "steps", "seed", "lr", "batch_size", "d_steps", "betas")


def _check_same_setting(out: Path, config: TrainConfig) -> None:
    stored = RunDir.open(out).read_config()["config"]
    wanted = config.to_dict()
    for key in _SAME:
        if wanted.get(key) is not None and stored.get(key) != wanted[key]:
            raise UsageError(
                f"{out} was trained with {key}={stored.get(key)!r}, not the {wanted[key]!r} "
                "this study needs now; the folder was changed by hand: choose a new --out"
            )


# --- the whole study ----------------------------------------------------------------------------


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


def check_inputs(options: ReproduceOptions, study: Study, check_search: bool = True) -> None:
    """Every name, option and dataset, and (``check_search``) each row's search space at its
    corners, checked before anything is trained or written."""
    from ganzoo.host.build import load_dataset
    from ganzoo.host.plugins import get_registry
    from ganzoo.training.config import check

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


def run_study(
    options: ReproduceOptions,
    study: Study,
    *,
    search: SearchFn | None = None,
    progress: Callable[[], Progress] | None = None,
    log: Callable[[str], None] = lambda text: None,
) -> dict[str, list[RowResult]]:
    """Search and re-run every row on every dataset (resuming what a folder holds)."""
    out = Path(str(options.out))
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / SETTINGS_FILE, options.settings(study))
    search = search or functools.partial(optuna_search, log=log)
    results: dict[str, list[RowResult]] = {}
    for dataset in options.datasets or ():
        results[dataset] = []
        for row in study.rows:
            outcome = None
            if options.budget:
                log(f"{dataset}/{row.name}: searching, {options.budget} trials")
                outcome = search(search_request(study, row, dataset, options))
            params = dict(outcome.params) if outcome else {}
            runs = []
            for seed in seed_list(options.seeds):
                log(f"{dataset}/{row.name}: seed {seed} of the best setting")
                folder = out / "runs" / dataset / row.name / f"seed{seed}"
                config = rerun_config(row, dataset, options, params, seed, folder)
                runs.append(train_or_reuse(config, progress() if progress else None))
            results[dataset].append(RowResult(row, outcome, params, runs))
    return results


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
