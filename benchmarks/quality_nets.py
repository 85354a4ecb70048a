"""The networks of benchmarks/bench_quality.py: the plain loops' classics and ganzoo's
networks written out by hand (imported by the script from its own folder)."""

from __future__ import annotations

import torch
from torch import nn

Z = 100


def dcgan_init(m: nn.Module) -> None:
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def plain_dcgan() -> tuple[nn.Module, nn.Module]:
    """The examples' DCGAN, three stages for 32×32 (ngf = ndf = 64)."""
    ngf = ndf = 64
    g = nn.Sequential(
        nn.ConvTranspose2d(Z, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),
    )  # fmt: skip
    d = nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
    )  # fmt: skip
    g.apply(dcgan_init)
    d.apply(dcgan_init)
    return nn.Sequential(nn.Unflatten(1, (Z, 1, 1)), g), d


def plain_mlp_gan() -> tuple[nn.Module, nn.Module]:
    """The MLP GAN of most hand-written code: batch norm in G, a sigmoid D.

    That code writes ``nn.BatchNorm1d(o, 0.8)``: eps = 0.8, a slip (momentum was meant).
    Here batch norm keeps torch's defaults (eps 1e-5, momentum 0.1).
    """

    def block(i: int, o: int, bn: bool = True) -> list[nn.Module]:
        return [nn.Linear(i, o), *([nn.BatchNorm1d(o)] if bn else []), nn.LeakyReLU(0.2)]

    g = nn.Sequential(
        *block(Z, 128, bn=False), *block(128, 256), *block(256, 512), *block(512, 1024),
        nn.Linear(1024, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)),
    )  # fmt: skip
    d = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256),
        nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid(),
    )  # fmt: skip
    return g, d


def ganzoo_mlp_gan(hidden: int = 1024) -> tuple[nn.Module, nn.Module]:
    """ganzoo's ``vanilla`` networks for MNIST written out by hand (``-M dropout=0``): G
    100-1024-1024-784 with ReLU and tanh, D 784-1024-1024-1 with LeakyReLU, one logit."""
    g = nn.Sequential(
        nn.Linear(Z, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
        nn.Linear(hidden, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)),
    )  # fmt: skip
    d = nn.Sequential(
        nn.Flatten(), nn.Linear(784, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
        nn.LeakyReLU(0.2), nn.Linear(hidden, 1),
    )  # fmt: skip
    return g, d


class PlainVAE(nn.Module):
    """An MLP VAE with Bernoulli pixels: ``layers`` hidden layers of ``hidden`` units each way.

    One layer of 400 and 20 latents is the PyTorch examples' VAE; two are ganzoo's
    ``-M arch=mlp hidden_dim=400 --latent-dim 20``.
    """

    def __init__(self, layers: int = 1, hidden: int = 400, latent: int = 20) -> None:
        super().__init__()
        self.latent = latent
        enc: list[nn.Module] = [nn.Linear(784, hidden), nn.ReLU()]
        dec: list[nn.Module] = [nn.Linear(latent, hidden), nn.ReLU()]
        for _ in range(layers - 1):
            enc += [nn.Linear(hidden, hidden), nn.ReLU()]
            dec += [nn.Linear(hidden, hidden), nn.ReLU()]
        self.encoder = nn.Sequential(*enc, nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(*dec, nn.Linear(hidden, 784))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar
