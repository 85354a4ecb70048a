"""SNGAN: the ResNet GAN of Miyato et al. 2018 (https://arxiv.org/abs/1802.05957).

"Spectral Normalization for Generative Adversarial Networks", Table 4 (CIFAR-10, 32 px),
after the ResNet GAN of Gulrajani et al. 2017:

    G: z ∈ R^128 ~ N(0, I) -> linear -> 4×4×256 -> 3 up-ResBlocks (256) -> BN, ReLU,
       conv3×3 -> 3 channels -> tanh
    D: optimised down-ResBlock (128) -> down-ResBlock -> ResBlock -> ResBlock -> ReLU ->
       global sum pooling -> linear -> 1 logit; spectral norm on every layer, no batch norm

An up-ResBlock is ``BN, ReLU, nearest ×2, conv3×3, BN, ReLU, conv3×3`` plus a shortcut
``nearest ×2, conv1×1``. A down-ResBlock is ``ReLU, conv3×3, ReLU, conv3×3, avgpool 2``
plus ``conv1×1, avgpool 2``; D's first block has no ReLU before its first convolution and
pools its input before the shortcut's conv1×1 (the "optimised" block); the two last blocks
keep the size and have the identity shortcut. Weights are Glorot-uniform, gain √2 on the
residual convolutions and 1 elsewhere, as in the authors' Chainer code.

The number of blocks follows the image size (side = 4·2^n): n up-blocks in G; in D the
optimised block, n - 2 more down-blocks (at least none) and the two size-keeping blocks.
32 px gives the paper's network; 16 px one up-block fewer; the 8×8 ``digits`` one up-block
and one down-block. MNIST's 28 px are resized to 32 (``dataset_options``), as for DCGAN.

Class-conditional (``--conditional``): the cGAN of Miyato & Koyama 2018
(https://arxiv.org/abs/1802.05637): G's block batch norms become conditional (a scale and
a shift per class), D adds the projection ⟨V[y], φ(x)⟩ of a spectrally normalised class
embedding onto its pooled features.

CPU-scale default: G's width is 128 channels (the paper: 256, ``-M width=256``); D keeps the
paper's 128 (``d_width``). Hinge loss, Adam(2e-4, betas (0, 0.9)) and five D updates per G
update are the paper's, registered as the model's defaults (``ganzoo list``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.api.errors import IncompatibleDataError
from ganzoo.api.models import GAN
from ganzoo_gans.conditional import ConditionalBatchNorm2d, ProjectionHead
from ganzoo_gans.spectral import spectral_normalise


def blocks_for(info: DataInfo) -> int:
    """n with side = 4·2^n (n >= 1), or :class:`IncompatibleDataError` saying why not."""
    shape = info.shape
    side = shape[-1] if len(shape) == 3 else 0
    n = int(math.log2(side / 4)) if side >= 8 else 0
    if info.kind != "image" or len(shape) != 3 or shape[1] != side or n < 1 or 4 * 2**n != side:
        raise IncompatibleDataError(
            f"model 'sngan' needs square images of side 4·2^n (8, 16, 32, 64); dataset "
            f"{info.name!r} has samples of shape {tuple(shape)}"
        )
    return n


def _conv(c_in: int, c_out: int, k: int, gain: float = 1.0) -> nn.Conv2d:
    conv = nn.Conv2d(c_in, c_out, k, 1, k // 2)
    nn.init.xavier_uniform_(conv.weight, gain)
    nn.init.zeros_(conv.bias)
    return conv


class UpBlock(nn.Module):
    """G's ResBlock: BN, ReLU, up ×2, conv3×3, BN, ReLU, conv3×3 + (up ×2, conv1×1)."""

    def __init__(self, c_in: int, c_out: int, num_classes: int | None = None) -> None:
        super().__init__()

        def norm(c: int) -> nn.Module:
            return (
                nn.BatchNorm2d(c) if num_classes is None else ConditionalBatchNorm2d(c, num_classes)
            )

        self.b1, self.c1 = norm(c_in), _conv(c_in, c_out, 3, math.sqrt(2))
        self.b2, self.c2 = norm(c_out), _conv(c_out, c_out, 3, math.sqrt(2))
        self.sc = _conv(c_in, c_out, 1)

    def _norm(self, bn: nn.Module, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return bn(x) if labels is None else bn(x, labels)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = F.interpolate(F.relu(self._norm(self.b1, x, labels)), scale_factor=2.0)
        h = self.c2(F.relu(self._norm(self.b2, self.c1(h), labels)))
        return h + self.sc(F.interpolate(x, scale_factor=2.0))


class DownBlock(nn.Module):
    """D's ResBlock; ``first``: the optimised block (no ReLU first, pool then conv1×1)."""

    def __init__(self, c_in: int, c_out: int, down: bool = True, first: bool = False) -> None:
        super().__init__()
        self.down, self.first = down, first
        self.c1, self.c2 = _conv(c_in, c_out, 3, math.sqrt(2)), _conv(c_out, c_out, 3, math.sqrt(2))
        # the paper's blocks learn their shortcut only where the shape changes
        self.sc = _conv(c_in, c_out, 1) if down or c_in != c_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.c1(x if self.first else F.relu(x))
        h = self.c2(F.relu(h))
        if self.down:
            h = F.avg_pool2d(h, 2)
        if self.sc is None:
            return h + x
        if self.first:  # optimised block: pool first, then the 1×1 convolution
            return h + self.sc(F.avg_pool2d(x, 2))
        sc = self.sc(x)
        return h + (F.avg_pool2d(sc, 2) if self.down else sc)


class Generator(nn.Module):
    """z -> linear -> 4×4×width -> n up-blocks -> BN, ReLU, conv3×3, tanh."""

    def __init__(
        self, latent_dim: int, width: int, n: int, channels: int, num_classes: int | None
    ) -> None:
        super().__init__()
        self.width = width
        self.linear = nn.Linear(latent_dim, 4 * 4 * width)
        nn.init.xavier_uniform_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)
        self.blocks = nn.ModuleList(UpBlock(width, width, num_classes) for _ in range(n))
        self.bn = nn.BatchNorm2d(width)
        self.out = _conv(width, channels, 3)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.linear(z).view(z.shape[0], self.width, 4, 4)
        for block in self.blocks:
            h = block(h, labels)
        return torch.tanh(self.out(F.relu(self.bn(h))))


class Features(nn.Module):
    """φ(x): D's blocks, ReLU, global sum pooling -> (n, width)."""

    def __init__(self, channels: int, width: int, n: int) -> None:
        super().__init__()
        blocks = [DownBlock(channels, width, first=True)]
        blocks += [DownBlock(width, width) for _ in range(n - 2)]
        blocks += [DownBlock(width, width, down=False) for _ in range(2)]
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.blocks(x)).sum(dim=(2, 3))


def build(
    info: DataInfo,
    latent_dim: int | None = None,
    num_classes: int | None = None,
    width: int = 128,
    d_width: int = 128,
) -> GAN:
    """An SNGAN for ``info``: G of ``width`` channels (paper: 256), D of ``d_width`` (128).

    ``latent_dim`` defaults to the paper's 128; ``num_classes`` (set by ganzoo for
    ``--conditional``) gives conditional batch norm in G and a projection D.
    """
    for name, value in (("width", width), ("d_width", d_width)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    n = blocks_for(info)
    latent_dim = latent_dim or 128
    channels = info.shape[0]
    generator = Generator(latent_dim, width, n, channels, num_classes)
    head = nn.Linear(d_width, 1)
    nn.init.xavier_uniform_(head.weight)
    nn.init.zeros_(head.bias)
    discriminator: nn.Module
    if num_classes is None:
        discriminator = nn.Sequential(Features(channels, d_width, n), head)
    else:
        discriminator = ProjectionHead(Features(channels, d_width, n), head, d_width, num_classes)
        nn.init.xavier_uniform_(discriminator.embed.weight)
    spectral_normalise(discriminator)
    return GAN(generator, discriminator, latent_dim, info, num_classes=num_classes)
