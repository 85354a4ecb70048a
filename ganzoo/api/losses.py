"""Objective contracts. A loss plugin returns one of these; the loop never knows which.

An adversarial objective is a pair of small pure functions over the discriminator's logits
(D(x) = sigmoid(logit)), plus an optional penalty that needs D and both batches (e.g. a
gradient penalty). Pure functions are testable in closed form.

Two versions of the adversarial contract are supported side by side; a loss says which one
it keeps with its class attribute ``contract``:

- **1** (the default): ``discriminator_loss(real_logits, fake_logits)`` and
  ``generator_loss(fake_logits)``, called exactly as in ganzoo 0.1.
- **2**: ``generator_loss(fake_logits, real_logits)`` also receives D's logits on the real
  batch (with D's weights as they are in G's update), so relativistic losses are pure
  functions. A method of a v2 loss that has a ``labels`` parameter also receives the
  batch's class labels (``None`` for an unconditional run).

:class:`BoundLoss` is the one place that knows how each version is called: the trainer and
the conformance kit go through it.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import torch
from torch import nn

#: The adversarial loss contracts ganzoo calls (``AdversarialLoss.contract``).
LOSS_CONTRACTS: tuple[int, ...] = (1, 2)


class AdversarialLoss:
    """Base of adversarial objectives: ``discriminator_loss`` and ``generator_loss``.

    Set ``contract = 2`` in a subclass to receive D's real logits in ``generator_loss``
    (see the module docstring and ``docs/plugins.md``).
    """

    family: ClassVar[str] = "adversarial"
    contract: ClassVar[int] = 1

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """Scalar loss D minimises, from its logits on real and generated batches."""
        raise NotImplementedError

    def generator_loss(self, fake_logits: torch.Tensor, *args: Any) -> torch.Tensor:
        """Scalar loss G minimises, from D's logits on a generated batch.

        Contract 1: ``generator_loss(fake_logits)``. Contract 2:
        ``generator_loss(fake_logits, real_logits)``.
        """
        raise NotImplementedError

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor | None:
        """An extra term added to D's loss, or ``None`` (the default).

        For a conditional model ``discriminator`` is D with the batch's labels bound, so it
        is still called as ``discriminator(x)``.
        """
        return None


def loss_contract(loss: Any) -> int:
    """The adversarial contract ``loss`` keeps (1 unless it says ``contract = 2``)."""
    return getattr(loss, "contract", 1)


def _takes(method: Any, name: str) -> bool:
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


class BoundLoss:
    """An adversarial loss with its calling convention resolved once.

    ``d(real, fake, labels)`` and ``g(fake, real, labels)`` call the loss as its contract
    says: a v1 loss never sees ``real`` in G's loss nor ``labels``; a v2 loss gets
    ``real_logits`` and, where its method names a ``labels`` parameter, the labels.
    """

    def __init__(self, loss: Any) -> None:
        self.loss = loss
        self.contract = loss_contract(loss)
        if self.contract not in LOSS_CONTRACTS:
            raise ValueError(
                f"{type(loss).__name__}.contract is {self.contract!r}; ganzoo calls "
                f"contracts {', '.join(map(str, LOSS_CONTRACTS))}"
            )
        v2 = self.contract >= 2
        self.d_labels = v2 and _takes(loss.discriminator_loss, "labels")
        self.g_labels = v2 and _takes(loss.generator_loss, "labels")

    @property
    def wants_real(self) -> bool:
        """Whether G's loss reads D's logits on the real batch (contract 2)."""
        return self.contract >= 2

    def d(
        self, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """D's loss."""
        if self.d_labels:
            return self.loss.discriminator_loss(real, fake, labels=labels)
        return self.loss.discriminator_loss(real, fake)

    def g(
        self,
        fake: torch.Tensor,
        real: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """G's loss; ``real`` is required for a v2 loss and never passed to a v1 loss."""
        if not self.wants_real:
            return self.loss.generator_loss(fake)
        if real is None:
            raise ValueError("a contract-2 generator_loss needs D's logits on a real batch")
        if self.g_labels:
            return self.loss.generator_loss(fake, real, labels=labels)
        return self.loss.generator_loss(fake, real)

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor | None:
        """The loss's penalty (the same call in both contracts)."""
        return self.loss.penalty(discriminator, real, fake)


class LikelihoodLoss:
    """Base of likelihood-based objectives (e.g. the VAE's negative ELBO).

    Not a function of a discriminator: the objective sees the model and a real batch, and
    returns ``{"loss": scalar to minimise, **other scalars to log}``.
    """

    family: ClassVar[str] = "likelihood"

    def __call__(self, model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The loss on batch ``x`` and the terms it is made of."""
        raise NotImplementedError
