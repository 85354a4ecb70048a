"""InfoGAN of Chen et al. 2016 (https://arxiv.org/abs/1606.03657).

G's input is ``z = [noise, c]``: 62 noise dimensions and latent codes ``c`` whose meaning
training discovers. On MNIST the paper uses one categorical code of 10 values (it comes to
name the digit) and two continuous codes uniform in [-1, 1] (slant and width). A plain GAN
would ignore ``c``; InfoGAN maximises a lower bound of the mutual information I(c; G(z, c)):

    L_I(G, Q) = E_{c ~ p(c), x ~ G(z, c)} [log Q(c | x)] + H(c)  <=  I(c; G(z, c))

with an auxiliary distribution Q(c | x) that shares D's convolutional body and adds a small
head (here one hidden layer of 128 with batch norm, as the paper's Table 1): logits of the
categorical code, and the mean and log-std of a factored Gaussian for each continuous code.
The objective is min_{G,Q} max_D V(D, G) - λ L_I(G, Q). Up to the constant H(c), -L_I is
Q's negative log-likelihood of the codes G was given: a cross-entropy for the categorical
code and a Gaussian NLL, 0.5·((c - μ)/σ)² + log σ + 0.5·log 2π, per continuous code.

How it trains in ganzoo, through the public model contract only: the model names its terms
in ``auxiliary_terms`` (``info_cat``, ``info_cont``) and computes them in
:meth:`InfoGAN.auxiliary_loss`; the adversarial trainer adds them to D's loss in each D
update (so Q's head and D's shared body learn to read the codes back) and to G's loss in
its update (so G writes codes that can be read), as the authors' reference code adds the
MI term to both the discriminator's and the generator's objectives. Q's parameters live in
D's network, so they are optimised with D's, sync under DDP with D's, and are checkpointed
with the model.

The weights λ (``-M info_weight=``, ``-M continuous_weight=``): 1 for the categorical code,
as in the paper, whose cross-entropy is bounded by log k and on the scale of the GAN losses.
Smaller, 0.1 by default, for the continuous codes: their term is a *differential* entropy
that is unbounded below, and grows in magnitude as Q's σ shrinks (log σ -> -inf); the
paper (§7) uses a smaller λ for continuous codes so that λ·L_I stays on the scale of the
GAN objective and does not drown D's adversarial signal.

Networks: ganzoo's DCGAN generator and discriminator body (:mod:`ganzoo_gans.dcgan`),
sized from the image side in the same way (MNIST resized to 32 px: three stages). Noise is
N(0, I) like every ganzoo GAN's (the reference code draws it uniform), so latent walks and
exports read the same prior. ``ganzoo sample RUN --code c1=0..9`` draws grids that vary one
code and hold the noise and the other codes (:class:`ganzoo.api.codes.CodedModel`).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.api.codes import LatentCode, set_code
from ganzoo.api.data import DataInfo
from ganzoo.api.models import GAN
from ganzoo_gans.dcgan import (
    check_shape,
    discriminator_body,
    generator_layers,
    init_weights,
)
from ganzoo_gans.spectral import check_d_norm, feature_norm

NOISE_DIM = 62  # the paper's noise dimensions on MNIST (Appendix C.1)
Q_HIDDEN = 128  # the paper's Q head: FC 128 - BN - LeakyReLU - FC (Table 1, MNIST)
LOG_STD_RANGE = (-5.0, 2.0)  # Q's σ from 0.007 to 7.4: a sharp Q cannot divide by zero
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class SharedBodyD(nn.Module):
    """D and Q on one body: ``forward(x)`` -> ``(n, 1 + q_outputs)``, D's logit first."""

    def __init__(self, body: nn.Module, d_head: nn.Module, q_head: nn.Module) -> None:
        super().__init__()
        self.body, self.d_head, self.q_head = body, d_head, q_head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)
        n = x.shape[0]
        return torch.cat([self.d_head(h).reshape(n, 1), self.q_head(h).reshape(n, -1)], dim=1)


class InfoGAN(GAN):
    """A GAN whose latent holds named codes and whose D carries Q, the code reader.

    ``z = [noise (noise_dim), c1 one-hot (categorical), c2.. (continuous)]``; the codes are
    listed in ``latent_codes``. D's network returns its logit and Q's outputs; see the
    module docstring for the objective.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        noise_dim: int,
        data_info: DataInfo,
        categorical: int,
        continuous: int,
        info_weight: float,
        continuous_weight: float,
    ) -> None:
        codes: list[LatentCode] = []
        start = noise_dim
        if categorical:
            codes.append(LatentCode("c1", "categorical", start, categorical))
            start += categorical
        for _ in range(continuous):
            codes.append(LatentCode(f"c{len(codes) + 1}", "continuous", start))
            start += 1
        super().__init__(generator, discriminator, start, data_info)
        self.noise_dim = noise_dim
        self.categorical, self.continuous = categorical, continuous
        #: the codes in z, in order (``ganzoo sample --code`` names them)
        self.latent_codes: tuple[LatentCode, ...] = tuple(codes)
        self.info_weight, self.continuous_weight = float(info_weight), float(continuous_weight)
        terms = [("info_cat", categorical), ("info_cont", continuous)]
        #: the MI terms this model adds to both players' losses (see auxiliary_loss)
        self.auxiliary_terms = tuple(name for name, count in terms if count)

    # --- the latent and its codes ---------------------------------------------------------
    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``[noise ~ N(0, I), c1 ~ uniform one-hot, c2.. ~ U(-1, 1)]``, drawn in that order."""
        device = generator.device if generator is not None else self.device
        parts = [torch.randn(n, self.noise_dim, generator=generator, device=device)]
        if self.categorical:
            c = torch.randint(self.categorical, (n,), generator=generator, device=device)
            parts.append(F.one_hot(c, self.categorical).float())
        if self.continuous:
            u = torch.rand(n, self.continuous, generator=generator, device=device)
            parts.append(2 * u - 1)
        return torch.cat(parts, dim=1).to(self.device)

    def code(self, name: str) -> LatentCode:
        """The code called ``name``; :class:`ValueError` listing the codes otherwise."""
        for code in self.latent_codes:
            if code.name == name:
                return code
        valid = ", ".join(c.describe() for c in self.latent_codes)
        raise ValueError(f"no latent code {name!r}; this model's codes: {valid}")

    def with_code(self, z: torch.Tensor, name: str, values: torch.Tensor) -> torch.Tensor:
        """``z`` with code ``name`` set to ``values`` (one per row); noise and other codes held."""
        return set_code(z, self.code(name), values)

    # --- D and Q --------------------------------------------------------------------------
    def discriminate_all(
        self,
        x: torch.Tensor,
        labels: torch.Tensor | None = None,
        network: nn.Module | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """D's logits ``(n,)`` and Q's outputs ``(n, categorical + 2·continuous)``."""
        d = network if network is not None else self.discriminator
        out = d(x)
        return out[:, 0], out[:, 1:]

    def split_q(self, outputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Q's outputs as (categorical logits, continuous means, continuous log-stds)."""
        k, m = self.categorical, self.continuous
        log_std = outputs[:, k + m : k + 2 * m].clamp(*LOG_STD_RANGE)
        return outputs[:, :k], outputs[:, k : k + m], log_std

    def auxiliary_loss(
        self, z: torch.Tensor, outputs: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        """λ·(-L_I) on a generated batch: Q's NLL of the codes in ``z``, per kind of code.

        ``info_cat`` = info_weight · CE(Q's logits, c1); ``info_cont`` = continuous_weight ·
        Σ_codes mean Gaussian NLL (the constant 0.5·log 2π included, so it reads as an NLL).
        """
        if outputs is None:
            raise ValueError("InfoGAN's D must return Q's outputs beside its logit")
        logits, mean, log_std = self.split_q(outputs.float())
        terms: dict[str, torch.Tensor] = {}
        if self.categorical:
            target = z[:, self.noise_dim : self.noise_dim + self.categorical].argmax(1)
            terms["info_cat"] = self.info_weight * F.cross_entropy(logits, target)
        if self.continuous:
            c = z[:, self.noise_dim + self.categorical :].float()
            nll = 0.5 * ((c - mean) * torch.exp(-log_std)) ** 2 + log_std + HALF_LOG_2PI
            terms["info_cont"] = self.continuous_weight * nll.sum(1).mean()
        return terms

    @torch.no_grad()
    def infer_codes(self, x: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        """Q's reading of images ``x``: the categorical code's argmax (``None`` without one)
        and the continuous codes' means ``(n, continuous)``. Call in eval mode."""
        logits, mean, _ = self.split_q(self.discriminate_all(x)[1].float())
        return (logits.argmax(1) if self.categorical else None), mean


def check_options(
    categorical: int, continuous: int, info_weight: float, continuous_weight: float, width: int
) -> None:
    """InfoGAN's ``-M`` options, each refused in one line naming the valid values."""
    if isinstance(categorical, bool) or not (categorical == 0 or categorical >= 2):
        raise ValueError(f"categorical must be 0 (no code) or an integer >= 2, got {categorical}")
    if isinstance(continuous, bool) or continuous < 0:
        raise ValueError(f"continuous must be an integer >= 0, got {continuous}")
    if categorical == 0 and continuous == 0:
        raise ValueError("InfoGAN needs a code: categorical >= 2 or continuous >= 1")
    for name, value in (("info_weight", info_weight), ("continuous_weight", continuous_weight)):
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")


def build(
    info: DataInfo,
    latent_dim: int | None = None,
    categorical: int = 10,
    continuous: int = 2,
    info_weight: float = 1.0,
    continuous_weight: float = 0.1,
    width: int = 64,
    d_norm: str = "batch",
) -> InfoGAN:
    """An InfoGAN for ``info``: one categorical code of ``categorical`` values (0: none) and
    ``continuous`` codes uniform in [-1, 1]; ``info_weight``/``continuous_weight`` are
    their λ. ``latent_dim`` is the size of z, noise and codes together, as for every ganzoo
    GAN (``--latent-dim``); default: the paper's 62 noise dimensions plus the codes' entries
    (74 for the defaults). ``d_norm`` is the normalisation of D's body and Q's hidden layer
    (``batch``, as the paper; ``layer`` for a per-sample critic such as WGAN-GP's)."""
    check_options(categorical, continuous, info_weight, continuous_weight, width)
    d_norm = check_d_norm(d_norm)
    base, n = check_shape(info, "infogan")
    channels = info.shape[0]
    code_dim = categorical + continuous
    z_dim = latent_dim or NOISE_DIM + code_dim
    if z_dim <= code_dim:
        raise ValueError(
            f"latent_dim {z_dim} leaves no noise beside the codes' {code_dim} entries; "
            f"give more than {code_dim}"
        )
    noise_dim = z_dim - code_dim
    widths = [width * 2**i for i in range(n)]
    features = widths[-1]
    q_head = nn.Sequential(
        nn.Conv2d(features, Q_HIDDEN, base, 1, 0, bias=False),  # a dense layer over base×base
        *feature_norm(d_norm, Q_HIDDEN),
        nn.LeakyReLU(0.2, True),
        nn.Flatten(),
        nn.Linear(Q_HIDDEN, categorical + 2 * continuous),
    )
    discriminator = SharedBodyD(
        nn.Sequential(*discriminator_body(channels, widths, d_norm)),
        nn.Conv2d(features, 1, base, 1, 0, bias=False),
        q_head,
    )
    model = InfoGAN(
        generator_layers(z_dim, widths, base, channels),
        discriminator,
        noise_dim,
        info,
        categorical,
        continuous,
        info_weight,
        continuous_weight,
    )
    model.apply(init_weights)
    return model
