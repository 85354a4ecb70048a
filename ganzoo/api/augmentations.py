"""Augmentations of D's inputs: differentiable random transforms of real and generated images.

A GAN's discriminator overfits a small training set: it memorises the real images and its
feedback to G stops being useful. Augmenting only the real images does not help, because G
then learns to produce augmented images. DiffAugment (Zhao et al. 2020, "Differentiable
Augmentation for Data-Efficient GAN Training", https://arxiv.org/abs/2006.10738) applies
the *same* kind of random transform T to the real and to the generated batch before D sees
them, in D's update and in G's, and makes T differentiable so that G's gradient flows back
through it: D learns about T(x), and G learns from D(T(G(z))).

A plugin registers a factory (``register_augmentations``) whose object subclasses
:class:`Augmentation`. ``ganzoo train --augment color,translation,cutout`` builds each named
augmentation and applies them in that order, one call per batch: the real batch and the
generated batch each go through the whole policy, every image with its own random draw.

Adaptive augmentation (ADA: Karras et al. 2020, https://arxiv.org/abs/2006.06676) changes
its strength from D's outputs as training goes: :meth:`Augmentation.observe` receives D's
logits on the augmented real batch after every D update, and the state it keeps in buffers
(``register_buffer``) is saved in checkpoints and restored on resume; :meth:`Augmentation.stats`
puts it in the run's logged statistics.
"""

from __future__ import annotations

import torch
from torch import nn


class Augmentation(nn.Module):
    """Base of the augmentations: ``forward(x) -> x'``, random per image and differentiable.

    What ganzoo relies on, and :mod:`ganzoo.testing` checks:

    - ``forward(x, generator=None)`` takes a batch ``(n, C, H, W)`` of images in ``[-1, 1]``
      and returns a batch of the same shape, dtype and device;
    - each image gets its own random parameters, drawn from ``generator`` (``None``: torch's
      global generator on ``x``'s device, which ganzoo seeds and saves in checkpoints, so a
      resumed run draws the same transforms);
    - image ``i`` of the output depends on image ``i`` of the input alone (no batch
      statistics): a per-sample penalty (R1, WGAN-GP) on augmented images stays per sample;
    - it is differentiable in ``x`` (made of tensor operations, no ``.detach()``, no NumPy):
      G is trained through it;
    - state it keeps between steps (an adaptive probability) lives in buffers, so that
      ``state_dict``/``load_state_dict`` carry it into checkpoints. Parameters are not
      trained: no optimiser sees them.
    """

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``x`` transformed, each image with its own random draw from ``generator``."""
        raise NotImplementedError

    def observe(self, real_logits: torch.Tensor) -> None:
        """Called after each D update with D's logits ``(n,)`` on the augmented real batch.

        The hook of an adaptive augmentation (ADA adjusts its probability from
        ``sign(real_logits)``); the logits are detached, float32, on the training device.
        Reading them on the host (``.item()``) waits for the device: accumulate on the
        device and read every few updates. Under torchrun each process observes its own
        batch; state that must agree across processes is reduced by the augmentation itself.
        The default does nothing.
        """

    def stats(self) -> dict[str, torch.Tensor]:
        """Scalars to log with the training statistics, e.g. ADA's ``{"p": self.p}``.

        Called once per training step; each value a 0-dim tensor on the training device
        (no host sync), logged as ``NAME_KEY`` (``flip_p``) in ``metrics.jsonl``, averaged
        over the log interval like every statistic. The default logs nothing.
        """
        return {}


def uniform(
    x: torch.Tensor,
    *shape: int,
    low: float = 0.0,
    high: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``U[low, high)`` of ``shape`` drawn from ``generator``, on ``x``'s device and dtype.

    ``generator`` None draws from torch's global generator on ``x``'s device (no copy to the
    device per step); a generator draws on its own device and the result is moved.
    """
    device = generator.device if generator is not None else x.device
    u = torch.rand(shape, generator=generator, device=device)
    return (low + (high - low) * u).to(device=x.device, dtype=x.dtype)


def integers(
    x: torch.Tensor, *shape: int, low: int, high: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Integers in ``[low, high)`` of ``shape`` from ``generator``, on ``x``'s device."""
    device = generator.device if generator is not None else x.device
    return torch.randint(low, high, shape, generator=generator, device=device).to(x.device)
