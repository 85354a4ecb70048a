"""The two generator objectives of Goodfellow et al. 2014, computed stably from logits.

With D(x) = sigmoid(l):  -log D = softplus(-l)  and  -log(1 - D) = softplus(l).

Both share the discriminator's objective, the negated value function:
    L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = E[softplus(-l_real)] + E[softplus(l_fake)]
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch
import torch.nn.functional as F

from ganzoo.api.losses import AdversarialLoss


class _GoodfellowDiscriminator(AdversarialLoss):
    #: L_D where D(x) = ½ everywhere (p_g = p_data, Goodfellow et al. 2014, Theorem 1):
    #: -log ½ - log ½ = log 4. Loss-curve figures draw it; a test checks it at logits 0.
    equilibrium: ClassVar[dict[str, float]] = {"d_loss": math.log(4)}

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """-E[log D(x)] - E[log(1 - D(G(z)))]: D maximises V(D, G)."""
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


class MinimaxLoss(_GoodfellowDiscriminator):
    """G minimises E[log(1 - D(G(z)))], exactly the value function's term.

    Saturates: where D(G(z)) -> 0 (D wins early in training), d/dl log(1 - sigmoid(l))
    = -sigmoid(l) -> 0, so G receives almost no gradient. The paper itself recommends the
    non-saturating form (:class:`NonSaturatingLoss`) in practice.
    """

    #: G at D = ½: log(1 - ½) = -log 2
    equilibrium: ClassVar[dict[str, float]] = {"d_loss": math.log(4), "g_loss": -math.log(2)}

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """E[log(1 - D(G(z)))] = -E[softplus(l_fake)]; values in (-inf, 0]."""
        return -F.softplus(fake_logits).mean()


class NonSaturatingLoss(_GoodfellowDiscriminator):
    """G maximises E[log D(G(z))], i.e. minimises -E[log D(G(z))].

    Same fixed point as the minimax game, but where D(G(z)) -> 0 the gradient
    d/dl (-log sigmoid(l)) = -(1 - sigmoid(l)) -> -1 stays strong.
    """

    #: G at D = ½: -log ½ = log 2
    equilibrium: ClassVar[dict[str, float]] = {"d_loss": math.log(4), "g_loss": math.log(2)}

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """-E[log D(G(z))] = E[softplus(-l_fake)]; values in [0, inf)."""
        return F.softplus(-fake_logits).mean()
