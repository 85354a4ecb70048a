"""The study: its storage, its record of what it sweeps, and the accounting of its trials.

The study lives in a database that optuna reaches through SQLAlchemy: SQLite in the sweep
folder by default, or any ``--storage`` URL (PostgreSQL, MySQL) that processes on several
machines share. It records the space, the fixed options and the objective (a study user
attribute, :data:`RECORD`); a command asking for another space or objective is refused.

A trial counts toward the study's ``trials`` when it is complete, pruned, or failed with an
error (:func:`counted`). A trial whose process died (SIGKILL, a lost machine) is failed
without an error, so it does not count, and is queued again with the same values
(:func:`requeue`): by this sweep's next command at once (:func:`recover`, for the trials of
its own folder), or by any process of the study once its heartbeat is ``grace_period``
seconds old (optuna's heartbeat, for a machine that does not come back). The retry resumes
the dead trial's run folder from its last checkpoint where that folder is this sweep's.

Optuna is imported inside the functions: importing this module costs nothing.
"""

from __future__ import annotations

import json
import socket
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.runs.files import atomic_write_json
from ganzoo.tools.sweep.spec import STUDY_DB, SweepResult, SweepSpec, TrialRecord

RECORD = "ganzoo_sweep"  # the study user attribute holding space, fixed, objective, direction
FOLDER_RECORD = "sweep.json"  # in the sweep folder: which storage and study it belongs to
FORMAT = 1
#: What a second command must share with the study's first (``trials`` may change).
SAME: tuple[str, ...] = ("space", "fixed", "objective", "direction")


# --- storage -----------------------------------------------------------------------------


def storage_url(spec: SweepSpec) -> str:
    """``spec.storage``, else the folder's own SQLite file."""
    return spec.storage or f"sqlite:///{(Path(spec.folder) / STUDY_DB).absolute()}"


def study_name(spec: SweepSpec) -> str:
    """``spec.study_name``, else the folder's name."""
    return spec.study_name or Path(spec.folder).absolute().name


def masked(url: str) -> str:
    """``url`` with its password hidden (for messages and ``sweep.json``)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def open_storage(url: str, heartbeat: tuple[int, int] | None = None) -> Any:
    """optuna's ``RDBStorage`` on ``url``; one line saying why where it cannot be opened.

    ``heartbeat`` is ``(interval, grace period)`` in seconds for a process that runs trials:
    a trial silent for the grace period is failed and queued again (:func:`requeue`).
    """
    import optuna

    engine: dict[str, Any] = {}
    if url.startswith("sqlite"):  # several workers write: wait for the file's lock
        engine["connect_args"] = {"timeout": 60}
    beat: dict[str, Any] = {}
    if heartbeat is not None:
        beat = {
            "heartbeat_interval": heartbeat[0],
            "grace_period": heartbeat[1],
            "heartbeat_stale_trial_callback": requeue,
        }
    try:
        with quiet_optuna():
            return optuna.storages.RDBStorage(url, engine_kwargs=engine, **beat)
    except Exception as exc:
        raise UsageError(f"cannot open --storage {masked(url)}: {first_line(exc)}") from None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (SQLAlchemy's run to several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def quiet_optuna() -> Iterator[None]:
    """optuna's info logs and experimental-feature warnings silenced for the block."""
    import optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            warnings.filterwarnings("ignore", module="optuna")
            yield
    finally:
        optuna.logging.set_verbosity(verbosity)


# --- the study and its record ----------------------------------------------------------------


def make_record(spec: SweepSpec, fixed: dict[str, Any], direction: str) -> dict[str, Any]:
    """What the study records of the sweep (JSON round-tripped: it compares as stored)."""
    record = {
        "format": FORMAT,
        "space": spec.space,
        "fixed": fixed,
        "objective": spec.objective,
        "direction": direction,
        "trials": spec.trials,
    }
    return json.loads(json.dumps(record))


def create_or_load(storage: Any, name: str, record: dict[str, Any], url: str) -> Any:
    """The study ``name`` (made if new) with ``record`` checked against what it holds.

    :raises UsageError: the study sweeps another space or objective, is not a ganzoo sweep,
        or the storage refuses writes.
    """
    import optuna

    try:
        with quiet_optuna():
            study = optuna.create_study(
                storage=storage,
                study_name=name,
                direction=record["direction"],
                load_if_exists=True,
            )
            stored = study.user_attrs.get(RECORD)
            if stored is None and study.get_trials(deepcopy=False):
                raise UsageError(
                    f"study {name!r} in {masked(url)} is not a ganzoo sweep (it has trials but "
                    "no sweep record); use another --study-name"
                )
            if stored is not None:
                check_same(stored, record, name)
            study.set_user_attr(RECORD, record)  # a new target of trials; a write that must work
    except UsageError:
        raise
    except Exception as exc:
        raise UsageError(f"cannot write to --storage {masked(url)}: {first_line(exc)}") from None
    return study


def check_same(stored: dict[str, Any], record: dict[str, Any], name: str) -> None:
    """Refuse a command whose space, fixed options, objective or direction differ."""
    for key in SAME:
        if stored.get(key) == record.get(key):
            continue
        if key in ("space", "fixed"):
            before, after = stored.get(key) or {}, record.get(key) or {}
            keys = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
            what = f"another {'search space' if key == 'space' else 'set of fixed options'}"
            detail = f" (differs in {', '.join(keys)})"
        else:
            what, detail = f"{key} {stored.get(key)!r}", f", not {record.get(key)!r}"
        raise UsageError(
            f"study {name!r} sweeps {what}{detail}; continue it with the same options "
            "(or none: ganzoo sweep FOLDER), or start a new sweep folder"
        )


def load_existing(storage: Any, name: str, url: str) -> Any:
    """The study ``name``; one line listing the studies there if it is not one of them."""
    import optuna

    try:
        with quiet_optuna():
            return optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        names = optuna.get_all_study_names(storage)
        raise UsageError(
            f"no study {name!r} in {masked(url)}; studies there: {', '.join(names) or '(none)'}"
        ) from None
    except Exception as exc:
        raise UsageError(f"cannot read --storage {masked(url)}: {first_line(exc)}") from None


def stored_record(study: Any) -> dict[str, Any]:
    """The sweep record of a study; one line if it is not a ganzoo sweep."""
    record = study.user_attrs.get(RECORD)
    if not isinstance(record, dict):
        raise UsageError(f"study {study.study_name!r} is not a ganzoo sweep (no sweep record)")
    return record


# --- the folder's record --------------------------------------------------------------------


def write_folder_record(folder: Path, storage: str | None, name: str) -> None:
    """``sweep.json``: the storage (``None``: the folder's SQLite file) and study name."""
    atomic_write_json(
        Path(folder) / FOLDER_RECORD,
        {"format": FORMAT, "storage": None if storage is None else masked(storage), "study": name},
    )


def read_folder_record(folder: Path) -> dict[str, Any] | None:
    """The folder's ``sweep.json``, or ``None`` where there is none."""
    path = Path(folder) / FOLDER_RECORD
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("study"), str):
        raise UsageError(f"{path} is malformed: expected a study name and a storage")
    return data


def owner() -> dict[str, str]:
    """Who runs a trial: this machine's name (with the sweep folder: see :func:`recover`)."""
    return {"host": socket.gethostname()}


# --- accounting ------------------------------------------------------------------------------


def counted(trial: Any) -> bool:
    """Whether a trial counts toward the study's trials: finished, by its own doing."""
    from optuna.trial import TrialState

    if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
        return True
    return trial.state == TrialState.FAIL and bool(trial.user_attrs.get("error"))


def tally(trials: Iterable[Any]) -> tuple[int, int]:
    """``(finished, running)``: trials that count, and trials running now."""
    from optuna.trial import TrialState

    trials = list(trials)
    finished = sum(counted(t) for t in trials)
    return finished, sum(t.state == TrialState.RUNNING for t in trials)


def surplus(trials: Iterable[Any], number: int, wanted: int) -> bool:
    """Whether trial ``number`` came after the study had ``wanted`` trials finished or running.

    Processes on other machines may each start a trial at once; trial numbers order them,
    so the later ones step back and no study ends with more trials than it asked for.
    """
    from optuna.trial import TrialState

    before = [
        t for t in trials if t.number < number and (counted(t) or t.state == TrialState.RUNNING)
    ]
    return len(before) >= wanted


def requeue(study: Any, trial: Any) -> None:
    """Queue a trial whose process died again, with its values and its run folder.

    Idempotent: a trial already queued again is left alone. Also optuna's heartbeat
    callback, for the trials of a machine that did not come back.
    """
    import optuna
    from optuna.trial import TrialState

    history = [*trial.system_attrs.get("retry_history", []), trial.number]
    for other in study.get_trials(deepcopy=False):
        if trial.number in other.system_attrs.get("retry_history", []):
            return
    attrs = {k: v for k, v in trial.user_attrs.items() if k == "run_dir"}
    study.add_trial(
        optuna.trial.create_trial(
            state=TrialState.WAITING,
            params=trial.params,
            distributions=trial.distributions,
            user_attrs=attrs,
            system_attrs={"failed_trial": history[0], "retry_history": history},
        )
    )


def recover(study: Any, folder: Path) -> list[int]:
    """Fail and queue again the trials this folder's dead processes left running.

    Called by a command holding the folder's lock, before its workers start: every trial
    still ``RUNNING`` for this folder on this machine belongs to a process that died.
    Returns their numbers.
    """
    from optuna.trial import TrialState

    mine = {"folder": str(Path(folder).absolute()), **owner()}
    found = []
    with quiet_optuna():
        for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if all(trial.user_attrs.get(k) == v for k, v in mine.items()):
                study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
                requeue(study, study.get_trials(deepcopy=False)[trial.number])
                found.append(trial.number)
    return found


# --- reading a study back --------------------------------------------------------------------


def read_result(study: Any, url: str) -> SweepResult:
    """The study as a :class:`SweepResult`: every trial, and the best complete one."""
    from optuna.trial import TrialState

    record = stored_record(study)
    trials = study.get_trials(deepcopy=False)
    retried = {
        t.system_attrs["retry_history"][-1]: t.number
        for t in trials
        if t.system_attrs.get("retry_history")
    }
    records = [_trial_record(t, retried.get(t.number)) for t in trials]
    complete = [r for r, t in zip(records, trials, strict=True) if t.state == TrialState.COMPLETE]
    complete = [r for r in complete if r.value is not None]
    sign = 1 if record["direction"] == "minimize" else -1
    best = min(complete, key=lambda r: (sign * r.value, r.number)) if complete else None
    return SweepResult(
        study_name=study.study_name,
        storage=masked(url),
        objective=record["objective"],
        direction=record["direction"],
        trials=records,
        best=best,
        wanted=record.get("trials"),
        space=record.get("space", {}),
        fixed=record.get("fixed", {}),
    )


def _trial_record(trial: Any, retried_as: int | None) -> TrialRecord:
    from optuna.trial import TrialState

    attrs = trial.user_attrs
    error = attrs.get("error")
    if trial.state == TrialState.FAIL and not error:
        if attrs.get("surplus"):
            error = "surplus: the study had its trials when this one started"
        else:
            error = "interrupted (its process stopped)" + (
                f"; redone as trial {retried_as}" if retried_as is not None else ""
            )
    run_dir = attrs.get("run_dir")
    history = trial.system_attrs.get("retry_history") or []
    return TrialRecord(
        number=trial.number,
        state=trial.state.name.lower(),
        params=dict(trial.params),
        value=trial.value if trial.state != TrialState.FAIL else None,
        run_dir=Path(run_dir) if run_dir else None,
        error=error,
        counted=counted(trial),
        retry_of=history[-1] if history else None,
    )
