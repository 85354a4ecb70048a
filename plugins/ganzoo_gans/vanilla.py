"""The MLP GAN of Goodfellow et al. 2014 (https://arxiv.org/abs/1406.2661).

Both networks are multilayer perceptrons sized from the data: the hidden width grows with
the number of values per sample (128 for the 1-D toy, 256 for 8×8 digits, 1024 for MNIST).
The generator ends in tanh for images (data in [-1, 1]) and is linear for vector data.
The discriminator uses LeakyReLU and returns one logit per sample. On images it drops 30%
of its hidden units during training, as the paper's MNIST discriminator did (maxout with
dropout): on the 8×8 digits this kept every class in the samples where the plain D let the
generator drop some (benchmarks/bench_first_run.py). Vector data (the toy sets the seed's
figures use) keeps an exact D, without dropout.
"""

from __future__ import annotations

from torch import nn

from ganzoo.data import DataInfo
from ganzoo.models import GAN


def default_hidden_dim(data_dim: int) -> int:
    """Hidden width: 4× the data dimension, clamped to [128, 1024]."""
    return min(1024, max(128, 4 * data_dim))


def default_latent_dim(info: DataInfo) -> int:
    """100 for images (as in the paper's experiments); 4 per dimension for vector data."""
    return 100 if info.kind == "image" else max(2, 4 * info.dim)


def build(
    info: DataInfo,
    latent_dim: int | None = None,
    hidden_dim: int | None = None,
    dropout: float | None = None,
) -> GAN:
    """Build a vanilla GAN for ``info``; ``latent_dim``/``hidden_dim``/``dropout`` default
    from its shape and kind (dropout 0.3 in D for images, none for vector data)."""
    latent_dim = latent_dim or default_latent_dim(info)
    hidden = hidden_dim or default_hidden_dim(info.dim)
    if dropout is None:
        dropout = 0.3 if info.kind == "image" else 0.0
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    out_act: list[nn.Module] = [nn.Tanh()] if info.kind == "image" else []
    generator = nn.Sequential(
        nn.Linear(latent_dim, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, info.dim),
        *out_act,
        nn.Unflatten(1, info.shape),
    )
    discriminator = nn.Sequential(
        nn.Flatten(),
        nn.Linear(info.dim, hidden),
        nn.LeakyReLU(0.2),
        nn.Dropout(dropout),
        nn.Linear(hidden, hidden),
        nn.LeakyReLU(0.2),
        nn.Dropout(dropout),
        nn.Linear(hidden, 1),
    )
    return GAN(generator, discriminator, latent_dim, info)
