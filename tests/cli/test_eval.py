"""``ganzoo eval`` and ``ganzoo train --eval-every``: tables, JSON, the run folder, errors."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
import urllib.error

import pytest
import torch

import ganzoo.metrics.inception as inception
from ganzoo.host.build import load_dataset
from ganzoo.metrics import load_results
from ganzoo.metrics.fidelity import Evaluator
from ganzoo.metrics.results import REQUIRED_KEYS
from ganzoo.metrics.spec import EvalSpec
from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import train
from tests.helpers import ImageSampler, tree_hash

pytestmark = pytest.mark.usefixtures("shared_cache")  # each classifier is trained once


@pytest.fixture(scope="module")
def gan_run(tmp_path_factory):
    """A vanilla GAN trained briefly on the embedded digits."""
    out = tmp_path_factory.mktemp("runs") / "gan"
    train(TrainConfig(steps=30, batch_size=64, out=str(out)))
    return out


def _one_line_error(result) -> str:
    assert result.exit_code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    assert "Traceback" not in result.err
    return lines[0]


def test_eval_prints_a_table_with_the_extractor_and_saves_only_under_eval(run_cli, gan_run):
    untouched = {p: tree_hash(p) for p in (gan_run / "checkpoints", gan_run / "samples")}
    config = (gan_run / "config.json").read_bytes()
    result = run_cli("eval", gan_run, "--samples", "100")
    assert result.exit_code == 0, result.err
    stored = load_results(gan_run)
    assert len(stored) == 1
    extractor = stored[0]["extractor"]
    assert extractor.startswith("domain-digits-")
    for word in (
        "classifier score (domain IS)",
        "FID",
        "KID",
        "density",
        extractor,
        "not comparable",
        "test accuracy",
        "step 30",
    ):
        assert word in result.out, word
    assert f"{stored[0]['fid']:.3f}" in result.out
    assert "saved" in result.err
    assert all(tree_hash(p) == h for p, h in untouched.items())
    assert (gan_run / "config.json").read_bytes() == config
    assert sorted(p.name for p in gan_run.iterdir() if p.name.startswith("eval")) == ["eval"]


def test_eval_json_is_for_scripts(run_cli, gan_run):
    result = run_cli(
        "eval", gan_run, "--samples", "50", "--json", "--split", "train", "--seed", "4"
    )
    assert result.exit_code == 0, result.err
    data = json.loads(result.out)
    assert set(REQUIRED_KEYS) <= set(data)
    assert data["samples"] == 50 and data["split"] == "train" and data["step"] == 30
    assert data["model"] == "vanilla" and data["loss"] == "nonsat" and data["seed"] == 4
    assert data in load_results(gan_run)


def test_a_vae_is_evaluated_like_a_gan(run_cli, tmp_path):
    out = tmp_path / "vae"
    trained = run_cli("train", "--model", "vae", "--steps", "20", "--out", out, "-q")
    assert trained.exit_code == 0, trained.err
    result = run_cli("eval", out, "--samples", "50", "--json")
    assert result.exit_code == 0, result.err
    data = json.loads(result.out)
    assert data["model"] == "vae" and math.isfinite(data["fid"])
    assert data["extractor"].startswith("domain-digits-")
    # a domain extractor's IS is stored as the classifier score, never as IS
    assert "inception_score_mean" not in data
    # classifier score = exp E KL(p(y|x) || p(y)): 1 for one image repeated, far above 1 for
    # real digits of ten classes; the VAE's lies between 1 and the ten classes
    real_is = data["floors"]["real"]["classifier_score_mean"]
    assert real_is > 4 and real_is > 1.5 * data["floors"]["noise"]["classifier_score_mean"]
    assert 1 <= data["classifier_score_mean"] <= 10
    one_image = load_dataset("digits", split="train").samples[:1].repeat(50, 1, 1, 1)
    constant = Evaluator(EvalSpec("digits", samples=50))(ImageSampler(one_image))
    assert constant.classifier_score_mean == pytest.approx(1.0, abs=1e-3)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_eval_errors_are_one_line_with_exit_code_2(run_cli, gan_run, tmp_path, monkeypatch):
    assert "is not a ganzoo run" in _one_line_error(run_cli("eval", tmp_path))
    assert "--samples must be an integer >= 10, got 3" in _one_line_error(
        run_cli("eval", gan_run, "--samples", "3")
    )
    line = _one_line_error(run_cli("eval", gan_run, "--feature-extractor", "incepton"))
    assert "unknown feature extractor 'incepton' (did you mean 'inception'?)" in line
    assert "does not exist" in _one_line_error(
        run_cli("eval", gan_run, "-f", "inception", "--inception-weights", tmp_path / "no.pth")
    )

    marker = tmp_path / "payload-ran"
    evil = tmp_path / "evil.pth"
    with open(evil, "wb") as f:
        pickle.dump({"fc.weight": _Payload(marker)}, f)
    line = _one_line_error(run_cli("eval", gan_run, "-f", "inception", "--inception-weights", evil))
    assert "refusing Inception weights" in line and str(evil) in line
    assert not marker.exists()

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.delenv(inception.ENV, raising=False)

    def no_network(url, destination):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    monkeypatch.setattr(inception, "download", no_network)
    line = _one_line_error(run_cli("eval", gan_run, "-f", "inception"))
    assert "--inception-weights PATH" in line and inception.ENV in line


class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_eval_help_does_not_import_torch():
    probe = (
        "import sys\nfrom ganzoo.cli import main\n"
        "try:\n    main(['eval', '--help'])\nexcept SystemExit as e:\n    code = e.code\n"
        "print('TORCH-LOADED' if 'torch' in sys.modules else 'TORCH-FREE', code, file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert "TORCH-FREE 0" in proc.stderr, proc.stderr
    assert "--feature-extractor" in proc.stdout and "--inception-weights" in proc.stdout


def test_train_eval_every_saves_results_and_leaves_training_unchanged(run_cli, tmp_path):
    common = ("train", "--steps", "12", "--batch-size", "32", "-q")
    plain = run_cli(*common, "--out", tmp_path / "plain")
    assert plain.exit_code == 0, plain.err
    evaluated = run_cli(
        *common, "--out", tmp_path / "eval", "--eval-every", "5", "--eval-samples", "60"
    )
    assert evaluated.exit_code == 0, evaluated.err
    results = load_results(tmp_path / "eval")
    assert [r["step"] for r in results] == [5, 10, 12]  # every 5 steps, and the final one
    assert {r["samples"] for r in results} == {60}
    assert all(r["extractor"].startswith("domain-digits-") for r in results)
    assert "FID" in evaluated.err and results[0]["extractor"] in evaluated.err
    summary = json.loads((tmp_path / "eval" / "summary.json").read_text())
    assert summary["eval"]["step"] == 12 and summary["eval"]["fid"] == results[-1]["fid"]
    # Evaluating draws no random numbers from the training: the weights are identical.
    a = RunDir(tmp_path / "plain").load_checkpoint()["model"]
    b = RunDir(tmp_path / "eval").load_checkpoint()["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_train_eval_options_are_checked_before_anything_runs(run_cli, tmp_path):
    out = tmp_path / "never"
    assert "--eval-every must be an integer >= 1" in _one_line_error(
        run_cli("train", "--eval-every", "0", "--out", out, "-q")
    )
    assert "--eval-samples must be an integer >= 10" in _one_line_error(
        run_cli("train", "--eval-every", "5", "--eval-samples", "2", "--out", out, "-q")
    )
    assert "(did you mean 'domain'?)" in _one_line_error(
        run_cli("train", "--feature-extractor", "domian", "--out", out, "-q")
    )
    assert "defined for images" in _one_line_error(
        run_cli("train", "--dataset", "gaussian1d", "--eval-every", "5", "--out", out, "-q")
    )
    assert not out.exists()
