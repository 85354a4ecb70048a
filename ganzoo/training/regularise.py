"""D's regularisers in the trainer: built from ``--reg``/``-R``, applied in each D update.

The loss's own penalty (WGAN-GP's gradient penalty) is the first regulariser of every run
(:class:`LossPenalty`), so a loss penalty and a ``--reg`` penalty take the same path: each
due one (``step % every == 0``, ``step`` counting D updates) is multiplied by its ``every``
(lazy regularisation, StyleGAN2) and added to D's loss before the backward pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganzoo.api.errors import UsageError
from ganzoo.api.losses import BoundLoss
from ganzoo.api.regularisers import Regulariser
from ganzoo.host.build import call_factory, share_options
from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Component
from ganzoo.host.resolve import Components


class LossPenalty(Regulariser):
    """The loss's ``penalty(D, real, fake)`` as a regulariser evaluated at every D update."""

    def __init__(self, loss: BoundLoss) -> None:
        self.loss = loss

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, step: int
    ) -> torch.Tensor | None:
        """The loss's penalty (None for most losses)."""
        return self.loss.penalty(discriminator, real, fake)


def total_penalty(
    regularisers: Sequence[Regulariser],
    discriminator: nn.Module,
    real: torch.Tensor,
    fake: torch.Tensor,
    step: int,
) -> torch.Tensor | None:
    """Σ every · penalty over the regularisers due at D update ``step``; None if none is."""
    total = None
    for reg in regularisers:
        every = int(getattr(reg, "every", 1))
        if step % every:
            continue
        term = reg.penalty(discriminator, real, fake, step)
        if term is not None:
            term = term * every if every != 1 else term
            total = term if total is None else total + term
    return total


def build_regularisers(
    regularisers: Sequence[Component | str], options: dict[str, Any]
) -> list[Regulariser]:
    """Build each ``--reg`` regulariser with the ``-R`` options its factory takes.

    ``regularisers`` are the run's resolved components (names are looked up here). An option
    goes to every named regulariser that has it (``-R gamma=10`` with ``--reg r1,r2`` sets
    both γ); one that none has is a :class:`UsageError` listing theirs.
    """
    components = [
        c if isinstance(c, Component) else get_registry().get("regulariser", c)
        for c in regularisers
    ]
    shares = share_options("regulariser", components, options, "-R", "--reg")
    built = []
    for c, mine in zip(components, shares, strict=True):
        reg = call_factory(c, (), {}, mine)
        if not callable(getattr(reg, "penalty", None)):
            raise UsageError(f"regulariser {c.name!r} built a {type(reg).__name__} without penalty")
        built.append(reg)
    return built


def d_regularisers(
    components: Components, model: Any, options: dict[str, Any]
) -> tuple[Regulariser, ...]:
    """The run's ``--reg`` regularisers (resolved once, in ``components``), once the model's
    D is known to suit the loss and them (:func:`.critic.check_per_sample_critic`)."""
    from ganzoo.training.critic import check_per_sample_critic

    check_per_sample_critic(components, model)
    return tuple(build_regularisers(components.regularisers, options))
