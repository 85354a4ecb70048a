"""What a worker that torchrun restarted does with its job's run folder (ganzoo.training.restart).

The end-to-end case (SIGKILL of a worker, torchrun --max-restarts 1) is in
test_distributed.py; these are the decisions, one process, no torchrun.
"""

from __future__ import annotations

import json

import pytest
import torch

from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig
from ganzoo.training.distributed import DistEnv, from_environment
from ganzoo.training.restart import after_restart

RESTARTED = DistEnv(job="job-1", restart=1)


def run_of(tmp_path, job: str | None = "job-1") -> RunDir:
    run = RunDir(tmp_path / "run")
    run.create()
    stored = {
        "config": {"model": "vanilla", "loss": "nonsat", "dataset": "digits"},
        "data": {},
        "environment": {"torchrun_job": job},
    }
    (run.path / "config.json").write_text(json.dumps(stored))
    return run


def decide(run: RunDir, env: DistEnv = RESTARTED):
    return after_restart(TrainConfig(out=str(run.path)), env)


def test_a_restart_resumes_its_jobs_run_from_a_checkpoint(tmp_path):
    run = run_of(tmp_path)
    run.save_checkpoint({"w": torch.zeros(1)}, step=8, keep=1)
    assert decide(run).action == "resume"


def test_a_restart_replaces_its_jobs_run_killed_before_a_checkpoint(tmp_path):
    assert decide(run_of(tmp_path)).action == "replace"


def test_a_restart_leaves_a_finished_run_as_it_is(tmp_path):
    run = run_of(tmp_path)
    run.save_checkpoint({"w": torch.zeros(1)}, step=8, keep=1)
    run.write_summary({"steps": 8, "seconds": 1.5, "final": {"d_loss": 1.0}})
    restart = decide(run)
    assert restart.action == "finished" and restart.result.steps == 8


@pytest.mark.parametrize("job", ["another-job", None])
def test_a_restart_never_touches_another_jobs_run(tmp_path, job):
    run = run_of(tmp_path, job)
    run.save_checkpoint({"w": torch.zeros(1)}, step=8, keep=1)
    assert decide(run) is None  # the command is then refused like any run into a used folder


def test_a_first_attempt_or_a_plain_process_is_no_restart(tmp_path):
    run = run_of(tmp_path)
    assert decide(run, DistEnv(job="job-1", restart=0)) is None
    assert decide(run, DistEnv()) is None
    assert after_restart(TrainConfig(), RESTARTED) is None  # no --out: nothing to find


def test_the_job_and_restart_count_are_read_from_torchrun(monkeypatch):
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "job-1")
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "2")
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert from_environment() == DistEnv(job="job-1", restart=2)  # one process, restarted
