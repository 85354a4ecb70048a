"""Spectral normalisation of a discriminator, and the per-sample normalisations of a critic.

Spectral normalisation (Miyato et al. 2018, https://arxiv.org/abs/1802.05957) divides each
weight W by an estimate of its largest singular value σ(W), so every layer is (about)
1-Lipschitz and so is D, whatever its weights: W_SN = W / σ(W). σ is estimated by one step of
power iteration per training forward pass, σ ≈ uᵀ W v, with u and v kept between steps. We use
torch's parametrization (:func:`torch.nn.utils.parametrizations.spectral_norm`): u and v are
buffers of the module, so they are saved in the model's ``state_dict`` (checkpoints) and a
resumed run continues the power iteration bit for bit. Convolutions are normalised as the
paper does, as the matrix of shape (out, in·k·k).
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

#: the layers whose ``weight`` is spectrally normalised
NORMALISED = (nn.Linear, nn.Conv2d, nn.Embedding)

#: D's normalisation between layers, ``-M d_norm=...``
D_NORMS = ("batch", "layer", "none")


def spectral_normalise(network: nn.Module) -> nn.Module:
    """Put spectral norm on every Linear, Conv2d and Embedding weight of ``network``.

    Call it after the weights are initialised: the parametrization keeps the initial
    weight as ``original`` and runs 15 power iterations on it to start u and v.
    """
    for module in list(network.modules()):
        if isinstance(module, NORMALISED) and not hasattr(module, "parametrizations"):
            spectral_norm(module)
    return network


def normalised_weights(network: nn.Module) -> list[nn.Module]:
    """The modules of ``network`` whose weight is spectrally normalised."""
    return [m for m in network.modules() if hasattr(getattr(m, "parametrizations", None), "weight")]


def check_flag(name: str, value: object) -> None:
    """:class:`ValueError` unless ``value`` is a bool (``-M spectral_norm=true``)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")


def check_d_norm(d_norm: str) -> str:
    """``d_norm`` if valid, else :class:`ValueError` listing the valid ones."""
    if d_norm not in D_NORMS:
        raise ValueError(f"d_norm must be one of {', '.join(D_NORMS)}, got {d_norm!r}")
    return d_norm


def feature_norm(d_norm: str, channels: int) -> list[nn.Module]:
    """D's normalisation of ``channels`` feature maps: batch norm, layer norm or nothing.

    Layer norm is the WGAN-GP reference code's choice (Gulrajani et al. 2017, tflib
    ``LayerNorm`` over C, H, W with a scale and offset per channel): it normalises each
    sample on its own, so the critic's output for one sample does not depend on the others
    and the gradient penalty, taken per sample, means what it says. ``GroupNorm(1, C)`` is
    exactly that normalisation.
    """
    if d_norm == "batch":
        return [nn.BatchNorm2d(channels)]
    if d_norm == "layer":
        return [nn.GroupNorm(1, channels)]
    return []
