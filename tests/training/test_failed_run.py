"""A run that fails before its first checkpoint leaves nothing that blocks the same command."""

from __future__ import annotations

import pytest

import ganzoo
from ganzoo.runs.rundir import RunDir
from ganzoo.runs.unfinished import discard, first_missing

TRAIN = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "--steps", "4"]
BROKEN = {"nan": True}  # the plugin's bug, "fixed" by the test between the two commands


class FirstStepLoss:
    """Registers ``first-step-nan``: G's loss is NaN from the first step while BROKEN."""

    @ganzoo.hookimpl
    def register_losses(self, register):
        register(
            "first-step-nan",
            "tests.training.test_failed_run:first_step_nan",
            description="NaN at step 1 until fixed",
            family="adversarial",
        )


def first_step_nan():
    from ganzoo_losses.gan import NonSaturatingLoss

    class FirstStepNaN(NonSaturatingLoss):
        def generator_loss(self, fake_logits):
            loss = super().generator_loss(fake_logits)
            return loss * float("nan") if BROKEN["nan"] else loss

    return FirstStepNaN()


@pytest.fixture
def nan_loss(monkeypatch):
    monkeypatch.setitem(BROKEN, "nan", True)
    name = ganzoo.register_plugin(FirstStepLoss(), name="first-step-nan")
    yield
    ganzoo.unregister_plugin(name)


def test_a_run_failing_before_its_first_checkpoint_can_be_run_again(tmp_path, run_cli, nan_loss):
    out = tmp_path / "made" / "by" / "ganzoo" / "run"
    command = ["train", *TRAIN, "--loss", "first-step-nan", "--out", out, "-q"]
    failed = run_cli(*command)
    assert failed.exit_code == 3, failed.err
    assert "training diverged" in failed.err and "no checkpoint was written" in failed.err
    assert not (tmp_path / "made").exists()  # the folders this invocation made are gone

    BROKEN["nan"] = False  # the plugin is fixed: the very same command now succeeds
    fixed = run_cli(*command)
    assert fixed.exit_code == 0, fixed.err
    assert RunDir(out).load_checkpoint()["step"] == 4


def test_an_empty_out_folder_that_existed_is_kept_and_left_empty(tmp_path, run_cli, nan_loss):
    out = tmp_path / "mine"
    out.mkdir()
    failed = run_cli("train", *TRAIN, "--loss", "first-step-nan", "--out", out, "-q")
    assert failed.exit_code == 3, failed.err
    assert out.is_dir() and list(out.iterdir()) == []


def test_discard_never_removes_what_it_did_not_create(tmp_path):
    keep = tmp_path / "parent" / "someone-elses.txt"
    run = tmp_path / "parent" / "new" / "run"
    keep.parent.mkdir()
    keep.write_text("x")
    top = first_missing(run)
    assert top == tmp_path / "parent" / "new"
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.json").write_text("{}")
    discard(run, top)
    assert not (tmp_path / "parent" / "new").exists() and keep.read_text() == "x"
