"""``ganzoo train`` end to end on the embedded digits, and its run folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import train
from tests.helpers import tree_hash


def test_train_vanilla_nonsat_on_digits_leaves_a_complete_run(run_cli, tmp_path):
    out = tmp_path / "run"
    result = run_cli(
        "train", "--model", "vanilla", "--loss", "nonsat", "--epochs", "2",
        "--batch-size", "128", "--log-every", "3", "--out", out, "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    assert "run folder" in result.err

    config = json.loads((out / "config.json").read_text())
    assert config["config"]["model"] == "vanilla" and config["config"]["loss"] == "nonsat"
    assert config["config"]["seed"] == 0 and config["config"]["lr"] == 2e-3  # vanilla on digits
    assert config["data"]["shape"] == [1, 8, 8]
    steps_per_epoch = config["resolved"]["steps_per_epoch"]
    assert steps_per_epoch == 1438 // 128  # digits' training split, full batches
    assert config["resolved"]["steps"] == 2 * steps_per_epoch

    records = [r for r in RunDir(out).read_metrics() if "event" not in r]  # log lines only
    total = 2 * steps_per_epoch
    assert [r["step"] for r in records] == [*range(3, total + 1, 3), total][: len(records)]
    assert records[-1]["step"] == total and total % 3 != 0  # the last step is always logged
    for r in records:
        assert {"d_loss", "g_loss", "d_real", "d_fake", "epoch", "images"} <= set(r)
        assert 0 <= r["d_real"] <= 1 and 0 <= r["d_fake"] <= 1

    grids = sorted((out / "samples").glob("epoch_*.png"))
    assert [g.name for g in grids] == ["epoch_0001.png", "epoch_0002.png"]
    assert Image.open(grids[0]).size[0] > 100  # 64 images of at least 32 px
    assert Image.open(out / "loss_curves.png").size[0] > 100
    checkpoint = RunDir(out).load_checkpoint()
    assert checkpoint["step"] == 2 * steps_per_epoch
    assert {"model", "trainer", "rng", "config"} <= set(checkpoint)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 2 * steps_per_epoch and summary["images_per_second"] > 0


def _weights(run_dir):
    return RunDir(run_dir).load_checkpoint()["model"]


def test_same_seed_gives_identical_weights_and_another_seed_does_not(tmp_path):
    def run(name, seed):
        cfg = TrainConfig(steps=15, batch_size=32, seed=seed, out=str(tmp_path / name))
        return train(cfg).run_dir

    a, b, c = _weights(run("a", 7)), _weights(run("b", 7)), _weights(run("c", 8))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_train_on_1d_gaussian_draws_the_distribution_figure(tmp_path):
    cfg = TrainConfig(dataset="gaussian1d", steps=30, batch_size=128, out=str(tmp_path / "g"))
    result = train(cfg)
    figure = result.run_dir / "samples" / "epoch_0001.png"
    assert figure.exists()
    assert torch.isfinite(torch.tensor(list(result.final.values()))).all()


def test_d_steps_consume_k_batches_per_generator_step(run_cli, tmp_path, monkeypatch):
    """Each of the k D updates of a step takes its own real batch: 4 steps x 3 = 12 batches,
    all different, and the log's image count is what was drawn."""
    from ganzoo.training.adversarial import AdversarialTrainer, split_batch

    drawn: list[torch.Tensor] = []
    step = AdversarialTrainer.step

    def counting_step(self, next_batch):
        def draw():
            batch = next_batch()
            drawn.append(split_batch(batch)[0].detach().clone())
            return batch

        return step(self, draw)

    monkeypatch.setattr(AdversarialTrainer, "step", counting_step)
    out = tmp_path / "k"
    result = run_cli(
        "train", "--d-steps", "3", "--steps", "4", "--batch-size", "64", "--out", out, "-q"
    )
    assert result.exit_code == 0, result.err
    assert len(drawn) == 4 * 3 and all(len(batch) == 64 for batch in drawn)
    assert len({batch.numpy().tobytes() for batch in drawn}) == 12  # no batch used twice
    records = [r for r in RunDir(out).read_metrics() if "event" not in r]  # log lines only
    assert records[-1]["images"] == sum(len(batch) for batch in drawn)


def test_load_run_model_restores_the_trained_generator(tmp_path):
    from ganzoo.runs.loading import load_run_model

    result = train(TrainConfig(steps=5, batch_size=32, out=str(tmp_path / "r")))
    model = load_run_model(result.run_dir, ema=False)  # the trained weights, as saved
    state = RunDir(result.run_dir).load_checkpoint()
    saved = state["model"]
    assert all(torch.equal(v, saved[k]) for k, v in model.state_dict().items())
    averaged = load_run_model(result.run_dir)  # by default a GAN samples with its EMA
    assert all(
        torch.equal(v, state["ema"]["weights"][k])
        for k, v in averaged.generator.state_dict().items()
    )
    x = model.sample(6, generator=torch.Generator().manual_seed(0))
    assert x.shape == (6, 1, 8, 8) and x.min() >= -1 and x.max() <= 1


def test_a_long_run_keeps_the_first_grid_and_about_thirty(tmp_path, run_cli):
    out = tmp_path / "long"
    assert run_cli("train", "--epochs", "70", "--out", out, "-q").exit_code == 0
    grids = sorted(p.name for p in (out / "samples").glob("epoch_*.png"))
    assert grids[0] == "epoch_0001.png" and grids[-1] == "epoch_0070.png"
    assert 30 <= len(grids) <= 37  # every second epoch, plus the first and the last


# --- --overwrite deletes nothing until the new run is checked and built (issue 14, item 1) ---

QUIET = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "-q"]


@pytest.fixture
def old_run(tmp_path, run_cli) -> Path:
    out = tmp_path / "old"
    assert run_cli("train", *QUIET, "--steps", "6", "--out", out).exit_code == 0
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
    result = run_cli("train", *QUIET, "--steps", "6", "--out", old_run, "--overwrite", *bad)
    assert result.exit_code != 0
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    assert "Traceback" not in result.err
    assert tree_hash(old_run) == before


def test_good_overwrite_replaces_the_run(old_run, run_cli):
    result = run_cli("train", *QUIET, "--steps", "4", "--out", old_run, "--overwrite")
    assert result.exit_code == 0, result.err
    assert RunDir(old_run).read_summary()["steps"] == 4
