"""``ganzoo sweep`` as real processes: SIGKILL and the same command again, ``--workers 2``,
and a second machine's process (another folder, one storage) taking over a dead one's trial.

Every test asserts the study's accounting: exactly the trials asked for finished, no trial
lost, none run twice or counted twice, no run folder duplicated.
"""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ganzoo.runs.rundir import RunDir
from ganzoo.tools.sweep import SweepSpec, run_sweep, show_sweep
from tests.helpers import ganzoo_cmd, run_ok

pytestmark = pytest.mark.slow

TRIAL = ["-S", "lr=float:1e-4:1e-2:log", "--steps", "200", "--eval-every", "50"]
TRIAL += ["--eval-samples", "10", "-F", "checkpoint_every=10", "-F", "batch_size=32"]
TRIAL += ["--no-prune", "--sampler", "random", "-q"]


def _wait_for(condition, proc: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert proc.poll() is None, "the sweep ended before the moment to kill it"
        assert time.time() < deadline, "timed out waiting to kill the sweep"
        time.sleep(0.02)


def _mid_run(run_dir: Path) -> bool:
    """The run has a checkpoint past its first evaluation (step 50) and has not finished."""
    run = RunDir(run_dir)
    latest = run.latest_checkpoint() if (run_dir / "checkpoints").is_dir() else None
    step = RunDir.checkpoint_step(latest) if latest is not None else None
    return step is not None and step >= 60 and not (run_dir / "summary.json").exists()


def _evaluations(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (run_dir / "eval").glob("*.json")}


def _assert_accounted(result, wanted: int) -> None:
    counted = [t for t in result.trials if t.counted]
    assert len(counted) == wanted == result.finished, [(t.number, t.state) for t in result.trials]
    assert all(t.state == "complete" for t in counted)
    # no run folder twice, and every counted trial's run is there, finished, at its length
    assert len({t.run_dir for t in counted}) == wanted
    for trial in counted:
        summary = RunDir(trial.run_dir).read_summary()
        assert summary["steps"] == 200 and summary["eval"]["fid"] == pytest.approx(trial.value)
        steps = [r["step"] for r in RunDir(trial.run_dir).read_metrics() if "event" not in r]
        assert steps == sorted(set(steps)), "a step was logged twice"
    folders = sorted(p.name for p in (Path(counted[0].run_dir).parent).iterdir())
    assert len(folders) == wanted, folders


def test_a_killed_sweep_continues_with_the_same_command(tmp_path, shared_cache):
    folder = tmp_path / "sweep"
    cmd = ganzoo_cmd("sweep", folder, *TRIAL, "--trials", "3")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for(lambda: _mid_run(folder / "trials" / "trial_0001"), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = show_sweep(folder)
    assert [t.state for t in before.trials] == ["complete", "running"]
    evaluated = _evaluations(folder / "trials" / "trial_0001")
    assert evaluated, "the killed trial had evaluated once"
    run_ok("sweep", folder, *TRIAL, "--trials", "3")
    result = show_sweep(folder)
    _assert_accounted(result, 3)
    killed, redo = result.trials[1], result.trials[2]
    assert (killed.state, killed.counted) == ("fail", False)
    assert "interrupted" in killed.error and "redone as trial 2" in killed.error
    # the redo resumed the killed trial's own run folder, with its values
    assert redo.retry_of == 1 and redo.run_dir == killed.run_dir
    assert redo.params == killed.params
    assert [t.number for t in result.trials] == [0, 1, 2, 3]
    # resumed, not trained again: the evaluations made before the kill are as they were
    after = _evaluations(redo.run_dir)
    assert {k: after[k] for k in evaluated} == evaluated and len(after) > len(evaluated)


def test_sigterm_saves_the_trial_and_the_same_command_continues_it(tmp_path, shared_cache):
    folder = tmp_path / "sweep"
    cmd = ganzoo_cmd("sweep", folder, *TRIAL, "--trials", "2")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: _mid_run(folder / "trials" / "trial_0000"), proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    lines = [line for line in err.splitlines() if not line.startswith("Warning: ")]
    assert len(lines) == 1 and lines[0].startswith("Stopped: SIGTERM at step "), err
    assert "of trial 0, whose checkpoint is saved; the same ganzoo sweep command" in lines[0]
    stopped = show_sweep(folder)
    assert [(t.state, t.counted) for t in stopped.trials] == [("fail", False), ("waiting", False)]
    run_ok("sweep", folder, *TRIAL, "--trials", "2")
    result = show_sweep(folder)
    _assert_accounted(result, 2)
    assert result.trials[1].retry_of == 0 and result.trials[1].run_dir == result.trials[0].run_dir


def test_two_workers_share_the_study_and_the_cores(tmp_path, shared_cache):
    folder = tmp_path / "sweep"
    proc = run_ok("sweep", folder, *TRIAL, "--trials", "3", "--workers", "2")
    assert "[worker 0]" not in proc.stderr  # -q: no line per trial
    result = show_sweep(folder)
    _assert_accounted(result, 3)
    assert len(result.trials) == 3
    from ganzoo.tools.sweep.workers import threads_per_worker

    for trial in result.trials:
        stored = RunDir(trial.run_dir).read_config()
        assert stored["config"]["threads"] == threads_per_worker(2)


def test_a_process_on_another_machine_redoes_a_dead_ones_trial(tmp_path, shared_cache):
    """Two folders, one storage: the dead process's trial is redone by the other's, once
    its heartbeat is older than the grace period, in the other's own folder."""
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    first = tmp_path / "machine-a"
    cmd = ganzoo_cmd("sweep", first, *TRIAL, "--trials", "2", "--storage", storage)
    cmd += ["--study-name", "shared"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: _mid_run(first / "trials" / "trial_0000"), proc)
    proc.kill()
    proc.wait()
    spec = SweepSpec(
        tmp_path / "machine-b",
        {"lr": {"type": "float", "low": 1e-4, "high": 1e-2, "log": True}},
        {"steps": 200, "eval_every": 50, "checkpoint_every": 10, "batch_size": 32},
        trials=2,
        eval_samples=10,
        sampler="random",
        prune=False,
        storage=storage,
        study_name="shared",
        heartbeat_interval=1,
        grace_period=2,
    )
    result = run_sweep(spec)
    dead = result.trials[0]
    assert (dead.state, dead.counted) == ("fail", False)
    redo = next(t for t in result.trials if t.retry_of == 0)
    assert redo.params == dead.params and redo.counted
    # machine A's folder is not machine B's: the redo trained afresh in B's own folder
    assert redo.run_dir.parent == (tmp_path / "machine-b" / "trials").absolute()
    counted = [t for t in result.trials if t.counted]
    assert len(counted) == 2 and len({t.run_dir for t in counted}) == 2
    assert show_sweep(first).to_dict() == dataclasses.replace(result).to_dict()
