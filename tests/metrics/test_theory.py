"""The seed's theory, checked with ganzoo's own components on the 1-D Gaussian.

Distance used: W1 (earth mover's) in units of x. The data is N(2, 0.5²); a generator that
has not learnt starts about 2 away (W1 ≈ 2). We call p_g close to p_data when W1 < 0.1,
a fifth of the data's standard deviation: the two histograms are then hard to tell apart
by eye, and the optimal discriminator on the support stays within about ±0.1 of ½.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.api.models import GAN
from ganzoo.host.build import create_loss, create_model, load_dataset
from ganzoo.metrics.theory import (
    discriminator_curve,
    kde_density,
    optimal_discriminator,
    train_discriminator,
    wasserstein1,
)
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import train


def _real_batches(data, batch_size, seed=0):
    g = torch.Generator().manual_seed(seed)
    return lambda: data.samples[torch.randint(len(data), (batch_size,), generator=g)]


def test_optimal_discriminator_formula():
    p_data, p_g = torch.tensor([1.0, 0.0, 0.3, 0.2]), torch.tensor([1.0, 0.5, 0.1, 0.0])
    assert torch.allclose(optimal_discriminator(p_data, p_g), torch.tensor([0.5, 0.0, 0.75, 1.0]))


def test_kde_recovers_a_known_density():
    x = torch.randn(20_000, generator=torch.Generator().manual_seed(0))
    xs = torch.linspace(-2, 2, 9)
    exact = torch.exp(-0.5 * xs**2) / (2 * torch.pi) ** 0.5
    assert (kde_density(x, xs) - exact).abs().max() < 0.02


def test_discriminator_trained_against_fixed_generator_approaches_d_star():
    """Proposition 1: for fixed G, D converges to p_data / (p_data + p_g)."""
    torch.manual_seed(0)
    data = load_dataset("gaussian1d", None)  # N(2, 0.5²)
    model = create_model("vanilla", data.info, 1, {})
    generator = nn.Linear(1, 1)  # fixed G(z) = 0.8 z + 1.5, so p_g = N(1.5, 0.8²) exactly
    with torch.no_grad():
        generator.weight.fill_(0.8)
        generator.bias.fill_(1.5)
    fixed = GAN(generator.requires_grad_(False), model.discriminator, 1, data.info)
    train_discriminator(
        fixed, create_loss("minimax", {}), _real_batches(data, 512), 1500, 512, lr=2e-3
    )

    xs = torch.linspace(0.5, 3.5, 61)  # where both densities carry mass
    p_g = torch.exp(-0.5 * ((xs - 1.5) / 0.8) ** 2) / (0.8 * (2 * torch.pi) ** 0.5)
    d_star = optimal_discriminator(data.density(xs.unsqueeze(1)).reshape(-1), p_g)
    d = discriminator_curve(fixed, xs)
    assert (d - d_star).abs().max() < 0.07, (d - d_star).abs().max()
    assert d_star.min() < 0.1 and d_star.max() > 0.6  # a non-trivial target


@pytest.mark.slow
def test_after_training_p_g_matches_p_data_and_d_flattens_to_one_half(tmp_path):
    config = TrainConfig(
        model="vanilla", loss="nonsat", dataset="gaussian1d", steps=2000, batch_size=256,
        lr=5e-4, seed=0, out=str(tmp_path / "run"), log_every=200, sample_every=10,
    )  # fmt: skip
    result = train(config)
    from ganzoo.runs.loading import load_run_model

    model = load_run_model(result.run_dir)
    data = load_dataset("gaussian1d", None, split="test")
    fake = model.sample(5000, generator=torch.Generator().manual_seed(1))
    assert wasserstein1(fake, data.samples) < 0.1
    untrained = create_model("vanilla", data.info, None, {})
    assert wasserstein1(untrained.sample(5000), data.samples) > 1.0
    support = torch.linspace(1.0, 3.0, 41)  # mean ± 2 std
    d = discriminator_curve(model, support)
    assert (d - 0.5).abs().max() < 0.12, d


def test_plot_dynamics_draws_the_seed_figure_from_recorded_snapshots(run_cli, tmp_path):
    out = tmp_path / "fig1"
    args = ("train", "--dataset", "gaussian1d", "--epochs", "3", "--batch-size", "512")
    assert run_cli(*args, "--out", out, "-q").exit_code == 0
    from ganzoo.runs.rundir import DYNAMICS, RunDir

    snapshots = RunDir(out).read_jsonl(DYNAMICS)
    assert [s["epoch"] for s in snapshots] == [0, 1, 2, 3]  # 0: before training
    for snap in snapshots:
        assert len(snap["x"]) == len(snap["p_data"]) == len(snap["p_g"]) == len(snap["d"])
        assert all(0 <= d <= 1 for d in snap["d"])
    result = run_cli("plot-dynamics", out, "--panels", "3")
    assert result.exit_code == 0, result.err
    assert (out / "dynamics.png").stat().st_size > 10_000

    digits = tmp_path / "digits"
    assert run_cli("train", "--steps", "2", "--out", digits, "-q").exit_code == 0
    result = run_cli("plot-dynamics", digits)
    assert result.exit_code == 2 and "recorded no 1-D dynamics (dataset 'digits')" in result.err
