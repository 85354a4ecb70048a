"""Variational autoencoder of Kingma & Welling 2014 (https://arxiv.org/abs/1312.6114).

Encoder x -> (mu, logvar) of q(z|x); decoder z -> the parameters of p(x|z):
- images (in [-1, 1]), ``likelihood`` (``-M likelihood=...``, see :mod:`.likelihoods`):
  ``bernoulli`` (default): logits over pixels rescaled to [0, 1], the usual choice for digits
  but not a normalised likelihood of grey levels, so its nats are no NLL of the data;
  ``logistic``: a discretised logistic over the 256 levels (mean from the decoder, a learned
  per-pixel scale), a true NLL of 8-bit pixels. ``sample`` returns the decoder's mean image,
  as VAE papers show;
- vector data: a Gaussian with a learned per-dimension scale; ``sample`` draws from it,
  so p_g is the model's full distribution.

``arch="auto"`` picks convolutions for images whose side is a multiple of 4 and at least 16
(MNIST, CIFAR-10, 64-px folders) and an MLP otherwise (8×8 digits, 1-D and 2-D data).
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.api.models import GenerativeModel

from .likelihoods import NOTES, check, discretised_logistic_log_prob

ARCHS = ("auto", "mlp", "conv")


class VAE(GenerativeModel):
    """q(z|x) and p(x|z) with a standard normal prior p(z)."""

    family: ClassVar[str] = "likelihood"

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        latent_dim: int,
        data_info: DataInfo,
        likelihood: str = "auto",
    ) -> None:
        super().__init__(data_info)
        self.encoder, self.decoder, self.latent_dim = encoder, decoder, latent_dim
        self.likelihood = check(likelihood, data_info.kind == "image")
        self.bernoulli = self.likelihood == "bernoulli"
        self.objective_note = NOTES[self.likelihood]  # what its loss terms are, in words
        start = -2.0 if self.likelihood == "logistic" else 0.0  # logistic: scale ~ 1/7
        self.log_scale = nn.Parameter(
            torch.full(data_info.shape, start), requires_grad=not self.bernoulli
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of q(z|x)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(decoded, mu, logvar)`` with z = mu + sigma · eps (the reparameterisation)."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar

    def reconstruction_nll(self, x: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per sample, summed over the data dimensions (for ``bernoulli`` on grey
        levels a cross-entropy, not an NLL: see :mod:`ganzoo_vae.likelihoods`)."""
        if self.bernoulli:
            target = (x + 1) / 2
            nll = F.binary_cross_entropy_with_logits(decoded, target, reduction="none")
        elif self.likelihood == "logistic":
            nll = -discretised_logistic_log_prob(x, decoded, self.log_scale)
        else:
            z = (x - decoded) * torch.exp(-self.log_scale)
            nll = 0.5 * z.pow(2) + self.log_scale + 0.5 * math.log(2 * math.pi)
        return nll.flatten(1).sum(dim=1)

    def mean(self, decoded: torch.Tensor) -> torch.Tensor:
        """E[x|z] in data space."""
        return torch.sigmoid(decoded) * 2 - 1 if self.bernoulli else decoded

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The decoder's mean at z = mu(x)."""
        return self.mean(self.decoder(self.encode(x)[0]))

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ p(z) = N(0, I), shape ``(n, latent_dim)``, drawn on ``generator``'s device."""
        device = generator.device if generator is not None else self.device
        return torch.randn(n, self.latent_dim, generator=generator, device=device).to(self.device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """E[x|z], the decoder's mean for codes ``z``: what ``sample`` shows for images.

        ``ganzoo sample`` and exports decode explicit codes with it (latent walks, and an
        exported decoder checked against the same codes).
        """
        return self.sampling_network()(z)

    def sampling_network(self) -> nn.Module:
        """z -> E[x|z] as one ``nn.Sequential`` of standard layers (what ``ganzoo export``
        writes): the decoder, then sigmoid and ``2p - 1`` for Bernoulli pixels."""
        if not self.bernoulli:
            return self.decoder
        from ganzoo.api.layers import ScaleShift

        return nn.Sequential(*self.decoder, nn.Sigmoid(), ScaleShift(2.0, -1.0))

    @torch.no_grad()
    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        self.check_labels(labels, n)  # unconditional: labels are refused
        device = generator.device if generator is not None else self.device
        z = torch.randn(n, self.latent_dim, generator=generator, device=device).to(self.device)
        mean = self.mean(self.decoder(z))
        if self.likelihood != "gaussian":  # images: the mean image
            return mean
        noise = torch.randn(mean.shape, generator=generator, device=device).to(self.device)
        return mean + noise * self.log_scale.exp()


def build(
    info: DataInfo,
    latent_dim: int | None = None,
    hidden_dim: int | None = None,
    arch: str = "auto",
    likelihood: str = "auto",
) -> VAE:
    """A VAE sized for ``info``: latent 16 for images, the data dimension for vectors.

    ``likelihood``: ``bernoulli`` (images' default), ``logistic`` (images: a discretised
    logistic, a true NLL of 8-bit pixels) or ``gaussian`` (vectors); see
    :mod:`ganzoo_vae.likelihoods`.
    """
    likelihood = check(likelihood, info.kind == "image")  # refused before anything is built
    if arch not in ARCHS:
        raise ValueError(f"arch must be one of {', '.join(ARCHS)}, got {arch!r}")
    side = info.shape[-1] if info.kind == "image" and len(info.shape) == 3 else 0
    conv_ok = side >= 16 and side % 4 == 0 and info.shape[1] == side
    if arch == "conv" and not conv_ok:
        raise ValueError(
            f"arch 'conv' needs square images of side 16+ divisible by 4, got {info.shape}"
        )
    use_conv = arch == "conv" or (arch == "auto" and conv_ok)
    latent = latent_dim or (16 if info.kind == "image" else max(2, info.dim))
    hidden = hidden_dim or (256 if use_conv else min(1024, max(128, 4 * info.dim)))
    if use_conv:
        encoder, decoder = _conv(info, latent, hidden)
    else:
        encoder, decoder = _mlp(info, latent, hidden)
    return VAE(encoder, decoder, latent, info, likelihood)


def _mlp(info: DataInfo, latent: int, hidden: int) -> tuple[nn.Module, nn.Module]:
    encoder = nn.Sequential(
        nn.Flatten(),
        nn.Linear(info.dim, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 2 * latent),
    )
    decoder = nn.Sequential(
        nn.Linear(latent, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, info.dim),
        nn.Unflatten(1, info.shape),
    )
    return encoder, decoder


def _conv(info: DataInfo, latent: int, hidden: int) -> tuple[nn.Module, nn.Module]:
    channels, side = info.shape[0], info.shape[-1]
    quarter = side // 4
    flat = 64 * quarter * quarter
    encoder = nn.Sequential(
        nn.Conv2d(channels, 32, 4, 2, 1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 4, 2, 1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(flat, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 2 * latent),
    )
    decoder = nn.Sequential(
        nn.Linear(latent, hidden),
        nn.ReLU(),
        nn.Linear(hidden, flat),
        nn.ReLU(),
        nn.Unflatten(1, (64, quarter, quarter)),
        nn.ConvTranspose2d(64, 32, 4, 2, 1),
        nn.ReLU(),
        nn.ConvTranspose2d(32, channels, 4, 2, 1),
    )
    return encoder, decoder
