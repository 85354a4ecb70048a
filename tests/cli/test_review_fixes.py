"""Defects a review of the first release found, each shown fixed (issue 14, items 1-3 and 5)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

import ganzoo
from ganzoo.runs.rundir import RunDir
from tests.helpers import NaNLoss, tree_hash

TRAIN = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "-q"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One cache for the module: the digits classifier is trained once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _shared_cache(cache, monkeypatch):
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(cache))


@pytest.fixture
def old_run(tmp_path, run_cli) -> Path:
    out = tmp_path / "old"
    assert run_cli("train", *TRAIN, "--steps", "6", "--out", out).exit_code == 0
    return out


# --- 1. --overwrite deletes nothing until the new run is checked and built ------------------


@pytest.mark.parametrize(
    "bad",
    [
        ["--model", "vanila"],
        ["--loss", "elbo"],
        ["--dataset", "mnist", "--data-dir", "/nonexistent/data"],
        ["--model-option", "nope=1"],
        ["--lr", "-1"],
        ["--device", "cuda"],
        ["--sync-bn"],
        ["--eval-every", "2", "--feature-extractor", "nope"],
        ["--eval-every", "2", "--dataset", "ring2d"],
        ["--batch-size", "5000"],
    ],
    ids=lambda a: " ".join(a),
)
def test_refused_overwrite_leaves_the_old_run_byte_for_byte(old_run, run_cli, bad):
    before = tree_hash(old_run)
    result = run_cli("train", *TRAIN, "--steps", "6", "--out", old_run, "--overwrite", *bad)
    assert result.exit_code != 0
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    assert "Traceback" not in result.err
    assert tree_hash(old_run) == before


def test_good_overwrite_replaces_the_run(old_run, run_cli):
    result = run_cli("train", *TRAIN, "--steps", "4", "--out", old_run, "--overwrite")
    assert result.exit_code == 0, result.err
    assert RunDir(old_run).read_summary()["steps"] == 4


# --- 2. compare reuses a stored result only when it was measured the same way --------------


def test_compare_measures_anew_after_a_resume_and_refuses_other_splits_and_seeds(tmp_path, run_cli):
    a, b = tmp_path / "a", tmp_path / "b"
    for run in (a, b):
        assert run_cli("train", *TRAIN, "--steps", "5", "--out", run).exit_code == 0
        assert run_cli("eval", run, "--samples", "100").exit_code == 0
    assert run_cli("train", "--resume", a, "--steps", "12", "-q").exit_code == 0

    refused = run_cli("compare", a, b, "--samples", "100", "--no-eval", "--out", tmp_path / "r")
    assert refused.exit_code == 2
    assert "differs in step: 5 stored, 12 wanted" in refused.err

    shown = run_cli("compare", a, b, "--samples", "100", "--out", tmp_path / "c", "--json")
    assert shown.exit_code == 0, shown.err
    rows = {r["name"]: r for r in json.loads(shown.out)["runs"]}
    assert rows["a"]["steps"] == 12 and rows["a"]["metrics"]["step"] == 12
    assert rows["b"]["metrics"]["step"] == 5

    seed = run_cli(
        "compare", a, b, "--samples", "100", "--seed", "3", "--no-eval", "--out", tmp_path / "s"
    )
    assert seed.exit_code == 2 and "differs in seed: 0 stored, 3 wanted" in seed.err
    assert run_cli("eval", a, "--samples", "100", "--split", "train").exit_code == 0
    assert run_cli("eval", b, "--samples", "100", "--split", "train").exit_code == 0
    # the newest stored results are now train-split ones: they are not reused for test
    again = run_cli("compare", a, b, "--samples", "100", "--no-eval", "--out", tmp_path / "t")
    assert again.exit_code == 0, again.err


def test_compare_refuses_a_run_resumed_but_not_finished(tmp_path, run_cli):
    a, b = tmp_path / "a", tmp_path / "b"
    for run in (a, b):
        assert run_cli("train", *TRAIN, "--steps", "5", "--out", run).exit_code == 0
    state = RunDir(a).load_checkpoint()
    RunDir(a).save_checkpoint(state, 9, keep=3)  # as a resume killed after step 9 leaves it
    result = run_cli("compare", a, b, "--samples", "100", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "resumed and not finished" in result.err


# --- 3. compare --models checks the evaluation before training anything ---------------------


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--feature-extractor", "nope"], "unknown feature extractor"),
        (["--samples", "3"], "--samples must be an integer >= 10"),
        (["--feature-extractor", "inception", "--inception-weights", "/no/such.pth"], "such"),
        (["--dataset", "ring2d"], "defined for images"),
        (["--no-eval"], "--no-eval needs RUNS"),
    ],
)
def test_compare_models_refuses_bad_evaluation_options_before_training(
    tmp_path, run_cli, bad, message
):
    report = tmp_path / "report"
    cmd = ["compare", "--models", "vanilla,vae", "--steps", "2", "--out", report, *bad]
    result = run_cli(*cmd)
    assert result.exit_code == 2 and message in result.err, result.err
    assert not report.exists()


def test_a_failed_compare_leaves_no_folder_that_blocks_a_rerun(tmp_path, run_cli, monkeypatch):
    import ganzoo.tools.compare

    def broken(*args, **kwargs):
        raise ganzoo.UsageError("the evaluation broke")

    report = tmp_path / "report"
    cmd = ["compare", "--models", "vanilla,vae", "--steps", "2", "--samples", "20", "--out", report]
    monkeypatch.setattr(ganzoo.tools.compare, "compare_runs", broken)
    assert run_cli(*cmd).exit_code == 2
    assert not report.exists()
    monkeypatch.undo()
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path / "cache"))
    result = run_cli(*cmd)
    assert result.exit_code == 0, result.err
    assert (report / "report.md").is_file()


# --- 5. crashes and false promises of the loop ----------------------------------------------


def test_fp16_with_several_discriminator_steps_trains(tmp_path, run_cli):
    out = tmp_path / "run"
    result = run_cli(
        "train", *TRAIN, "--amp", "fp16", "--d-steps", "2", "--steps", "4", "--device", "cpu",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    assert RunDir(out).load_checkpoint()["trainer"]["scaler"]


def test_sync_bn_off_cuda_is_one_clear_line(tmp_path, run_cli):
    result = run_cli("train", *TRAIN, "--sync-bn", "--device", "cpu", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "--sync-bn needs CUDA" in result.err
    assert "Traceback" not in result.err and not (tmp_path / "r").exists()


def test_ctrl_c_during_an_evaluation_stops_it_and_saves_that_step(tmp_path, monkeypatch):
    from ganzoo.training import loop
    from ganzoo.training.config import TrainConfig

    seen = {}

    def evaluation_hit_by_ctrl_c(s):
        seen["step"] = s.step
        signal.raise_signal(signal.SIGINT)  # the handler stops the evaluation here
        raise AssertionError("the evaluation went on after Ctrl-C")

    monkeypatch.setattr(loop, "evaluate_now", evaluation_hit_by_ctrl_c)
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
            "train", *TRAIN, "--loss", "nan-at-5", "--steps", "60", "--log-every", "1000",
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
            "train", *TRAIN, "--loss", "nan-at-5", "--steps", "20", "--log-every", "1000",
            "--checkpoint-every", "1000", "--eval-every", "6", "--eval-samples", "20",
            "--out", out,
        )  # fmt: skip
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 3, result.err
    assert not (out / "eval").exists() or not any((out / "eval").iterdir())


@pytest.mark.parametrize("command", [["train", "--resume"], ["eval"], ["plot-dynamics"]])
def test_a_config_json_without_its_config_is_one_clear_line(old_run, run_cli, command):
    (old_run / "config.json").write_text('{"something": "else"}')
    before = tree_hash(old_run)
    result = run_cli(*command, old_run)
    assert result.exit_code != 0, result.err
    assert "config.json is malformed: it has no 'config' key" in result.err
    assert len([line for line in result.err.splitlines() if line.strip()]) == 1
    assert "Traceback" not in result.err and tree_hash(old_run) == before
