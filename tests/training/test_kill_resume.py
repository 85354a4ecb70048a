"""Runs you can trust: kill, resume bit-exact, safe loading, divergence, signals, locks.

These tests run real ``ganzoo`` subprocesses and really kill them.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.runs.rundir import RunDir
from tests.helpers import (
    NaNLoss,
    assert_same_run,
    ganzoo_cmd,
    logged_lines,
    run_ok,
    start_and_kill,
    tree_hash,
)

TRAIN = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "--log-every", "7"]
STEPS = 400


DIGITS = ["--dataset", "digits", "--batch-size", "32", "--log-every", "7"]
#: runs a SIGKILL must not change, each with state of its own that resume must restore
KILLED = {
    "vanilla": TRAIN,
    # the augmentations' random draws come from the saved generators (issue 24.5)
    "diffaugment": ["--model", "dcgan", "--augment", "color,translation,cutout", *DIGITS],
    # the codes' priors (a one-hot class, two uniforms) are drawn beside the noise
    "infogan": ["--model", "infogan", *DIGITS],
    # labels, D's auxiliary classifier and augmentation together
    "acgan-augment": [
        "--model", "dcgan", "--conditional", "-M", "acgan=true", "--augment", "translation",
        *DIGITS,
    ],
}  # fmt: skip


@pytest.fixture(scope="module", params=list(KILLED))
def reference_run(request, tmp_path_factory) -> tuple[list[str], Path]:
    """A case's training options and its run, trained in one go."""
    out = tmp_path_factory.mktemp(request.param) / "run"
    args = KILLED[request.param]
    run_ok("train", *args, "--steps", STEPS, "--seed", "3", "--out", out, "-q")
    return args, out


@pytest.mark.slow
def test_killed_run_resumes_bit_exact(tmp_path, reference_run):
    """SIGKILL at random moments, resume each time: the same weights, optimiser and
    augmentation states, random states and log as one clean run."""
    args, reference = reference_run
    out = tmp_path / "run"
    rng = random.Random(0)
    fresh = ganzoo_cmd("train", *args, "--steps", STEPS, "--seed", "3", "--out", out, "-q")
    fresh += ["--checkpoint-every", "5"]
    kills, resumed_at = 0, []
    while kills < 5:
        if RunDir(out).latest_checkpoint() is None:
            shutil.rmtree(out, ignore_errors=True)  # killed before its first checkpoint
            cmd = fresh
        else:
            resumed_at.append(RunDir(out).load_checkpoint()["step"])
            cmd = ganzoo_cmd("train", "--resume", out, "-q")
        if not start_and_kill(cmd, out, rng):
            break
        kills += 1
    resumed_at.append(RunDir(out).load_checkpoint()["step"])
    run_ok("train", "--resume", out, "-q")
    assert kills == 5
    assert len(resumed_at) >= 3 and 0 < resumed_at[-1] < STEPS  # mid-run, from checkpoints
    assert RunDir(out).read_summary()["steps"] == STEPS
    assert_same_run(out, reference)


@pytest.mark.slow
def test_every_checkpoint_left_by_a_kill_loads(tmp_path):
    out = tmp_path / "run"
    rng = random.Random(1)
    fresh = ganzoo_cmd("train", *TRAIN, "--steps", "100000", "--out", out, "-q")
    fresh += ["--checkpoint-every", "2", "--keep-checkpoints", "4"]
    for _ in range(5):
        has_checkpoint = RunDir(out).latest_checkpoint() is not None
        if not has_checkpoint:
            shutil.rmtree(out, ignore_errors=True)
        assert start_and_kill(
            ganzoo_cmd("train", "--resume", out, "-q") if has_checkpoint else fresh, out, rng
        )
        found = RunDir(out).checkpoints()
        assert 0 < len(found) <= 4 + 1  # a kill between save and prune leaves one extra
        for path in found:
            assert RunDir(out).load_checkpoint(path)["step"] > 0
        assert not list((out / "checkpoints").glob(".*.tmp"))[1:]  # at most the torn one in flight


def test_resume_of_a_finished_run_asks_for_more_steps_and_extends(tmp_path, run_cli):
    out = tmp_path / "run"
    assert run_cli("train", *TRAIN, "--steps", "10", "--out", out, "-q").exit_code == 0
    before = tree_hash(out)
    result = run_cli("train", "--resume", out)
    assert result.exit_code == 2 and "already reached step 10 of 10" in result.err
    assert tree_hash(out) == before
    assert run_cli("train", "--resume", out, "--steps", "14", "-q").exit_code == 0
    assert RunDir(out).read_metrics()[-1]["step"] == 14
    assert RunDir(out).load_checkpoint()["step"] == 14


def test_resume_refuses_changed_options(tmp_path, run_cli):
    out = tmp_path / "run"
    assert run_cli("train", *TRAIN, "--steps", "4", "--out", out, "-q").exit_code == 0
    result = run_cli("train", "--resume", out, "--lr", "0.1")
    assert result.exit_code == 2 and "--lr cannot change" in result.err


class Payload:
    """Unpickling this creates a marker file: what a hostile checkpoint would do."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_checkpoint_with_code_is_refused_and_never_runs(tmp_path, run_cli):
    out = tmp_path / "run"
    assert run_cli("train", *TRAIN, "--steps", "4", "--out", out, "-q").exit_code == 0
    marker = tmp_path / "pwned"
    hostile = RunDir(out).checkpoint_path(99)
    torch.save({"model": Payload(str(marker))}, hostile)
    (out / "checkpoints" / "LATEST").write_text(hostile.name)  # and mark it the newest
    with pytest.raises(ganzoo.GanzooError, match=r"step_00000099\.pt: it holds pickled code"):
        RunDir(out).load_checkpoint(hostile)
    assert not marker.exists()
    # resume skips it (saying why) and falls back to the good one
    result = run_cli("train", "--resume", out, "--steps", "6", "-q")
    assert result.exit_code == 0, result.err
    assert "skipping" in result.err and "step_00000099.pt" in result.err
    assert not marker.exists()


def test_corrupt_newest_checkpoint_falls_back_to_previous(tmp_path, run_cli):
    out = tmp_path / "run"
    args = ("train", *TRAIN, "--steps", "12", "--checkpoint-every", "4", "--out", out, "-q")
    assert run_cli(*args).exit_code == 0
    newest = RunDir(out).latest_checkpoint()
    newest.write_bytes(newest.read_bytes()[:1000])  # torn
    with pytest.raises(ganzoo.GanzooError, match=r"step_00000012\.pt: the file is truncated"):
        RunDir(out).load_checkpoint(newest)
    result = run_cli("train", "--resume", out, "--steps", "12", "-q")
    assert result.exit_code == 0, result.err
    assert "resuming" in result.err and "step_00000008.pt" in result.err
    assert RunDir(out).load_checkpoint()["step"] == 12


def test_divergence_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, run_cli):
    name = ganzoo.register_plugin(NaNLoss(), name="nan-test")
    try:
        out = tmp_path / "run"
        result = run_cli(
            "train", *TRAIN, "--loss", "nan-at-5", "--steps", "20", "--checkpoint-every", "3",
            "--out", out, "-q",
        )  # fmt: skip
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 3
    assert "g_loss became non-finite at step 5 (generator)" in result.err
    assert "Traceback" not in result.err
    kept = RunDir(out).load_checkpoint()
    assert kept["step"] == 3
    assert all(torch.isfinite(v).all() for v in kept["model"].values() if v.is_floating_point())
    event = RunDir(out).read_metrics()[-1]
    assert event == {"event": "diverged", "network": "generator", "statistic": "g_loss", "step": 5}


def test_huge_learning_rate_is_caught(tmp_path, run_cli):
    out = tmp_path / "run"
    result = run_cli("train", *TRAIN, "--lr", "1e30", "--steps", "30", "--out", out, "-q")
    assert result.exit_code == 3, result.err
    assert "training diverged" in result.err and "try a lower --lr" in result.err


def wait_for_log(out: Path, proc: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while logged_lines(out) < 1 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_saves_a_checkpoint_and_says_how_to_resume(tmp_path, sig, code):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        ganzoo_cmd("train", *TRAIN, "--steps", "100000", "--out", out, "-q"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_for_log(out, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert f"ganzoo train --resume {out}" in err and "checkpoint saved" in err
    assert "Traceback" not in err
    step = RunDir(out).load_checkpoint()["step"]
    assert step >= RunDir(out).read_metrics()[-1]["step"] > 0


def test_second_writer_on_a_live_run_is_refused_and_a_killed_one_leaves_no_lock(tmp_path, run_cli):
    out = tmp_path / "run"
    cmd = ganzoo_cmd("train", *TRAIN, "--steps", "100000", "--checkpoint-every", "5", "--out", out)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_log(out, proc)
        result = run_cli("train", "--resume", out, "--steps", "5")
        assert result.exit_code == 2 and "is in use by a live run" in result.err
        result = run_cli("train", *TRAIN, "--out", out, "--overwrite", "--steps", "2")
        assert result.exit_code == 2 and "is in use by a live run" in result.err
    finally:
        proc.kill()
        proc.wait()
    step = RunDir(out).load_checkpoint()["step"]
    result = run_cli("train", "--resume", out, "--steps", step + 2, "-q")
    assert result.exit_code == 0, result.err


def test_overwrite_replaces_a_run_but_not_a_foreign_folder(tmp_path, run_cli):
    out = tmp_path / "run"
    assert run_cli("train", *TRAIN, "--steps", "3", "--out", out, "-q").exit_code == 0
    assert (
        run_cli("train", *TRAIN, "--steps", "5", "--out", out, "-q", "--overwrite").exit_code == 0
    )
    assert RunDir(out).load_checkpoint()["step"] == 5
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "me.jpg").write_bytes(b"precious")
    result = run_cli("train", *TRAIN, "--steps", "3", "--out", foreign, "--overwrite")
    assert result.exit_code == 2 and "is not a ganzoo run" in result.err
    assert (foreign / "me.jpg").read_bytes() == b"precious"


def test_time_budget_stops_training_and_records_why(tmp_path):
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    result = train(TrainConfig(time_budget=1.0, out=str(tmp_path / "t")))
    summary = RunDir(result.run_dir).read_summary()
    assert summary["stopped_by"] == "time budget" and summary["seconds"] >= 1.0
    assert RunDir(result.run_dir).load_checkpoint()["step"] == summary["steps"] > 0
    assert (result.run_dir / "loss_curves.png").exists()


# --- Ctrl-C in an evaluation; divergence before grids and evaluations (issue 14, item 5) ---

QUIET = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "-q"]


def test_ctrl_c_during_an_evaluation_stops_it_and_saves_that_step(tmp_path, monkeypatch):
    from ganzoo.training import loop, steps
    from ganzoo.training.config import TrainConfig

    seen = {}

    def evaluation_hit_by_ctrl_c(s):
        seen["step"] = s.step
        signal.raise_signal(signal.SIGINT)  # the handler stops the evaluation here
        raise AssertionError("the evaluation went on after Ctrl-C")

    monkeypatch.setattr(steps, "evaluate_now", evaluation_hit_by_ctrl_c)
    out = tmp_path / "run"
    config = TrainConfig(
        steps=30, batch_size=32, eval_every=7, eval_samples=20, checkpoint_every=100, out=str(out)
    )
    with pytest.raises(loop.Interrupted, match="SIGINT at step 7; checkpoint saved") as stop:
        loop.train(config)
    assert stop.value.exit_code == 130 and seen["step"] == 7
    assert RunDir(out).load_checkpoint()["step"] == 7
    assert not (out / "eval").exists() or not any((out / "eval").iterdir())


def test_divergence_is_caught_before_any_sample_grid_is_drawn(tmp_path, run_cli):
    name = ganzoo.register_plugin(NaNLoss(), name="nan-grid-test")
    try:
        out = tmp_path / "run"
        result = run_cli(
            "train", *QUIET, "--loss", "nan-at-5", "--steps", "60", "--log-every", "1000",
            "--checkpoint-every", "1000", "--out", out,
        )  # fmt: skip
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 3, result.err
    assert "g_loss became non-finite at step 5" in result.err
    assert not list((out / "samples").glob("*.png"))  # no grid of a NaN model
    assert RunDir(out).latest_checkpoint() is None


def test_evaluation_checks_divergence_first(tmp_path, run_cli):
    name = ganzoo.register_plugin(NaNLoss(), name="nan-eval-test")
    try:
        out = tmp_path / "run"
        result = run_cli(
            "train", *QUIET, "--loss", "nan-at-5", "--steps", "20", "--log-every", "1000",
            "--checkpoint-every", "1000", "--eval-every", "6", "--eval-samples", "20",
            "--out", out,
        )  # fmt: skip
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 3, result.err
    assert not (out / "eval").exists() or not any((out / "eval").iterdir())
