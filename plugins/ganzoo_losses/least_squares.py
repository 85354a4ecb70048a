"""Least squares GAN (LSGAN), Mao et al. 2017.

"Least Squares Generative Adversarial Networks", https://arxiv.org/abs/1611.04076, eq. (2).
D's raw output l (ganzoo's "logit") is regressed onto a label: ``a`` for generated
samples, ``b`` for real ones; G wants its samples scored ``c``.

    L_D = ½ E[(l(x) - b)²] + ½ E[(l(G(z)) - a)²]
    L_G = ½ E[(l(G(z)) - c)²]

Unlike the sigmoid cross-entropy, the square keeps penalising fakes that D already calls
real but that lie far from the data, so G's gradient does not vanish there. Section 3.2.3
of the paper gives two settings: a = -1, b = 1, c = 0 (b - c = 1 and b - a = 2, under
which the objective minimises the Pearson χ² divergence) and the 0-1 coding a = 0,
b = c = 1, the default here (as in TF-GAN's least squares losses).
"""

from __future__ import annotations

import torch

from ganzoo.api.losses import AdversarialLoss


class LeastSquaresLoss(AdversarialLoss):
    """D regresses real scores to ``b`` and fake ones to ``a``; G pulls fakes to ``c``."""

    def __init__(self, a: float = 0.0, b: float = 1.0, c: float = 1.0) -> None:
        if not b > a:
            raise ValueError(f"the real label b must exceed the fake label a, got a={a}, b={b}")
        if not c > a:
            raise ValueError(f"G's target c must exceed the fake label a, got a={a}, c={c}")
        self.a, self.b, self.c = float(a), float(b), float(c)

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """½ E[(l(x) - b)²] + ½ E[(l(G(z)) - a)²]."""
        return (
            0.5 * (real_logits - self.b).pow(2).mean() + 0.5 * (fake_logits - self.a).pow(2).mean()
        )

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """½ E[(l(G(z)) - c)²]."""
        return 0.5 * (fake_logits - self.c).pow(2).mean()
