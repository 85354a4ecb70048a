"""Synthetic low-dimensional data whose density is known, so p_g can be checked against it."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from ganzoo.api.data import DataInfo, TensorSource

SIZES = {"train": 20_000, "test": 5_000}
SPLIT_SEEDS = {"train": 0, "test": 1}


class Gaussian1D(TensorSource):
    """Samples of N(mean, std²), with the exact density for plots and tests."""

    def __init__(self, split: str, mean: float, std: float) -> None:
        if std <= 0:
            raise ValueError(f"std must be > 0, got {std}")
        g = torch.Generator().manual_seed(SPLIT_SEEDS[split])
        x = mean + std * torch.randn(SIZES[split], 1, generator=g)
        super().__init__(DataInfo("gaussian1d", (1,), "vector"), x)
        self.mean, self.std = mean, std

    def density(self, x: torch.Tensor) -> torch.Tensor:
        z = (x.reshape(-1) - self.mean) / self.std
        return torch.exp(-0.5 * z**2) / (self.std * math.sqrt(2 * math.pi))


class Ring2D(TensorSource):
    """A mixture of ``modes`` Gaussians evenly spaced on a circle (Metz et al. 2017)."""

    def __init__(self, split: str, modes: int, radius: float, std: float) -> None:
        if modes < 1 or radius <= 0 or std <= 0:
            raise ValueError(f"need modes >= 1, radius > 0, std > 0; got {modes}, {radius}, {std}")
        angles = 2 * math.pi * torch.arange(modes) / modes
        self.centers = radius * torch.stack([angles.cos(), angles.sin()], dim=1)
        g = torch.Generator().manual_seed(SPLIT_SEEDS[split])
        labels = torch.randint(0, modes, (SIZES[split],), generator=g)
        x = self.centers[labels] + std * torch.randn(SIZES[split], 2, generator=g)
        super().__init__(DataInfo("ring2d", (2,), "vector", modes), x, labels)
        self.std = std

    def density(self, x: torch.Tensor) -> torch.Tensor:
        d2 = ((x[:, None, :] - self.centers.to(x.device)[None]) ** 2).sum(-1)
        comp = torch.exp(-0.5 * d2 / self.std**2) / (2 * math.pi * self.std**2)
        return comp.mean(dim=1)


def gaussian1d(
    root: Path | None = None,
    download: bool = False,
    split: str = "train",
    mean: float = 2.0,
    std: float = 0.5,
) -> Gaussian1D:
    """p_data of the GAN paper's Figure 1: N(2, 0.5²) by default."""
    return Gaussian1D(split, mean, std)


def ring2d(
    root: Path | None = None,
    download: bool = False,
    split: str = "train",
    modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
) -> Ring2D:
    """Eight Gaussians (std 0.02) on a circle of radius 2 by default."""
    return Ring2D(split, modes, radius, std)
