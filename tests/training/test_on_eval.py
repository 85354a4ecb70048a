"""The training loop's ``on_eval`` callback: it sees every evaluation and may end a run early.

A sweep's pruner uses it (ganzoo.tools.sweep); the run it stops is a finished, shorter run.
"""

from __future__ import annotations

import pytest

from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import resume, train


def _config(out, **values) -> TrainConfig:
    base = dict(steps=30, eval_every=10, eval_samples=10, batch_size=32, log_every=25, out=str(out))
    return TrainConfig(**{**base, **values})


def test_a_callback_sees_each_evaluation_and_its_reason_stops_the_run(tmp_path, shared_cache):
    seen = []

    def stop_at_20(result):
        seen.append((result.step, result.fid))
        return "enough at step 20" if result.step == 20 else None

    result = train(_config(tmp_path / "run"), on_eval=stop_at_20)
    assert [step for step, _ in seen] == [10, 20]
    assert all(isinstance(fid, float) for _, fid in seen)
    assert (result.steps, result.stopped_by) == (20, "enough at step 20")
    run = RunDir(tmp_path / "run")
    summary = run.read_summary()
    assert (summary["steps"], summary["stopped_by"]) == (20, "enough at step 20")
    assert summary["eval"]["step"] == 20 and summary["eval"]["fid"] == seen[-1][1]
    # a finished run: its last checkpoint and log line are the step it stopped at
    assert RunDir.checkpoint_step(run.latest_checkpoint()) == 20
    assert run.read_metrics()[-1]["step"] == 20
    assert (run.path / "loss_curves.png").is_file()


def test_a_reason_at_the_last_step_changes_nothing(tmp_path, shared_cache):
    result = train(
        _config(tmp_path / "run", steps=20), on_eval=lambda r: "stop" if r.step == 20 else None
    )
    assert (result.steps, result.stopped_by) == (20, "steps")


@pytest.mark.slow
def test_a_stopped_run_resumes_with_its_callback_to_its_full_length(tmp_path, shared_cache):
    train(_config(tmp_path / "run"), on_eval=lambda r: "stop" if r.step == 10 else None)
    seen = []
    result = resume(tmp_path / "run", on_eval=lambda r: seen.append(r.step))
    assert seen == [20, 30] and (result.steps, result.stopped_by) == (30, "steps")
