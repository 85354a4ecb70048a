"""DCGAN of Radford et al. 2015 (https://arxiv.org/abs/1511.06434).

Generator: z -> transposed convolutions that double the side each stage -> tanh.
Discriminator: strided convolutions that halve it -> one logit. Batch norm in both (not on
D's input layer nor G's output layer), ReLU in G, LeakyReLU(0.2) in D, weights drawn from
N(0, 0.02) and batch-norm scales from N(1, 0.02), as in the paper.

The side S must be ``b · 2^n`` with a base 4 <= b <= 8: 64 = 4·2^4, 32 = 4·2^3, 28 = 7·2^2.
On the 8×8 ``digits`` this leaves a single stage (4 -> 8): a DCGAN in miniature, one hidden
layer per network, kept so that every loss can be tried on the offline data.

Per dataset, the model registers the data options the field trains it with
(``dataset_options`` in its registration): MNIST and Fashion-MNIST are resized to 32 px,
as in the PyTorch examples' DCGAN and most CPU-scale work, giving the usual three stages
(4 -> 8 -> 16 -> 32, widths 256, 128, 64) instead of the two that 28 px allows
(7 -> 14 -> 28). The paper itself resized to 64 px: ``-D image_size=64`` gives four stages.
An explicit ``-D image_size=N`` always wins.

Class-conditional (``ganzoo train --conditional``), as in Miyato & Koyama 2018,
"cGANs with Projection Discriminator" (https://arxiv.org/abs/1802.05637): G's batch norms
become conditional (a scale and shift per class) and G also reads the one-hot label beside z
(see :class:`ConditionalGenerator` for why both), and D adds to its score the inner product
of a class embedding with its last features (a projection discriminator). With
``-M acgan=true`` D takes no label and predicts it instead (ACGAN, Odena et al. 2017,
https://arxiv.org/abs/1610.09585): its last convolution gives the logit and one class logit
per class, fitted with cross-entropy weighted by ``aux_weight``.

D's options for other objectives (see :mod:`ganzoo_gans.spectral`):

- ``-M spectral_norm=true``: spectral normalisation (Miyato et al. 2018) on every layer of
  D; D then has no batch norm unless ``d_norm=batch`` is asked for, as in the paper's
  "standard CNN" (batch norm would rescale the features and undo the Lipschitz bound).
- ``-M d_norm=batch|layer|none``: D's normalisation between convolutions. ``layer`` makes a
  critic whose score of one sample does not depend on the rest of the batch, as WGAN-GP
  needs (Gulrajani et al. 2017 replace batch norm by layer norm); the registration asks for
  it by itself when the loss registers ``per_sample_critic=True`` (``critic_options``).
"""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.api.errors import IncompatibleDataError
from ganzoo.api.models import GAN
from ganzoo_gans.conditional import ConditionalBatchNorm2d, ProjectionHead, check_options
from ganzoo_gans.spectral import check_d_norm, check_flag, feature_norm, spectral_normalise


def stages(side: int) -> tuple[int, int]:
    """``(base, n)`` with ``side == base * 2**n``, halving while the base stays >= 4."""
    base, n = side, 0
    while base % 2 == 0 and base // 2 >= 4:
        base, n = base // 2, n + 1
    return base, n


def check_shape(info: DataInfo, model: str = "dcgan") -> tuple[int, int]:
    """The stages for ``info``, or :class:`IncompatibleDataError` saying why not (naming
    ``model``, the model whose networks these are)."""
    if info.kind != "image" or len(info.shape) != 3:
        raise IncompatibleDataError(
            f"model {model!r} needs C×H×W images; dataset {info.name!r} has samples of shape "
            f"{info.shape} (use 'vanilla' for vector data)"
        )
    _, height, width = info.shape
    base, n = stages(height)
    if height != width or n < 1 or base > 8:
        raise IncompatibleDataError(
            f"model {model!r} needs square images whose side is b·2^n with 4 <= b <= 8 "
            f"(e.g. 8, 16, 28, 32, 64); dataset {info.name!r} has {height}×{width}"
        )
    return base, n


def init_weights(module: nn.Module) -> None:
    """The paper's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class ConditionalGenerator(nn.Module):
    """DCGAN's generator taking labels twice: ``forward(z, labels)``.

    The one-hot label is concatenated to z (Mirza & Osindero 2014), so the first transposed
    convolution adds a learnt per-class map from the first step; every batch norm after a
    convolution is conditional (a per-class scale and shift). The batch norms alone were
    not enough: their class tables start equal for all classes (so an untrained conditional
    G behaves like the unconditional one), and Adam at 2e-4 moves each entry by at most
    about 2e-4 a step, so after 1,000 steps on ``digits`` the classes' gains differed by
    0.13 and G ignored its labels (class accuracy 0.17 with a projection D, 0.20 with
    ACGAN, against 0.97 and 1.00 with the label also at the input).
    """

    def __init__(
        self, latent_dim: int, widths: list[int], base: int, channels: int, num_classes: int
    ) -> None:
        super().__init__()
        self.num_classes = num_classes
        first = nn.ConvTranspose2d(latent_dim + num_classes, widths[-1], base, 1, 0, bias=False)
        convs = [first]
        convs += [
            nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False)
            for c_in, c_out in pairwise(widths[::-1])
        ]
        self.convs = nn.ModuleList(convs)
        self.norms = nn.ModuleList(
            ConditionalBatchNorm2d(conv.out_channels, num_classes) for conv in convs
        )
        self.out = nn.ConvTranspose2d(widths[0], channels, 4, 2, 1, bias=False)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        one_hot = nn.functional.one_hot(labels, self.num_classes).to(z.dtype)
        h = torch.cat([z, one_hot], dim=1)[:, :, None, None]
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = torch.relu(norm(conv(h), labels))
        return torch.tanh(self.out(h))


def generator_layers(latent_dim: int, widths: list[int], base: int, channels: int) -> nn.Module:
    """DCGAN's unconditional G: z -> transposed convolutions with batch norm -> tanh."""
    g_layers: list[nn.Module] = [
        nn.Unflatten(1, (latent_dim, 1, 1)),
        nn.ConvTranspose2d(latent_dim, widths[-1], base, 1, 0, bias=False),
        nn.BatchNorm2d(widths[-1]),
        nn.ReLU(True),
    ]
    for c_in, c_out in pairwise(widths[::-1]):
        g_layers += [
            nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(True),
        ]
    g_layers += [nn.ConvTranspose2d(widths[0], channels, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*g_layers)


def discriminator_body(
    channels: int, widths: list[int], d_norm: str, input_bias: bool = False
) -> list[nn.Module]:
    """D's layers up to its last features ``widths[-1]×base×base``: strided convolutions,
    ``d_norm`` between them (none after the input layer), LeakyReLU(0.2)."""
    d_layers: list[nn.Module] = [
        nn.Conv2d(channels, widths[0], 4, 2, 1, bias=input_bias),
        nn.LeakyReLU(0.2, True),
    ]
    for c_in, c_out in pairwise(widths):
        d_layers += [
            nn.Conv2d(c_in, c_out, 4, 2, 1, bias=d_norm == "none"),
            *feature_norm(d_norm, c_out),
            nn.LeakyReLU(0.2, True),
        ]
    return d_layers


def make_discriminator(
    channels: int,
    widths: list[int],
    base: int,
    num_classes: int | None,
    acgan: bool,
    d_norm: str,
) -> nn.Module:
    """DCGAN's D: strided convolutions, ``d_norm`` between them, LeakyReLU(0.2), one logit
    (ACGAN: and a class logit per class; conditional: a projection head)."""
    # A projection D gets a bias on its input layer: without one φ(0) = 0, so D scores a
    # blank image 0 whatever its weights, and G can hide there (measured: grey samples).
    projection = num_classes is not None and not acgan
    d_layers = discriminator_body(channels, widths, d_norm, input_bias=projection)
    outputs = 1 + (num_classes if acgan and num_classes else 0)
    head = [nn.Conv2d(widths[-1], outputs, base, 1, 0, bias=False), nn.Flatten()]
    if projection:
        features = widths[-1] * base * base
        return ProjectionHead(nn.Sequential(*d_layers), nn.Sequential(*head), features, num_classes)
    return nn.Sequential(*d_layers, *head)


def build(
    info: DataInfo,
    latent_dim: int | None = None,
    num_classes: int | None = None,
    width: int = 64,
    acgan: bool = False,
    aux_weight: float = 1.0,
    spectral_norm: bool = False,
    d_norm: str | None = None,
) -> GAN:
    """A DCGAN for ``info``; ``width`` is the channel count next to the image (ngf = ndf).

    ``num_classes`` (set by ganzoo for ``--conditional``) makes it a conditional GAN.
    ``spectral_norm`` normalises every weight of D; ``d_norm`` is D's normalisation
    (default ``batch``, or ``none`` with spectral norm).
    """
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    check_flag("spectral_norm", spectral_norm)
    d_norm = check_d_norm(d_norm or ("none" if spectral_norm else "batch"))
    check_options(num_classes, acgan, aux_weight)
    base, n = check_shape(info)
    channels = info.shape[0]
    latent_dim = latent_dim or 100
    widths = [width * 2**i for i in range(n)]  # next to the image first: 64, 128, 256, ...

    generator: nn.Module
    if num_classes is not None:
        generator = ConditionalGenerator(latent_dim, widths, base, channels, num_classes)
    else:
        generator = generator_layers(latent_dim, widths, base, channels)

    discriminator = make_discriminator(channels, widths, base, num_classes, acgan, d_norm)
    model = GAN(
        generator,
        discriminator,
        latent_dim,
        info,
        num_classes=num_classes,
        aux_classes=num_classes if acgan else None,
        aux_weight=aux_weight,
    )
    model.apply(init_weights)
    if spectral_norm:  # after the initialisation: SN starts its power iteration from it
        spectral_normalise(model.discriminator)
    return model
