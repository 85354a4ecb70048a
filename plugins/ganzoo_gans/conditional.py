"""Class-conditional building blocks shared by the GAN architectures.

- :class:`LabelledMLP`: an MLP whose input is the sample (or z) concatenated with a learned
  embedding of its label, as in Mirza & Osindero 2014 (https://arxiv.org/abs/1411.1784).
- :class:`ConditionalBatchNorm2d`: batch norm whose scale and shift are looked up per class
  (de Vries et al. 2017; Miyato & Koyama 2018), the generator's way to take labels.
- :class:`ProjectionHead`: the projection discriminator of Miyato & Koyama 2018
  (https://arxiv.org/abs/1802.05637, eq. (3)): D(x, y) = ψ(φ(x)) + ⟨V[y], φ(x)⟩, the inner
  product of a class embedding with D's features, instead of concatenating y to the input.
"""

from __future__ import annotations

import torch
from torch import nn


class LabelledMLP(nn.Module):
    """``body([x.flatten(1), embed(labels)])``: an MLP conditioned by concatenation."""

    def __init__(self, body: nn.Module, num_classes: int, embed_dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_classes, embed_dim)
        self.body = body

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([x.flatten(1), self.embed(labels)], dim=1))


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm without affine parameters, then a per-class scale γ[y] and shift β[y].

    γ starts at N(1, 0.02) and β at 0, as DCGAN initialises batch norm, so an untrained
    conditional G behaves like the unconditional one.
    """

    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(features, affine=False)
        self.scale = nn.Embedding(num_classes, features)
        self.shift = nn.Embedding(num_classes, features)
        nn.init.normal_(self.scale.weight, 1.0, 0.02)
        nn.init.zeros_(self.shift.weight)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        scale = self.scale(labels)[:, :, None, None]
        shift = self.shift(labels)[:, :, None, None]
        return self.norm(x) * scale + shift


class ProjectionHead(nn.Module):
    """D(x, y) = head(φ(x)) + ⟨V[y], φ(x)⟩ with φ = ``features`` (flattened).

    ``head`` is the unconditional D's last layer (ψ); the class embedding V has one row of
    φ's size per class, drawn from N(0, 0.02) like DCGAN's weights.
    """

    def __init__(
        self, features: nn.Module, head: nn.Module, feature_dim: int, num_classes: int
    ) -> None:
        super().__init__()
        self.features, self.head = features, head
        self.embed = nn.Embedding(num_classes, feature_dim)
        nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        score = self.head(h).reshape(x.shape[0], 1)
        projection = (self.embed(labels) * h.flatten(1)).sum(dim=1, keepdim=True)
        return score + projection


def check_options(num_classes: int | None, acgan: bool, aux_weight: float) -> None:
    """The conditional options of a GAN factory, refused with one line each."""
    if acgan and num_classes is None:
        raise ValueError("acgan=true needs labels: train with --conditional")
    if not aux_weight >= 0:
        raise ValueError(f"aux_weight must be >= 0, got {aux_weight}")
