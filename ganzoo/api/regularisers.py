"""Regularisers of a discriminator: penalties added to D's loss, with any adversarial loss.

A regulariser plugin registers a factory (``register_regularisers``) whose object subclasses
:class:`Regulariser`. In each D update the trainer calls ``penalty(D, real, fake, step)`` of
every regulariser the run names (``ganzoo train --reg r1 -R gamma=10``), after the loss's
own penalty, and adds what it returns to D's loss before the backward pass. ``D`` is called
as ``D(x) -> logits (n,)``: a conditional D has the batch's labels bound.

Lazy regularisation (Karras et al. 2020, "Analyzing and Improving the Image Quality of
StyleGAN", https://arxiv.org/abs/1912.04958, §B): a penalty that changes slowly need not be
computed at every update. With ``every = k`` the trainer calls it only on D updates whose
counter is a multiple of k and multiplies it by k, so that its expected weight per update
is unchanged (γ·k every k steps instead of γ each step) at 1/k of its cost.
"""

from __future__ import annotations

import torch
from torch import nn


class Regulariser:
    """Base of D's regularisers: :meth:`penalty`, and the interval ``every`` (lazy: k > 1).

    ``per_sample_critic`` (a registration keyword, not an attribute) says the penalty needs a
    D that scores each sample on its own; ganzoo then refuses a D with batch norm.
    """

    #: D updates between two evaluations of the penalty (1: every update; StyleGAN2: 16)
    every: int = 1

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int
    ) -> torch.Tensor | None:
        """The term added to D's loss at D update ``step`` (before the lazy factor), or None.

        ``real`` and ``fake`` are this update's batches (``fake`` detached from G).
        """
        raise NotImplementedError


def check_every(every: object) -> int:
    """``every`` if it is an integer >= 1, else :class:`ValueError` saying so."""
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"every must be an integer >= 1 (D updates), got {every!r}")
    return every


def input_gradient(discriminator: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(D(x), ∇_x Σ D(x))`` with the graph kept (``create_graph``): a penalty of the
    gradient trains D. Each sample's row is its own gradient when D is per sample."""
    x = x.detach().requires_grad_(True)
    scores = discriminator(x)
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return scores, grad
