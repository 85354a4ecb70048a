"""The hinge GAN loss: Lim & Ye 2017, as used by SN-GAN (Miyato et al. 2018).

"Geometric GAN", https://arxiv.org/abs/1705.02894; "Spectral Normalization for Generative
Adversarial Networks", https://arxiv.org/abs/1802.05957, eq. (16)-(17).
D's raw output l (ganzoo's "logit") is a margin score, not a probability.

    L_D = E[max(0, 1 - l(x))] + E[max(0, 1 + l(G(z)))]
    L_G = -E[l(G(z))]

D is penalised only for samples inside the margin (real scored below +1, fake above -1),
as a support vector machine is; G raises the score of its samples without bound.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganzoo.api.losses import AdversarialLoss


class HingeLoss(AdversarialLoss):
    """D: hinge loss with margin 1 on both batches; G: -E[l(G(z))]."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """E[max(0, 1 - l(x))] + E[max(0, 1 + l(G(z)))]; zero once both are past the margin."""
        return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """-E[l(G(z))]."""
        return -fake_logits.mean()
