"""Gradient penalties of the discriminator, as regularisers usable with any adversarial loss.

With D's logit l(x) (the raw output, before any sigmoid):

- **R1** (Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?",
  https://arxiv.org/abs/1801.04406, eq. 9): R1 = γ/2 · E_{x~p_data}[‖∇_x l(x)‖²]. It pushes
  D's gradient to zero on the real data, where a D at equilibrium is flat; with it the
  Dirac-GAN and the GANs of the paper converge locally where unregularised ones circle.
- **R2** (same paper, eq. 10): the same on generated samples, E_{x~p_G}.
- **GP** (Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028, eq. 3):
  λ · E_{x̂}[(‖∇_x̂ l(x̂)‖₂ - 1)²] at x̂ = ε x + (1 - ε) G(z), ε ~ U[0, 1] per sample: the
  WGAN-GP critic's soft 1-Lipschitz constraint. ``--loss wgan-gp`` computes its penalty with
  :func:`gradient_penalty`; ``--reg gp`` adds it to any other loss.

``every = k`` makes a penalty lazy (StyleGAN2, https://arxiv.org/abs/1912.04958): computed on
one D update in k, multiplied by k (γ·k). The lazy factor is applied by the trainer.
"""

from __future__ import annotations

import torch
from torch import nn

from ganzoo.api.regularisers import Regulariser, check_every, input_gradient


def _check_weight(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    return float(value)


def squared_gradient_norm(discriminator: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """E[‖∇_x l(x)‖²] over the batch ``x``, differentiable in D's weights."""
    _, grad = input_gradient(discriminator, x)
    return grad.flatten(1).pow(2).sum(dim=1).mean()


def gradient_penalty(
    discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, weight: float
) -> torch.Tensor:
    """λ E[(‖∇_x̂ l(x̂)‖₂ - 1)²] at random points x̂ between paired real and fake samples.

    ε is drawn per sample from torch's global generator (seeded by ganzoo).
    """
    fake = fake.detach()
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device)
    between = eps * real.detach() + (1 - eps) * fake
    _, grad = input_gradient(discriminator, between)
    norms = grad.flatten(1).norm(2, dim=1)
    return weight * (norms - 1).pow(2).mean()


class R1(Regulariser):
    """γ/2 · E_real[‖∇l(x)‖²] (Mescheder et al. 2018); ``every`` k: lazy, as StyleGAN2."""

    def __init__(self, gamma: float = 10.0, every: int = 1) -> None:
        self.gamma = _check_weight("gamma (γ)", gamma)
        self.every = check_every(every)

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int
    ) -> torch.Tensor | None:
        """γ/2 · E[‖∇_x l(x)‖²] on the real batch (None at γ = 0)."""
        if self.gamma == 0:
            return None
        return 0.5 * self.gamma * squared_gradient_norm(discriminator, real)


class R2(R1):
    """γ/2 · E_fake[‖∇l(x)‖²] (Mescheder et al. 2018, eq. 10), on generated samples."""

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int
    ) -> torch.Tensor | None:
        """γ/2 · E[‖∇_x l(x)‖²] on the generated batch (None at γ = 0)."""
        if self.gamma == 0:
            return None
        return 0.5 * self.gamma * squared_gradient_norm(discriminator, fake)


class GradientPenalty(Regulariser):
    """WGAN-GP's λ E[(‖∇l(x̂)‖ - 1)²] on interpolates, for any loss (``--reg gp``)."""

    def __init__(self, weight: float = 10.0, every: int = 1) -> None:
        self.weight = _check_weight("weight (λ)", weight)
        self.every = check_every(every)

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int
    ) -> torch.Tensor | None:
        """λ E[(‖∇_x̂ l(x̂)‖₂ - 1)²] (None at λ = 0)."""
        if self.weight == 0:
            return None
        return gradient_penalty(discriminator, real, fake, self.weight)
