"""Objective contracts. A loss plugin returns one of these; the loop never knows which.

An adversarial objective is a pair of small pure functions over the discriminator's logits
(D(x) = sigmoid(logit)), plus an optional penalty that needs D and both batches (e.g. a
gradient penalty). Pure functions are testable in closed form.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn


class AdversarialLoss:
    """Base of adversarial objectives: ``discriminator_loss`` and ``generator_loss``."""

    family: ClassVar[str] = "adversarial"

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """Scalar loss D minimises, from its logits on real and generated batches."""
        raise NotImplementedError

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """Scalar loss G minimises, from D's logits on a generated batch."""
        raise NotImplementedError

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor | None:
        """An extra term added to D's loss, or ``None`` (the default)."""
        return None


class LikelihoodLoss:
    """Base of likelihood-based objectives (e.g. the VAE's negative ELBO).

    Not a function of a discriminator: the objective sees the model and a real batch, and
    returns ``{"loss": scalar to minimise, **other scalars to log}``.
    """

    family: ClassVar[str] = "likelihood"

    def __call__(self, model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The loss on batch ``x`` and the terms it is made of."""
        raise NotImplementedError
