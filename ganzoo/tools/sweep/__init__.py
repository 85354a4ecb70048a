"""Hyperparameter sweeps on optuna: each trial an ordinary run folder, the study in a database.

    space, fixed = load_space("sweep.toml")
    spec = SweepSpec(Path("runs/sweep"), space, fixed, trials=20)
    result = run_sweep(spec)            # resumable: the same call after a kill continues
    result.best.run_dir                 # samples, evaluates and exports like any run
    show_sweep("runs/sweep")            # reads the study, runs nothing

Optuna's TPE (or random) sampler draws each trial's options; its median pruner stops a
trial whose ``eval_every`` evaluations fall behind the others' (the run stays, shorter);
the objective is any metric the evaluations store (domain FID by default). The study lives
in SQLite in the sweep folder, or at any SQLAlchemy ``storage`` URL that processes on
several machines share. Modules: :mod:`~ganzoo.tools.sweep.space` (the space),
:mod:`~ganzoo.tools.sweep.reading` (the space read from TOML and the command line),
:mod:`~ganzoo.tools.sweep.study` (storage and accounting),
:mod:`~ganzoo.tools.sweep.objective` (one trial), :mod:`~ganzoo.tools.sweep.workers`
(processes taking trials). Optuna loads only when a sweep runs or is read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.metrics.spec import check_samples
from ganzoo.runs.files import exclusive_lock
from ganzoo.runs.unfinished import discard, first_missing
from ganzoo.tools.sweep.objective import direction_of
from ganzoo.tools.sweep.reading import load_space
from ganzoo.tools.sweep.space import check_space
from ganzoo.tools.sweep.spec import (
    SAMPLERS,
    STUDY_DB,
    SweepResult,
    SweepSpec,
    TrialRecord,
)
from ganzoo.tools.sweep.study import (
    FOLDER_RECORD,
    check_same,
    create_or_load,
    load_existing,
    make_record,
    masked,
    open_storage,
    read_folder_record,
    read_result,
    recover,
    storage_url,
    study_name,
    write_folder_record,
)
from ganzoo.tools.sweep.trials import check_trials

__all__ = [
    "SweepResult", "SweepSpec", "TrialRecord", "check_spec", "load_space", "run_sweep",
    "show_sweep", "stored_spec",
]  # fmt: skip

LOCK = ".lock"  # held by the command that runs the sweep (and its workers)


def check_spec(spec: SweepSpec) -> tuple[SweepSpec, dict[str, Any], str]:
    """``(spec, fixed, direction)``: every value checked, the space normalised, the fixed
    options as each trial gets them (``eval_samples``, ``eval_every``), the direction fixed.

    Everything a sweep can refuse without touching its folder or storage is refused here,
    each trial's config at every corner of the space included
    (:func:`~ganzoo.tools.sweep.space.check_trials`).
    """
    for name, value, least in (
        ("--trials", spec.trials, 1),
        ("--workers", spec.workers, 1),
        ("--seed", spec.seed, 0),
        ("--prune-after", spec.pruner_startup_trials, 0),
        ("heartbeat_interval", spec.heartbeat_interval, 1),
        ("grace_period", spec.grace_period, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise UsageError(f"{name} must be an integer >= {least}, got {value!r}")
    if spec.sampler not in SAMPLERS:
        raise UsageError(f"--sampler must be one of {', '.join(SAMPLERS)}, got {spec.sampler!r}")
    if spec.study_name is not None and not (
        isinstance(spec.study_name, str) and spec.study_name.strip()
    ):
        raise UsageError(f"--study-name must be a non-empty name, got {spec.study_name!r}")
    direction = direction_of(spec.objective, spec.direction)
    space, fixed = check_space(spec.space, spec.fixed)
    steps = fixed.get("steps")
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise UsageError(f"--steps must be an integer >= 1, got {steps!r}")
    if spec.eval_samples is not None:  # as -F eval_samples=N, and like it, it wins
        fixed["eval_samples"] = check_samples(spec.eval_samples, "--eval-samples")
    if "eval_every" not in fixed and "eval_every" not in space:
        if not isinstance(fixed.get("steps"), int):
            raise UsageError(
                "each trial is scored by its evaluations: fix eval_every (--eval-every N) "
                "or steps (--steps N, one evaluation at the end)"
            )
        fixed["eval_every"] = fixed["steps"]
    check_trials(space, fixed)
    return dataclasses.replace(spec, space=space, fixed=fixed), fixed, direction


def run_sweep(spec: SweepSpec, *, log: Callable[[str], None] | None = None) -> SweepResult:
    """Run trials of ``spec`` until its study has ``spec.trials`` finished; resumable.

    The same call after a kill continues the study: trials its dead processes left running
    are redone (their run folders resumed from their last checkpoints), none is counted
    twice. ``log`` receives a line as each trial starts and ends.

    :raises UsageError: a bad spec or space (before anything is written), a storage that
        cannot be opened or written, a study that sweeps another space or objective, or a
        sweep folder another command is running.
    """
    spec, fixed, direction = check_spec(spec)
    spec = _with_folder_record(spec)
    folder = Path(spec.folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"sweep folder {folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and read_folder_record(folder) is None:
        raise UsageError(
            f"sweep folder {folder} holds files and is not a sweep (no {FOLDER_RECORD}); "
            "choose a new folder"
        )
    existing = _existing(storage_url(spec), study_name(spec))
    if existing is not None:  # refused before anything is touched (and again once locked)
        check_same(_record_of(existing), make_record(spec, fixed, direction), existing.study_name)
    top = first_missing(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create sweep folder {folder}: {exc.strerror}") from None
    try:
        refusal = (
            f"sweep folder {folder} is in use by another ganzoo sweep (pid {{pid}}); wait for "
            "it to finish or stop it first"
        )
        with exclusive_lock(folder / LOCK, refusal) as lock_fd:
            return _run(spec, fixed, direction, lock_fd, log)
    except BaseException:
        if top is not None and not (folder / FOLDER_RECORD).exists():
            discard(folder, top)  # refused before the study was made: leave nothing behind
        raise


def _run(
    spec: SweepSpec, fixed: dict[str, Any], direction: str, lock_fd: int, log: Callable | None
) -> SweepResult:
    from ganzoo.tools.sweep.workers import run_workers, threads_per_worker, work

    say = log or (lambda line: None)

    url, name = storage_url(spec), study_name(spec)
    storage = open_storage(url, (spec.heartbeat_interval, spec.grace_period))
    study = create_or_load(storage, name, make_record(spec, fixed, direction), url)
    write_folder_record(spec.folder, spec.storage, name)
    redone = recover(study, spec.folder)
    if redone:
        say(f"trial(s) {', '.join(map(str, redone))} stopped with their process: queued again")
    if spec.workers == 1:
        work(spec, fixed, 0, None, say)  # ganzoo's own thread choice for each run
    else:
        say(f"{spec.workers} workers, {threads_per_worker(spec.workers)} thread(s) each")
        run_workers(spec, fixed, lock_fd, log)
    return read_result(load_existing(storage, name, url), url)


def _with_folder_record(spec: SweepSpec) -> SweepSpec:
    """The folder's storage and study name where the spec leaves them unset; refused where
    the spec names others (the folder's trials belong to one study)."""
    found = _folder_study(Path(spec.folder), spec.storage, spec.study_name)
    if found is None:
        return spec
    return dataclasses.replace(spec, storage=found[0], study_name=found[1])


def _folder_study(
    folder: Path, storage: str | None, name: str | None
) -> tuple[str | None, str] | None:
    """``(storage, study name)`` of a sweep folder (``None`` storage: its study.db), checked
    against those given; ``None`` where the folder is not a sweep's yet."""
    record = read_folder_record(folder)
    if record is None:
        return None
    stored_url, stored_name = record.get("storage"), record["study"]
    if name is not None and name != stored_name:
        raise UsageError(
            f"sweep folder {folder} belongs to study {stored_name!r}, not {name!r}; use "
            "another folder for another study"
        )
    own = f"sqlite:///{(folder / STUDY_DB).absolute()}"
    if storage is not None and masked(storage) != (stored_url or own):
        raise UsageError(
            f"sweep folder {folder} belongs to storage {stored_url or 'its study.db'}, not "
            f"{masked(storage)}; use another folder for another storage"
        )
    if storage is None and stored_url is not None and "***" in stored_url:
        raise UsageError(
            f"sweep folder {folder} belongs to storage {stored_url}: give --storage again "
            "(its password is not stored)"
        )
    return storage or stored_url, stored_name


def show_sweep(
    folder_or_spec: Path | str | SweepSpec | None = None,
    *,
    storage: str | None = None,
    study_name: str | None = None,
) -> SweepResult:
    """Read a study back without running anything: its trials and the best one.

    ``folder_or_spec`` is a sweep folder (its ``sweep.json`` names the storage and study) or
    a :class:`SweepSpec`; without one, give ``storage`` and ``study_name``.
    """
    if isinstance(folder_or_spec, SweepSpec):
        spec = folder_or_spec
        record = read_folder_record(Path(spec.folder)) or {}
        url = spec.storage or record.get("storage") or storage_url(spec)
        name = spec.study_name or record.get("study") or _default_name(spec)
    elif folder_or_spec is not None:
        folder = Path(folder_or_spec)
        record = read_folder_record(folder)
        if record is None and storage is None:
            raise UsageError(f"{folder} is not a sweep folder (no {FOLDER_RECORD})")
        record = record or {}
        url = storage or record.get("storage") or f"sqlite:///{(folder / STUDY_DB).absolute()}"
        name = study_name or record.get("study") or folder.absolute().name
    else:
        if storage is None or study_name is None:
            raise UsageError("--show needs a sweep FOLDER, or --storage URL and --study-name")
        url, name = storage, study_name
    missing = _missing_database(url)
    if missing is not None:
        raise UsageError(f"no study database at {missing}")
    return read_result(load_existing(open_storage(url), name, url), url)


def stored_spec(
    folder: Path | str | None = None,
    *,
    storage: str | None = None,
    study_name: str | None = None,
) -> SweepSpec | None:
    """The spec a study was made with (its space, fixed options, objective, direction and
    trials), to continue it: ``None`` where neither the folder nor the storage has it yet.

    ``folder`` alone reads its ``sweep.json``; with ``storage`` (another machine joining a
    shared study, its own folder still empty) the study is ``study_name``, else the folder's
    name.
    """
    found = _folder_study(Path(folder), storage, study_name) if folder is not None else None
    if found is not None:
        result = show_sweep(folder, storage=found[0], study_name=found[1])
    elif storage is not None:
        name = study_name or (Path(folder).absolute().name if folder is not None else None)
        result = _existing(storage, name)
        if result is None:
            return None
    else:
        return None
    return SweepSpec(
        folder=Path(folder) if folder is not None else Path(result.study_name),
        space=result.space,
        fixed=result.fixed,
        trials=result.wanted or 1,
        objective=result.objective,
        direction=result.direction,
        storage=storage,
        study_name=result.study_name,
    )


def _existing(url: str, name: str | None) -> SweepResult | None:
    """The study ``name`` at ``url``, or ``None`` where the storage does not hold it yet."""
    import optuna

    if name is None:
        raise UsageError("--storage needs --study-name (or a sweep FOLDER named after the study)")
    if _missing_database(url) is not None:
        return None
    storage = open_storage(url)
    if name not in optuna.get_all_study_names(storage):
        return None
    return read_result(load_existing(storage, name, url), url)


def _record_of(result: SweepResult) -> dict[str, Any]:
    """What a study's record says, from its :class:`SweepResult`."""
    return {
        "space": result.space,
        "fixed": result.fixed,
        "objective": result.objective,
        "direction": result.direction,
    }


def _default_name(spec: SweepSpec) -> str:
    from ganzoo.tools.sweep.study import study_name as name_of

    return name_of(spec)


def _missing_database(url: str) -> str | None:
    """The path of a SQLite file ``url`` names that does not exist (opening it would make an
    empty one), else ``None``."""
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:
        return None  # open_storage says what is wrong with it
    database = parsed.database or ""
    if (
        parsed.drivername.startswith("sqlite")
        and database not in ("", ":memory:")
        and not database.startswith("file:")
        and not Path(database).is_file()
    ):
        return database
    return None
