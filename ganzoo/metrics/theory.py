"""The seed's claims about GANs, as functions you can run and check on 1-D data.

- For a fixed G, the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x))
  (Goodfellow et al. 2014, Proposition 1): :func:`optimal_discriminator`,
  :func:`train_discriminator`.
- At the game's optimum p_g = p_data and D*(x) = ½ everywhere: :func:`snapshot_1d` records
  p_data, p_g and D(x) on a grid, :func:`wasserstein1` measures how far p_g is from p_data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ganzoo.api.data import DataSource
from ganzoo.api.losses import AdversarialLoss
from ganzoo.api.models import GAN


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), where the denominator is positive."""
    return p_data / (p_data + p_g).clamp_min(torch.finfo(p_data.dtype).tiny)


def kde_density(
    samples: torch.Tensor, xs: torch.Tensor, bandwidth: float | None = None
) -> torch.Tensor:
    """Gaussian kernel density estimate of 1-D ``samples`` at ``xs`` (Silverman's bandwidth)."""
    samples = samples.reshape(-1).double()
    xs = xs.reshape(-1).double()
    if bandwidth is None:
        iqr = (samples.quantile(0.75) - samples.quantile(0.25)).item() / 1.34
        spread = min(samples.std().item(), iqr) if iqr > 0 else samples.std().item()
        bandwidth = 0.9 * max(spread, 1e-6) * samples.numel() ** (-0.2)
    z = (xs[:, None] - samples[None, :]) / bandwidth
    return (
        torch.exp(-0.5 * z**2).sum(dim=1) / (samples.numel() * bandwidth * math.sqrt(2 * math.pi))
    ).float()


def wasserstein1(a: torch.Tensor, b: torch.Tensor) -> float:
    """W1 distance between two 1-D samples, in the data's units (quantile coupling).

    W1 is the average distance each unit of probability mass must move to turn one
    distribution into the other: unlike KL or JS it stays finite and meaningful when the
    supports do not overlap, so it tracks p_g approaching p_data from the very start.
    """
    qs = torch.linspace(0.0005, 0.9995, 2000, dtype=torch.float64)
    return (
        (a.reshape(-1).double().quantile(qs) - b.reshape(-1).double().quantile(qs))
        .abs()
        .mean()
        .item()
    )


@torch.no_grad()
def discriminator_curve(model: GAN, xs: torch.Tensor) -> torch.Tensor:
    """D(x) = sigmoid(logit) on a 1-D grid ``xs``."""
    was_training = model.training
    model.eval()
    try:
        return torch.sigmoid(model.discriminate(xs.reshape(-1, 1).to(model.device))).cpu()
    finally:
        model.train(was_training)


def train_discriminator(
    model: GAN,
    objective: AdversarialLoss,
    real_batch: Callable[[], torch.Tensor],
    steps: int,
    batch_size: int,
    lr: float = 1e-3,
) -> None:
    """Train D alone, G held fixed: the inner maximisation of min_G max_D V(D, G)."""
    opt = torch.optim.Adam(model.discriminator.parameters(), lr=lr)
    for _ in range(steps):
        real = real_batch()
        with torch.no_grad():
            fake = model.generator(model.sample_latent(batch_size))
        loss = objective.discriminator_loss(model.discriminate(real), model.discriminate(fake))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


@torch.no_grad()
def snapshot_1d(
    model: Any, data: DataSource, xs: torch.Tensor, n: int = 5000, seed: int = 0
) -> dict[str, list[float]]:
    """p_data, p_g and (for a GAN) D(x) on the grid ``xs``: one panel of the seed's figure."""
    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    model.eval()
    try:
        fake = model.sample(n, generator=generator).float().cpu()
    finally:
        model.train(was_training)
    p_data = data.density(xs.reshape(-1, 1))
    if p_data is None:
        p_data = kde_density(data.samples[:n].cpu(), xs)
    snapshot = {
        "x": xs.tolist(),
        "p_data": p_data.reshape(-1).tolist(),
        "p_g": kde_density(fake, xs).tolist(),
    }
    if hasattr(model, "discriminate"):
        snapshot["d"] = discriminator_curve(model, xs).tolist()
    return snapshot
