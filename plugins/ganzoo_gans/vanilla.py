"""The MLP GAN of Goodfellow et al. 2014 (https://arxiv.org/abs/1406.2661).

Both networks are multilayer perceptrons sized from the data: the hidden width grows with
the number of values per sample (128 for the 1-D toy and for 8×8 digits, 1024 for MNIST).
The generator ends in tanh for images (data in [-1, 1]) and is linear for vector data.
The discriminator uses LeakyReLU and returns one logit per sample. On images it drops 30%
of its hidden units during training, as the paper's MNIST discriminator did (maxout with
dropout): on the 8×8 digits this kept every class in the samples where the plain D let the
generator drop some (benchmarks/bench_first_run.py). Vector data (the toy sets the seed's
figures use) keeps an exact D, without dropout.

Class-conditional (``ganzoo train --conditional``): the conditional GAN of Mirza &
Osindero 2014 (https://arxiv.org/abs/1411.1784). A learned embedding of the label
(``embed_dim`` values, default one per class) is concatenated to z in G and to the
flattened sample in D. With ``-M acgan=true`` D instead takes no label and predicts it
(ACGAN, Odena et al. 2017, https://arxiv.org/abs/1610.09585): its last layer gives the
logit and one class logit per class, fitted with cross-entropy weighted by ``aux_weight``.

``-M spectral_norm=true`` puts spectral normalisation (Miyato et al. 2018,
https://arxiv.org/abs/1802.05957) on every linear layer of D (see :mod:`ganzoo_gans.spectral`).
"""

from __future__ import annotations

from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.api.models import GAN
from ganzoo_gans.conditional import LabelledMLP, check_options
from ganzoo_gans.dropout import UniformDropout
from ganzoo_gans.spectral import check_flag, spectral_normalise


def default_hidden_dim(data_dim: int) -> int:
    """Hidden width: 2× the data dimension, clamped to [128, 1024].

    On the 8×8 digits 128 units trained 250 epochs give digits as confident as 256 units
    trained 200, in about three quarters of the time (benchmarks/bench_first_run.py); MNIST and
    larger images keep 1024.
    """
    return min(1024, max(128, 2 * data_dim))


def default_latent_dim(info: DataInfo) -> int:
    """100 for images (as in the paper's experiments); 4 per dimension for vector data."""
    return 100 if info.kind == "image" else max(2, 4 * info.dim)


def embed_size(num_classes: int | None, embed_dim: int | None) -> int:
    """Size of the label embedding: 0 unconditional, else ``embed_dim`` (default: one per
    class)."""
    if num_classes is None:
        return 0
    embed = embed_dim or num_classes
    if embed < 1:
        raise ValueError(f"embed_dim must be >= 1, got {embed_dim}")
    return embed


def build(
    info: DataInfo,
    latent_dim: int | None = None,
    num_classes: int | None = None,
    hidden_dim: int | None = None,
    dropout: float | None = None,
    embed_dim: int | None = None,
    acgan: bool = False,
    aux_weight: float = 1.0,
    spectral_norm: bool = False,
) -> GAN:
    """Build a vanilla GAN for ``info``; ``latent_dim``/``hidden_dim``/``dropout`` default
    from its shape and kind (dropout 0.3 in D for images, none for vector data).
    ``num_classes`` (``--conditional``) makes it conditional; ``spectral_norm``: SN in D.
    """
    check_flag("spectral_norm", spectral_norm)
    latent_dim = latent_dim or default_latent_dim(info)
    hidden = hidden_dim or default_hidden_dim(info.dim)
    if dropout is None:
        dropout = 0.3 if info.kind == "image" else 0.0
    check_options(num_classes, acgan, aux_weight)
    embed = embed_size(num_classes, embed_dim)
    out_act: list[nn.Module] = [nn.Tanh()] if info.kind == "image" else []
    generator: nn.Module = nn.Sequential(
        nn.Linear(latent_dim + embed, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, info.dim),
        *out_act,
        nn.Unflatten(1, info.shape),
    )
    d_embed = embed if num_classes is not None and not acgan else 0
    outputs = 1 + (num_classes if acgan and num_classes else 0)
    d_body = [
        nn.Linear(info.dim + d_embed, hidden),
        nn.LeakyReLU(0.2),
        UniformDropout(dropout),
        nn.Linear(hidden, hidden),
        nn.LeakyReLU(0.2),
        UniformDropout(dropout),
        nn.Linear(hidden, outputs),
    ]
    discriminator: nn.Module = nn.Sequential(nn.Flatten(), *d_body)
    if num_classes is not None:
        generator = LabelledMLP(generator, num_classes, embed)
        if not acgan:
            discriminator = LabelledMLP(nn.Sequential(*d_body), num_classes, embed)
    if spectral_norm:
        spectral_normalise(discriminator)
    return GAN(
        generator,
        discriminator,
        latent_dim,
        info,
        num_classes=num_classes,
        aux_classes=num_classes if acgan else None,
        aux_weight=aux_weight,
    )
