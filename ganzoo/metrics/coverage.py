"""Density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for
Generative Models"), on the features every other metric uses.

    density_coverage(fake_features, real_features)  # {"density": 1.02, "coverage": 0.97}

Each real sample gets a ball reaching its k-th nearest real neighbour (k = 5, the paper's).

- **density**: for each generated sample, the number of real balls that contain it, over k,
  averaged. About 1 for generated samples distributed like the real ones; above 1 where
  samples crowd into dense real regions; near 0 for samples off the data. Unlike precision
  it counts *how many* balls hold a sample, so one outlying real digit's large ball vouches
  for one k-th of a sample, not a whole one (on MNIST's domain features uniform noise scores
  precision 0.99 but density 0.50, against real data's 0.98).
- **coverage**: the share of real samples whose ball holds at least one generated sample
  (in [0, 1]). Unlike recall it builds balls around real samples only, so an outlying
  generated sample cannot cover much of the data (MNIST noise: 0.008, real data: 0.97).

Same semantics as the reference implementation ``prdc`` (``compute_prdc``): the k-th
neighbour excludes the sample itself, and "contains" is a strict ``<``. Distances are
Euclidean, computed in blocks so memory stays O(block × N).
"""

from __future__ import annotations

import torch

DC_NEIGHBOURHOOD = 5  # k of the real balls, as in Naeem et al. 2020
DC_BATCH = 1024  # rows of a distance matrix held at once


def real_radii(real: torch.Tensor, k: int = DC_NEIGHBOURHOOD) -> torch.Tensor:
    """Each real sample's distance to its k-th nearest *other* real sample."""
    if len(real) <= k:
        raise ValueError(f"density and coverage need more than k={k} real samples, got {len(real)}")
    real = real.double()
    out = []
    for start in range(0, len(real), DC_BATCH):
        d = torch.cdist(real[start : start + DC_BATCH], real)
        # the k+1 smallest include the sample itself (distance 0): the largest is the k-th other
        out.append(d.topk(k + 1, dim=1, largest=False).values[:, -1])
    return torch.cat(out)


def density_coverage(
    fake: torch.Tensor, real: torch.Tensor, k: int = DC_NEIGHBOURHOOD
) -> dict[str, float]:
    """``{"density": ..., "coverage": ...}`` of ``fake`` features against ``real`` ones."""
    radii = real_radii(real, k)
    fake, real = fake.double(), real.double()
    inside = torch.zeros(len(fake), dtype=torch.float64)  # real balls holding each fake
    nearest_fake = torch.full((len(real),), float("inf"), dtype=torch.float64)
    for start in range(0, len(fake), DC_BATCH):
        d = torch.cdist(fake[start : start + DC_BATCH], real)  # fakes × reals
        inside[start : start + len(d)] = (d < radii).sum(dim=1).double()
        nearest_fake = torch.minimum(nearest_fake, d.min(dim=0).values)
    return {
        "density": float(inside.mean() / k),
        "coverage": float((nearest_fake < radii).double().mean()),
    }
