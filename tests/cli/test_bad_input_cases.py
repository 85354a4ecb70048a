"""Bad input: one clear line, exit code 2, no traceback, nothing overwritten."""

from __future__ import annotations

import pytest

import ganzoo
from tests.helpers import tree_hash

BAD = [
    (
        ["train", "--model", "vanila"],
        "unknown model 'vanila' (did you mean 'vanilla'?); valid models:",
    ),
    (["train", "--loss", "nonsatt"], "did you mean 'nonsat'?"),
    (["train", "--dataset", "mnits"], "did you mean 'mnist'?"),
    (["train", "--dataset", "imagenet"], "valid datasets:"),
    (["train", "--batch-size", "0"], "--batch-size must be an integer >= 1, got 0"),
    (["train", "--batch-size", "-5"], "--batch-size must be an integer >= 1"),
    (["train", "--steps", "0"], "--steps must be an integer >= 1, got 0"),
    (["train", "--epochs", "-1"], "--epochs must be an integer >= 1"),
    (["train", "--lr", "0"], "--lr must be a number > 0, got 0.0"),
    (["train", "--lr", "-0.1"], "--lr must be a number > 0"),
    (["train", "--lr", "abc"], "'abc' is not a valid float"),
    (["train", "--betas", "0.5", "1.5"], "--betas must be two numbers in [0, 1)"),
    (["train", "--d-steps", "0"], "--d-steps must be an integer >= 1"),
    (["train", "--device", "tpu"], "--device must be one of auto, cpu, cuda, mps"),
    (
        ["train", "--batch-size", "5000", "--steps", "1"],
        "needs more samples than dataset 'digits' has (1438)",
    ),
    (["train", "-M", "dropout=1.5", "--steps", "1"], "model 'vanilla': dropout must be in [0, 1)"),
    (
        ["train", "-M", "widht=3", "--steps", "1"],
        "model 'vanilla' has no option 'widht'; valid options:",
    ),
    (["train", "-M", "novalue", "--steps", "1"], "--model-option takes KEY=VALUE"),
    (["train", "--frobnicate"], "No such option '--frobnicate'. (see 'ganzoo train --help')"),
    (["list", "gizmos"], "'gizmos' is not one of"),
    (["nonsense"], "No such command 'nonsense'"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_invocation_is_one_clear_line(run_cli, tmp_path, args, message):
    result = run_cli(*args, "--out", tmp_path / "new") if args[0] == "train" else run_cli(*args)
    assert result.exit_code == 2, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("Error: ")
    assert message in lines[0]
    assert "Traceback" not in result.err
    assert not (tmp_path / "new").exists()  # nothing created for a refused run


def test_existing_run_folder_is_never_overwritten(run_cli, tmp_path):
    out = tmp_path / "run"
    assert run_cli("train", "--steps", "3", "--out", out, "-q").exit_code == 0
    before = tree_hash(out)
    result = run_cli("train", "--steps", "3", "--out", out, "-q")
    assert result.exit_code == 2
    assert "is not empty; choose a new folder" in result.err
    assert tree_hash(out) == before


def test_out_that_is_a_file_is_refused(run_cli, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    result = run_cli("train", "--steps", "1", "--out", target)
    assert result.exit_code == 2 and "is a file, not a folder" in result.err
    assert target.read_text() == "keep me"


class IncompatiblePlugin:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("images-only", "tests.cli.test_bad_input:images_only", description="test")


def images_only(info, latent_dim=None):
    raise ganzoo.IncompatibleDataError(
        f"model 'images-only' needs C×H×W images; dataset {info.name!r} has shape {info.shape}"
    )


def test_model_that_cannot_be_built_for_the_data_says_why(run_cli, tmp_path):
    name = ganzoo.register_plugin(IncompatiblePlugin(), name="incompatible-test")
    try:
        result = run_cli(
            "train", "--model", "images-only", "--dataset", "gaussian1d", "--out", tmp_path / "x"
        )
    finally:
        ganzoo.unregister_plugin(name)
    assert result.exit_code == 2
    assert "needs C×H×W images; dataset 'gaussian1d' has shape (1,)" in result.err
    assert not (tmp_path / "x").exists()


def test_missing_mnist_says_where_and_how(run_cli, tmp_path):
    result = run_cli("train", "--dataset", "mnist", "--data-dir", tmp_path, "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert f"mnist not found in {tmp_path}/MNIST/raw" in result.err
    assert "--download" in result.err and "--data-dir" in result.err
    assert "Traceback" not in result.err
