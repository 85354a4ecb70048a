"""Density and coverage (Naeem et al. 2020) as ganzoo.metrics.coverage computes them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganzoo.metrics.coverage import density_coverage, real_radii


def test_a_hand_computed_case():
    # k = 1. Real 0, 1, 3: radii 1, 1, 2 (nearest other real), balls (-1,1), (0,2), (1,5).
    real = torch.tensor([[0.0], [1.0], [3.0]])
    assert real_radii(real, k=1).tolist() == [1.0, 1.0, 2.0]
    # fake 0.5 lies in the balls of 0 and 1 (2 balls), 10 and 11 in none: density (2+0+0)/3
    # reals 0 and 1 have a fake (0.5) inside their ball, 3's nearest fake is 2.5 away (> 2)
    fake = torch.tensor([[0.5], [10.0], [11.0]])
    out = density_coverage(fake, real, k=1)
    assert out["density"] == pytest.approx(2 / 3) and out["coverage"] == pytest.approx(2 / 3)
    # "contains" is strict, as in prdc: a fake on a ball's boundary is outside it
    on_edge = density_coverage(torch.tensor([[-1.0], [5.0]]), real, k=1)
    assert on_edge == {"density": 0.0, "coverage": 0.0}


def prdc_reference(real: np.ndarray, fake: np.ndarray, k: int) -> dict[str, float]:
    """prdc 0.2's compute_prdc (density and coverage), brute force."""

    def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))

    real_real = distances(real, real)
    indices = np.argpartition(real_real, k + 1, axis=-1)[..., : k + 1]
    radii = np.take_along_axis(real_real, indices, axis=-1).max(axis=-1)
    real_fake = distances(real, fake)
    density = (1.0 / k) * (real_fake < np.expand_dims(radii, axis=1)).sum(axis=0).mean()
    coverage = (real_fake.min(axis=1) < radii).mean()
    return {"density": float(density), "coverage": float(coverage)}


@pytest.mark.parametrize("k", [3, 5])
def test_agrees_with_prdc(k):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 8))
    fake = rng.normal(loc=0.3, scale=1.2, size=(200, 8))
    ours = density_coverage(torch.from_numpy(fake), torch.from_numpy(real), k=k)
    assert ours == pytest.approx(prdc_reference(real, fake, k), abs=1e-12)


def test_blocks_do_not_change_the_result(monkeypatch):
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(130, 4, generator=g), torch.randn(90, 4, generator=g)
    whole = density_coverage(fake, real)
    monkeypatch.setattr("ganzoo.metrics.coverage.DC_BATCH", 7)
    assert density_coverage(fake, real) == pytest.approx(whole, abs=1e-12)


def test_data_like_samples_score_about_one_and_far_samples_zero():
    g = torch.Generator().manual_seed(2)
    real, like = torch.randn(1000, 6, generator=g), torch.randn(1000, 6, generator=g)
    same = density_coverage(like, real)
    assert 0.85 < same["density"] < 1.15 and same["coverage"] > 0.9
    # a few outlying real samples have big balls; a cloud near one of them is covered by
    # few balls: density stays near 0 though every sample may sit inside some ball
    far = density_coverage(torch.randn(1000, 6, generator=g) * 0.1 + 6.0, real)
    assert far["density"] < 0.01 and far["coverage"] < 0.01


def test_too_few_real_samples_are_refused():
    with pytest.raises(ValueError, match="more than k=5 real samples"):
        density_coverage(torch.zeros(3, 2), torch.zeros(5, 2))
