"""Objective contracts. A loss plugin returns one of these; the loop never knows which.

An adversarial objective is a pair of small pure functions over the discriminator's logits
(D(x) = sigmoid(logit)), plus an optional penalty that needs D and both batches (e.g. a
gradient penalty). Pure functions are testable in closed form.

What a method receives follows from its signature alone (no version to declare):

- ``discriminator_loss(real_logits, fake_logits)``: always D's logits on both batches;
- ``generator_loss(fake_logits)``: the fake logits only; a second positional parameter, or
  one named ``real_logits``, also receives D's logits on the real batch (with D's weights as
  they are in G's update), so relativistic losses are pure functions;
- either method with a parameter named ``labels`` also receives the batch's class labels
  (``None`` for an unconditional run).

:class:`BoundLoss` is the one place that reads the signatures and calls a loss: the trainer
and the conformance kit go through it, and ``ganzoo.host.build`` refuses a loss it cannot
call before training starts. A class attribute ``contract = N`` (from plugin contracts 1
and 2) is accepted with a :class:`DeprecationWarning` and ignored.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)


class AdversarialLoss:
    """Base of adversarial objectives: ``discriminator_loss`` and ``generator_loss``.

    Give ``generator_loss`` a ``real_logits`` parameter to receive D's logits on the real
    batch, and either method a ``labels`` parameter to receive the class labels.
    """

    family: ClassVar[str] = "adversarial"
    #: Optional: logged loss -> its value at the game's equilibrium (p_g = p_data, D = ½
    #: everywhere), e.g. ``{"d_loss": math.log(4)}`` for the original GAN. The loss-curve
    #: figure draws each as a dotted line to read the curve against.
    equilibrium: ClassVar[dict[str, float]] = {}

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """Scalar loss D minimises, from its logits on real and generated batches."""
        raise NotImplementedError

    def generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        """Scalar loss G minimises, from D's logits on a generated batch.

        Declare ``generator_loss(self, fake_logits, real_logits)`` to receive D's logits on
        the real batch too.
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


@dataclass(frozen=True)
class Call:
    """How ganzoo calls one loss method, read from its signature."""

    real: str | None = None  # "positional", "keyword" or None: how real_logits is passed
    labels: bool = False  # whether ``labels=`` is passed

    def args(
        self, first: torch.Tensor, real: torch.Tensor | None, labels: torch.Tensor | None
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The positional and keyword arguments of one call."""
        args: tuple[Any, ...] = (first,)
        kwargs: dict[str, Any] = {"labels": labels} if self.labels else {}
        if self.real == "positional":
            args = (first, real)
        elif self.real == "keyword":
            kwargs["real_logits"] = real
        return args, kwargs


def _parameters(method: Any) -> list[inspect.Parameter]:
    try:
        return list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: call it plainly
        return []


def generator_call(method: Any) -> Call:
    """How ``generator_loss`` is called: does it read ``real_logits``, ``labels``?"""
    params = _parameters(method)
    names = {p.name: p for p in params}
    labels = "labels" in names and names["labels"].kind is not _P.POSITIONAL_ONLY
    real = names.get("real_logits")
    if real is not None:
        positional = real.kind in _POSITIONAL and params.index(real) == 1
        return Call("positional" if positional else "keyword", labels)
    positional = [p for p in params if p.kind in _POSITIONAL and p.name != "labels"]
    if len(positional) >= 2 and positional[1].default is _P.empty:
        return Call("positional", labels)
    return Call(None, labels)


def discriminator_call(method: Any) -> Call:
    """How ``discriminator_loss`` is called: ``(real_logits, fake_logits)``, labels if named."""
    return Call("positional", any(p.name == "labels" for p in _parameters(method)))


def _shown(name: str, call: Call) -> str:
    """``generator_loss(fake_logits, real_logits, labels=...)``: the call ganzoo makes."""
    if name == "discriminator_loss":
        args = ["real_logits", "fake_logits"]
    else:
        args = ["fake_logits"] + (["real_logits"] if call.real else [])
    return f"{name}({', '.join(args + (['labels=...'] if call.labels else []))})"


def check_signature(method: Any, name: str, call: Call) -> None:
    """``TypeError`` in one line unless ``method`` accepts the call ganzoo makes of it."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):  # no signature to read: the call itself will tell
        return
    t = torch.empty(0)
    if name == "discriminator_loss":
        args: tuple[Any, ...] = (t, t)
        kwargs: dict[str, Any] = {"labels": None} if call.labels else {}
    else:
        args, kwargs = call.args(t, t, None)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(
            f"{name}{signature} cannot be called as ganzoo calls it, {_shown(name, call)} "
            f"({exc}); see 'How a loss is called' in docs/plugins.md"
        ) from None


def declared_contract(loss: Any) -> Any:
    """A ``contract`` class attribute left from plugin contracts 1 and 2, or ``None``."""
    return getattr(type(loss), "contract", None)


class BoundLoss:
    """An adversarial loss with its calling convention read once from its signatures.

    ``d(real, fake, labels)`` and ``g(fake, real, labels)`` pass each method what its
    signature asks for (see the module docstring), nothing more.

    :raises TypeError: a method cannot be called as ganzoo calls it (one line, naming it).
    """

    def __init__(self, loss: Any) -> None:
        self.loss = loss
        self.d_call = discriminator_call(loss.discriminator_loss)
        self.g_call = generator_call(loss.generator_loss)
        check_signature(loss.discriminator_loss, "discriminator_loss", self.d_call)
        check_signature(loss.generator_loss, "generator_loss", self.g_call)

    @property
    def wants_real(self) -> bool:
        """Whether G's loss reads D's logits on the real batch."""
        return self.g_call.real is not None

    def describe(self) -> str:
        """How ganzoo calls G's loss, e.g. ``generator_loss(fake_logits, real_logits)``."""
        return _shown("generator_loss", self.g_call)

    def d(
        self, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """D's loss."""
        if self.d_call.labels:
            return self.loss.discriminator_loss(real, fake, labels=labels)
        return self.loss.discriminator_loss(real, fake)

    def g(
        self,
        fake: torch.Tensor,
        real: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """G's loss; ``real`` is required when G's loss reads it, and never passed otherwise."""
        if self.wants_real and real is None:
            raise ValueError("this generator_loss needs D's logits on a real batch")
        args, kwargs = self.g_call.args(fake, real, labels)
        return self.loss.generator_loss(*args, **kwargs)

    def penalty(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor
    ) -> torch.Tensor | None:
        """The loss's penalty."""
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
