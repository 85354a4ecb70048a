"""D's regularisers in the trainer: built from ``--reg``/``-R``, applied in each D update.

The loss's own penalty (WGAN-GP's gradient penalty) is the first regulariser of every run
(:class:`LossPenalty`), so a loss penalty and a ``--reg`` penalty take the same path: each
due one (``step % every == 0``, ``step`` counting D updates) is multiplied by its ``every``
(lazy regularisation, StyleGAN2) and added to D's loss before the backward pass.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganzoo.api.errors import UsageError
from ganzoo.api.losses import BoundLoss
from ganzoo.api.regularisers import Regulariser
from ganzoo.host.build import call_factory
from ganzoo.host.plugins import get_registry


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


def check_names(names: Sequence[str], family: str) -> None:
    """Look ``--reg`` names up (one line for an unknown or repeated one, or a non-GAN)."""
    registry = get_registry()
    if names and family != "adversarial":
        raise UsageError(
            f"--reg regularises a GAN's discriminator; this model's family is {family!r}"
        )
    for name in names:
        registry.get("regulariser", name)
    repeated = sorted({n for n in names if list(names).count(n) > 1})
    if repeated:
        raise UsageError(f"--reg names {', '.join(repeated)} more than once")


def build_regularisers(names: Sequence[str], options: dict[str, Any]) -> list[Regulariser]:
    """Build each ``--reg`` regulariser with the ``-R`` options its factory takes.

    An option goes to every named regulariser that has it (``-R gamma=10`` with
    ``--reg r1,r2`` sets both γ); one that none has is a :class:`UsageError` listing theirs.
    """
    registry = get_registry()
    components = [registry.get("regulariser", name) for name in names]
    accepted = {c.name: _parameters(c.load()) for c in components}
    for key in options:
        if not any(key in params for params in accepted.values()):
            valid = "; ".join(f"{n}: {', '.join(p) or '(none)'}" for n, p in accepted.items())
            raise UsageError(
                f"-R {key}: no regulariser of this run takes it"
                + (f" (options: {valid})" if names else " (no --reg given)")
            )
    built = []
    for c in components:
        mine = {k: v for k, v in options.items() if k in accepted[c.name]}
        reg = call_factory(c, (), {}, mine)
        if not callable(getattr(reg, "penalty", None)):
            raise UsageError(f"regulariser {c.name!r} built a {type(reg).__name__} without penalty")
        built.append(reg)
    return built


def d_regularisers(
    model_name: str, model: Any, loss: str, names: Sequence[str], options: dict[str, Any]
) -> tuple[Regulariser, ...]:
    """The run's ``--reg`` regularisers, once the model's D is known to suit the loss and
    them (:func:`ganzoo.training.critic.check_per_sample_critic`)."""
    from ganzoo.training.critic import check_per_sample_critic

    components = [("loss", loss), *(("regulariser", name) for name in names)]
    check_per_sample_critic(model_name, model, components)
    return tuple(build_regularisers(names, options))


def _parameters(factory: Any) -> list[str]:
    try:
        return [p for p in inspect.signature(factory).parameters if p != "self"]
    except (TypeError, ValueError):
        return []
