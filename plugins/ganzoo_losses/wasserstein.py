"""Wasserstein GAN with gradient penalty (WGAN-GP), Gulrajani et al. 2017.

"Improved Training of Wasserstein GANs", https://arxiv.org/abs/1704.00028, Algorithm 1.
D is a critic: its raw output f(x) (ganzoo's "logit") is a score, not a probability.

    L_D = E[f(G(z))] - E[f(x)] + λ E[(‖∇_x̂ f(x̂)‖₂ - 1)²],  x̂ = ε x + (1 - ε) G(z), ε ~ U[0, 1]
    L_G = -E[f(G(z))]

The first two terms estimate minus the Wasserstein-1 distance when f is 1-Lipschitz; the
penalty keeps f's gradient norm near 1 on lines between real and generated samples, in
place of WGAN's weight clipping. The paper trains with λ = 10, five critic updates per
generator update and Adam(lr=1e-4, betas=(0, 0.9)), and avoids batch norm in the critic
(the penalty is per sample): ``ganzoo train --loss wgan-gp --d-steps 5 --lr 1e-4
--betas 0 0.9``.
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.api.losses import AdversarialLoss
from ganzoo_losses.penalties import gradient_penalty


class WassersteinGPLoss(AdversarialLoss):
    """Critic loss E[f(G(z))] - E[f(x)] plus λ · gradient penalty; G loss -E[f(G(z))]."""

    def __init__(self, gp_weight: float = 10.0) -> None:
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight (λ) must be >= 0, got {gp_weight}")
        self.gp_weight = float(gp_weight)

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """E[f(G(z))] - E[f(x)]: the critic scores real samples above generated ones."""
        return fake_logits.mean() - real_logits.mean()

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """-E[f(G(z))]: G raises the critic's score of its samples."""
        return -fake_logits.mean()

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor | None:
        """λ E[(‖∇_x̂ f(x̂)‖₂ - 1)²] at random points x̂ between paired real and fake samples.

        ε is drawn per sample from torch's global generator (seeded by ganzoo). The graph
        of the gradient is kept (``create_graph``), so the penalty trains the critic. The
        same function is the ``gp`` regulariser (:mod:`ganzoo_losses.penalties`); the
        trainer calls this penalty on its regulariser path, before the run's ``--reg``.
        """
        if self.gp_weight == 0:
            return None
        return gradient_penalty(discriminator, real, fake, self.gp_weight)
