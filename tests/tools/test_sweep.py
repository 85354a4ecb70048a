"""``ganzoo sweep`` in-process: tiny trials on digits, each an ordinary run folder.

One study is made for the module (four trials of 20 steps); the tests read it, continue it,
refuse to change it, and use its best run. Kills, workers and a second machine are in
test_sweep_processes.py.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from ganzoo.api.errors import UsageError
from ganzoo.runs.files import exclusive_lock
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.sweep import SweepSpec, run_sweep, show_sweep, stored_spec
from tests.helpers import tree_hash

SPACE = {
    "lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True},
    "d_steps": {"type": "categorical", "choices": [1, 2]},
}
FIXED = {"steps": 20, "eval_every": 5, "batch_size": 32, "log_every": 5}


def tiny(folder: Path, **changes) -> SweepSpec:
    spec = SweepSpec(
        folder, SPACE, FIXED, trials=4, eval_samples=10, sampler="random", pruner_startup_trials=1
    )
    return dataclasses.replace(spec, **changes)


@pytest.fixture(scope="module")
def study(tmp_path_factory, _shared_cache_dir):
    """A finished sweep of four trials, and what run_sweep returned."""
    folder = tmp_path_factory.mktemp("sweep") / "sweep"
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANZOO_CACHE_DIR", str(_shared_cache_dir))
        result = run_sweep(tiny(folder), log=lines.append)
    return folder, result, lines


def test_each_trial_is_an_ordinary_run_with_the_trials_values(study):
    folder, result, lines = study
    assert [t.number for t in result.trials] == [0, 1, 2, 3]
    assert result.finished == result.wanted == 4
    assert {t.state for t in result.trials} <= {"complete", "pruned"}
    assert len({t.run_dir for t in result.trials}) == 4
    for trial in result.trials:
        assert trial.run_dir == (folder / "trials" / f"trial_{trial.number:04d}").absolute()
        run = RunDir.open(trial.run_dir)
        config = run.read_config()["config"]
        assert config["lr"] == trial.params["lr"] and config["d_steps"] == trial.params["d_steps"]
        assert config["out"] == str(trial.run_dir)
        summary = run.read_summary()
        assert summary["eval"]["fid"] == pytest.approx(trial.value)
        if trial.state == "pruned":  # a real, shorter run
            assert summary["stopped_by"].startswith("pruned by the sweep's median pruner")
            assert summary["steps"] < 20
        else:
            assert (summary["stopped_by"], summary["steps"]) == ("steps", 20)
    complete = [t for t in result.trials if t.state == "complete"]
    assert result.best == min(complete, key=lambda t: t.value)
    assert any("complete: fid" in line for line in lines)


def test_the_median_pruner_stops_a_trial_behind_the_others(study):
    _, result, _ = study
    # with one trial complete, a trial whose FID at step 5 is above that trial's is pruned
    assert any(t.state == "pruned" for t in result.trials), [t.value for t in result.trials]


def test_show_reads_the_study_without_running_anything(study, run_cli):
    folder, result, _ = study
    before = tree_hash(folder / "trials")
    assert show_sweep(folder).to_dict() == result.to_dict()
    shown = run_cli("sweep", "--show", folder, "--json")
    assert shown.exit_code == 0, shown.err
    assert json.loads(shown.out)["best"]["number"] == result.best.number
    table = run_cli("sweep", "--show", folder)
    assert table.exit_code == 0 and f"best: trial {result.best.number}, fid" in table.out
    assert "4 of 4 trials finished" in table.out
    only = run_cli("sweep", "--show", folder, "--best")
    assert only.out == f"{result.best.run_dir}\n"
    assert tree_hash(folder / "trials") == before


def test_the_best_run_samples_and_evaluates_like_any_other(study, run_cli, tmp_path, shared_cache):
    best = study[1].best.run_dir
    sampled = run_cli("sample", best, "--n", "4", "--out", tmp_path / "grid.png")
    assert sampled.exit_code == 0, sampled.err
    assert (tmp_path / "grid.png").stat().st_size > 0
    evaluated = run_cli("eval", best, "--samples", "10", "--json")
    assert evaluated.exit_code == 0, evaluated.err


def test_the_same_sweep_again_runs_nothing_and_more_trials_continue_it(study, shared_cache):
    folder = study[0]
    again = run_sweep(tiny(folder))
    assert [t.number for t in again.trials] == [0, 1, 2, 3]
    more = run_sweep(tiny(folder, trials=5))
    assert more.finished == 5 and len(more.trials) == 5
    # the folder remembers its study: the CLI continues it with no options at all
    spec = stored_spec(folder)
    assert (spec.space, spec.trials, spec.objective) == (more.space, 5, "fid")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"space": {**SPACE, "d_steps": [1, 3]}},
            "sweeps another search space (differs in d_steps)",
        ),
        ({"fixed": {**FIXED, "steps": 30}}, "another set of fixed options (differs in steps)"),
        ({"objective": "kid_mean"}, "sweeps objective 'fid', not 'kid_mean'"),
        ({"direction": "maximize"}, "sweeps direction 'minimize', not 'maximize'"),
        ({"study_name": "other"}, "belongs to study 'sweep', not 'other'"),
    ],
)
def test_continuing_with_another_space_or_objective_is_refused(study, changes, message):
    folder = study[0]
    before = len(show_sweep(folder).trials)
    with pytest.raises(UsageError) as caught:
        run_sweep(tiny(folder, trials=50, **changes))
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert len(show_sweep(folder).trials) == before


def test_two_sweeps_on_one_folder_are_refused(study):
    folder = study[0]
    refused = pytest.raises(UsageError, match="is in use by another ganzoo sweep")
    with exclusive_lock(folder / ".lock", "held by the test"), refused:
        run_sweep(tiny(folder, trials=50))


def test_a_failing_trial_is_recorded_with_its_error_and_counts(tmp_path, shared_cache):
    # digits has 1438 training images: a batch of 5000 fails when the trial builds its data
    fixed = {**FIXED, "batch_size": 5000}
    spec = tiny(tmp_path / "sweep", space={"lr": [0.001, 0.002]}, fixed=fixed, trials=2)
    result = run_sweep(spec)
    assert [(t.state, t.counted) for t in result.trials] == [("fail", True), ("fail", True)]
    for trial in result.trials:
        assert "needs more samples than dataset 'digits' has (1438)" in trial.error
        assert "\n" not in trial.error
        assert not trial.run_dir.exists()  # it failed before its first checkpoint
    assert result.best is None


def _readonly(tmp_path: Path) -> str:
    path = tmp_path / "ro.db"
    sqlite3.connect(path).execute("create table t (x)").connection.close()
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        ("sqlite:////nonexistent-folder/study.db", "unable to open database file"),
        ("readonly", "attempt to write a readonly database"),
        ("nosuchdb://host/db", "Can't load plugin: sqlalchemy.dialects:nosuchdb"),
        ("postgresql://user:secret@localhost:1/db", "cannot open --storage postgresql://user:***@"),
    ],
)
def test_a_storage_that_cannot_be_used_is_refused_and_nothing_is_left(tmp_path, storage, message):
    storage = _readonly(tmp_path) if storage == "readonly" else storage
    folder = tmp_path / "new" / "sweep"
    with pytest.raises(UsageError) as caught:
        run_sweep(tiny(folder, storage=storage))
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert "secret" not in str(caught.value)
    assert not (tmp_path / "new").exists()


def test_show_refuses_what_is_not_a_sweep(tmp_path):
    with pytest.raises(UsageError, match="is not a sweep folder"):
        show_sweep(tmp_path)
    with pytest.raises(UsageError, match="no study database at"):
        show_sweep(storage=f"sqlite:///{tmp_path}/none.db", study_name="x")
    assert not (tmp_path / "none.db").exists()
