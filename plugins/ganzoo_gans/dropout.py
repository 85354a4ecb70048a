"""Dropout whose mask is drawn as uniform noise compared with ``p``.

The same distribution as :class:`torch.nn.Dropout` (each unit kept with probability
1 − p, kept units scaled by 1 / (1 − p)), drawn the cheaper way on CPUs: torch's CPU
``bernoulli_`` draws each element one at a time unless MKL runs on an Intel CPU, about twice
the cost of ``rand_like``. The MLP discriminator drops units in every pass (three a step,
two layers each), and on the README's first run that was a sixth of the step
(benchmarks/bench_first_run.py).
"""

from __future__ import annotations

import torch
from torch import nn


class UniformDropout(nn.Module):
    """``nn.Dropout(p)``, with the mask ``rand_like(x) >= p``; the identity in eval mode."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = (torch.rand_like(x) >= self.p).to(x.dtype)
        return x * keep.mul_(1.0 / (1.0 - self.p))

    def extra_repr(self) -> str:
        return f"p={self.p}"
