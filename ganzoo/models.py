"""Model contracts: anything that can ``sample(n)`` is a generator ganzoo can evaluate.

Model plugins return a :class:`GenerativeModel`. Adversarial models subclass :class:`GAN`,
which holds a generator and a discriminator; the training loop updates them with whichever
adversarial objective the user picked.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from ganzoo.data import DataInfo


class GenerativeModel(nn.Module):
    """Base of every model: a ``family`` and a ``sample`` method in data space."""

    family: ClassVar[str] = ""

    def __init__(self, data_info: DataInfo) -> None:
        super().__init__()
        self.data_info = data_info

    @property
    def device(self) -> torch.device:
        """The device of the model's parameters."""
        return next(self.parameters()).device

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` samples shaped like the data (images in ``[-1, 1]``)."""
        raise NotImplementedError


class GAN(GenerativeModel):
    """A generator G: z -> x and a discriminator D: x -> logit, trained adversarially."""

    family: ClassVar[str] = "adversarial"

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        latent_dim: int,
        data_info: DataInfo,
    ) -> None:
        super().__init__(data_info)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I), shape ``(n, latent_dim)``."""
        device = generator.device if generator is not None else self.device
        z = torch.randn(n, self.latent_dim, generator=generator, device=device)
        return z.to(self.device)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D's logits for a batch, shape ``(n,)``; D(x) = sigmoid(logit)."""
        return self.discriminator(x).reshape(-1)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.generator(self.sample_latent(n, generator))
