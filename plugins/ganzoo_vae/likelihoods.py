"""The VAE's pixel likelihoods p(x|z), and what their numbers mean.

``bernoulli`` (the default for images, as in Kingma & Welling's MNIST experiments):
    binary cross-entropy of the pixel intensities rescaled to [0, 1]. For binary pixels it is
    an exact negative log-likelihood; for the *continuous* grey levels of MNIST or digits it is
    not: a Bernoulli puts probability on 0 and 1 only, so "-log p" of 0.5 is a cross-entropy,
    not the log of a normalised density or probability. Its "nats" are a training objective,
    not a negative log-likelihood of the data, and cannot be compared with published NLLs.
``logistic``:
    a discretised logistic (Salimans et al. 2017, PixelCNN++) over the 256 levels of 8-bit
    pixels: each pixel's 256 bin probabilities sum to 1, so ``recon`` is a true negative
    log-likelihood of the data quantised to 8 bits, and ``loss`` (-ELBO) an upper bound on
    -log p(x), in nats per image (divide by pixels × ln 2 for bits per dimension).
``gaussian`` (vector data only): a Gaussian with a learned per-dimension scale, a normalised
    density.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

IMAGE_LIKELIHOODS = ("bernoulli", "logistic")
LIKELIHOODS = (*IMAGE_LIKELIHOODS, "gaussian")
BINS = 256  # levels of an 8-bit pixel; data in [-1, 1] has bin width 2 / 255
MIN_LOG_SCALE = -7.0  # as PixelCNN++: keeps exp(-log_scale) finite

#: what ``loss`` and ``recon`` are, per likelihood, said once when training starts
NOTES = {
    "bernoulli": (
        "VAE likelihood bernoulli: loss and recon are Bernoulli cross-entropies of pixels in "
        "[0, 1] (nats per image), not a normalised likelihood of continuous pixels and so not "
        "a negative log-likelihood of the data; -M likelihood=logistic gives a true NLL bound"
    ),
    "logistic": (
        "VAE likelihood logistic: recon is a negative log-likelihood of the 8-bit pixels "
        "(discretised logistic, 256 bins), loss = -ELBO an upper bound on -log p(x), "
        "in nats per image"
    ),
    "gaussian": "VAE likelihood gaussian: loss = -ELBO, an upper bound on -log p(x) in nats",
}


def quantise(x: torch.Tensor) -> torch.Tensor:
    """``x`` in [-1, 1] moved to the nearest of the 256 levels ``2k/255 - 1``."""
    return torch.round((x.clamp(-1, 1) + 1) * (BINS - 1) / 2) * 2 / (BINS - 1) - 1


def discretised_logistic_log_prob(
    x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor
) -> torch.Tensor:
    """log P(bin of ``x``) per pixel under a logistic(mean, exp(log_scale)) discretised to the
    256 bins of [-1, 1]; the outer bins take the tails, so the 256 probabilities sum to 1.

    ``x`` is quantised first (:func:`quantise`). Numerically stable as in PixelCNN++.
    """
    x = quantise(x)
    log_scale = log_scale.clamp(min=MIN_LOG_SCALE)
    inv = torch.exp(-log_scale)
    half = 1.0 / (BINS - 1)  # half a bin
    upper, lower = inv * (x - mean + half), inv * (x - mean - half)
    log_cdf_upper = upper - F.softplus(upper)  # log sigmoid(upper): the lowest bin
    log_survival_lower = -F.softplus(lower)  # log (1 - sigmoid(lower)): the highest bin
    delta = torch.sigmoid(upper) - torch.sigmoid(lower)
    centre = inv * (x - mean)
    # where the bin's mass underflows: its density at the centre times the bin width
    log_density = centre - log_scale - 2 * F.softplus(centre) + math.log(2 * half)
    inner = torch.where(delta > 1e-5, torch.log(delta.clamp(min=1e-12)), log_density)
    return torch.where(
        x < -1 + half, log_cdf_upper, torch.where(x > 1 - half, log_survival_lower, inner)
    )


def check(likelihood: str, image: bool) -> str:
    """``likelihood`` if the data allows it; ``auto`` -> bernoulli (images) or gaussian."""
    if likelihood == "auto":
        return "bernoulli" if image else "gaussian"
    allowed = IMAGE_LIKELIHOODS if image else ("gaussian",)
    if likelihood not in allowed:
        kind = "image" if image else "vector"
        raise ValueError(
            f"likelihood must be one of auto, {', '.join(allowed)} for {kind} data, "
            f"got {likelihood!r}"
        )
    return likelihood
