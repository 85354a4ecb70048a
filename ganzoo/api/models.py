"""Model contracts: anything that can ``sample(n)`` is a generator ganzoo can evaluate.

Model plugins return a :class:`GenerativeModel`. Adversarial models subclass :class:`GAN`,
which holds a generator and a discriminator; the training loop updates them with whichever
adversarial objective the user picked.

:class:`AdversarialModel` is the whole of what the adversarial trainer uses of a model: a
:class:`GAN` has all of it; a duck-typed model must too, and ``ganzoo.host.build`` refuses
one that lacks a member before training starts, naming what is missing.

A *class-conditional* model has ``num_classes`` set (``None``: unconditional). It samples
given labels (``sample(n, labels=...)``); a conditional GAN's networks are called as
``generator(z, labels)`` and ``discriminator(x, labels)``. :meth:`GAN.generate` and
:meth:`GAN.discriminate` are the one place that knows how to call them: the trainer hands
them the networks as they run (DDP-wrapped or compiled).

A model may add an objective of its own to both players' losses: it names the terms in
``auxiliary_terms`` and computes them in :meth:`GAN.auxiliary_loss` from the latent codes
of a generated batch and D's extra outputs on it (InfoGAN's mutual-information bound,
whose Q head shares D's body). The trainer adds their sum to D's loss in each D update and
to G's loss in G's, and logs each term as ``d_<term>`` and ``g_<term>``.
"""

from __future__ import annotations

import inspect
from typing import ClassVar, Protocol, runtime_checkable

import torch
from torch import nn

from ganzoo.api.data import DataInfo


class GenerativeModel(nn.Module):
    """Base of every model: a ``family`` and a ``sample`` method in data space."""

    family: ClassVar[str] = ""

    def __init__(self, data_info: DataInfo, num_classes: int | None = None) -> None:
        super().__init__()
        self.data_info = data_info
        if num_classes is not None and (isinstance(num_classes, bool) or num_classes < 2):
            raise ValueError(f"a conditional model needs num_classes >= 2, got {num_classes!r}")
        #: classes the model is conditioned on; ``None`` for an unconditional model
        self.num_classes = num_classes

    @property
    def conditional(self) -> bool:
        """Whether the model samples given class labels."""
        return self.num_classes is not None

    @property
    def device(self) -> torch.device:
        """The device of the model's parameters."""
        return next(self.parameters()).device

    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` samples shaped like the data (images in ``[-1, 1]``).

        ``labels`` (a LongTensor of shape ``(n,)``) chooses the classes of a conditional
        model; ``None`` draws them uniformly from ``generator``. An unconditional model
        refuses labels.
        """
        raise NotImplementedError

    def sample_labels(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Labels drawn uniformly from the model's classes, shape ``(n,)``, on its device."""
        if self.num_classes is None:
            raise ValueError("an unconditional model has no classes to draw")
        device = generator.device if generator is not None else self.device
        y = torch.randint(self.num_classes, (n,), generator=generator, device=device)
        return y.to(self.device)

    def check_labels(self, labels: torch.Tensor | None, n: int) -> torch.Tensor | None:
        """``labels`` on the model's device, after checking shape, dtype and range."""
        if labels is None:
            return None
        if self.num_classes is None:
            raise ValueError(
                "this model is unconditional (trained without --conditional); it cannot "
                "sample given labels"
            )
        if not isinstance(labels, torch.Tensor) or labels.dtype != torch.long:
            raise ValueError("labels must be a LongTensor of class indices")
        if tuple(labels.shape) != (n,):
            raise ValueError(f"labels have shape {tuple(labels.shape)}, expected ({n},)")
        if n and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
            raise ValueError(
                f"labels must be in 0..{self.num_classes - 1}, got "
                f"{int(labels.min())}..{int(labels.max())}"
            )
        return labels.to(self.device)


class GAN(GenerativeModel):
    """A generator G: z -> x and a discriminator D: x -> logit, trained adversarially.

    Conditional (``num_classes`` set): G is called as ``generator(z, labels)`` and D as
    ``discriminator(x, labels)``. With ``aux_classes`` set (ACGAN, Odena et al. 2017) D
    returns ``1 + aux_classes`` values per sample: the adversarial logit, then class
    logits that the trainer fits with cross-entropy; D then takes no labels.
    """

    family: ClassVar[str] = "adversarial"
    #: names of the terms :meth:`auxiliary_loss` returns; empty: the model adds no objective
    auxiliary_terms: tuple[str, ...] = ()

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        latent_dim: int,
        data_info: DataInfo,
        num_classes: int | None = None,
        aux_classes: int | None = None,
        aux_weight: float = 1.0,
    ) -> None:
        super().__init__(data_info, num_classes)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        #: ACGAN: D's auxiliary classifier over this many classes (``None``: no head)
        self.aux_classes = aux_classes
        self.aux_weight = float(aux_weight)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I), shape ``(n, latent_dim)``."""
        device = generator.device if generator is not None else self.device
        z = torch.randn(n, self.latent_dim, generator=generator, device=device)
        return z.to(self.device)

    def generate(
        self,
        z: torch.Tensor,
        labels: torch.Tensor | None = None,
        network: nn.Module | None = None,
    ) -> torch.Tensor:
        """G(z) (conditional: G(z, labels)); ``network`` is G as it runs (default: its own)."""
        g = network if network is not None else self.generator
        if self.num_classes is None:
            return g(z)
        if labels is None:
            raise ValueError("a conditional generator needs labels")
        return g(z, labels)

    def discriminate_all(
        self,
        x: torch.Tensor,
        labels: torch.Tensor | None = None,
        network: nn.Module | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's logits ``(n,)`` and its extra outputs: ACGAN's class logits
        ``(n, aux_classes)``; a subclass with another head returns its outputs; else ``None``."""
        d = network if network is not None else self.discriminator
        if self.num_classes is None or self.aux_classes is not None:
            out = d(x)
        else:
            if labels is None:
                raise ValueError("a conditional discriminator needs labels")
            out = d(x, labels)
        if self.aux_classes is None:
            return out.reshape(-1), None
        out = out.reshape(x.shape[0], 1 + self.aux_classes)
        return out[:, 0], out[:, 1:]

    def discriminate(
        self,
        x: torch.Tensor,
        labels: torch.Tensor | None = None,
        network: nn.Module | None = None,
    ) -> torch.Tensor:
        """D's logits for a batch, shape ``(n,)``; D(x) = sigmoid(logit)."""
        return self.discriminate_all(x, labels, network)[0]

    def auxiliary_loss(
        self, z: torch.Tensor, outputs: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        """The model's own objective on a generated batch, one weighted scalar per term.

        ``z`` is the latent the batch was generated from and ``outputs`` D's extra outputs
        on it (the second value of :meth:`discriminate_all`). The trainer adds the terms'
        sum to D's and G's losses and logs each; keys are ``auxiliary_terms``. Why a model
        hook rather than a loss: the term depends on the model's latent layout and heads,
        which no loss plugin knows. The default: no term.
        """
        return {}

    @torch.no_grad()
    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``n`` samples; z is drawn first, then (conditional, no ``labels``) the labels."""
        labels = self.check_labels(labels, n)
        z = self.sample_latent(n, generator)
        if self.num_classes is not None and labels is None:
            labels = self.sample_labels(n, generator)
        return self.generate(z, labels)


@runtime_checkable
class AdversarialModel(Protocol):
    """Everything the adversarial trainer (and ``ganzoo eval``/``sample``) uses of a GAN.

    :class:`GAN` provides all of it. The members are listed by :func:`members`; a model
    built for the ``adversarial`` family that lacks one is refused at build. Optional, read
    with a default (:data:`OPTIONAL_ADVERSARIAL_MEMBERS`): ``auxiliary_terms`` and
    ``auxiliary_loss`` (see :class:`GAN`).
    """

    #: G: z (and labels, if conditional) -> x
    generator: nn.Module
    #: D: x (and labels) -> one logit per sample (``1 + aux_classes`` values for ACGAN)
    discriminator: nn.Module
    #: size of z
    latent_dim: int
    #: classes it is conditioned on; ``None``: unconditional
    num_classes: int | None
    #: ACGAN: D's auxiliary classifier over this many classes; ``None``: no head
    aux_classes: int | None
    #: weight of the auxiliary cross-entropy (ACGAN)
    aux_weight: float

    @property
    def device(self) -> torch.device:
        """The device of the model's parameters."""
        ...

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z for ``n`` samples, drawn from ``generator`` and moved to the model's device."""
        ...

    def generate(
        self, z: torch.Tensor, labels: torch.Tensor | None = None, network: nn.Module | None = None
    ) -> torch.Tensor:
        """G(z) (conditional: G(z, labels)), with ``network`` as G when given."""
        ...

    def discriminate(
        self, x: torch.Tensor, labels: torch.Tensor | None = None, network: nn.Module | None = None
    ) -> torch.Tensor:
        """D's logits, shape ``(n,)``."""
        ...

    def discriminate_all(
        self, x: torch.Tensor, labels: torch.Tensor | None = None, network: nn.Module | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """D's logits ``(n,)`` and, for ACGAN, its class logits ``(n, aux_classes)``."""
        ...

    def sample(
        self, n: int, generator: torch.Generator | None = None, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``n`` samples shaped like the data."""
        ...


def members(protocol: type) -> tuple[str, ...]:
    """The attributes and methods a protocol lists, in the order it declares them."""
    names = list(inspect.get_annotations(protocol))
    names += [
        n
        for n, v in vars(protocol).items()
        if not n.startswith("_") and (callable(v) or isinstance(v, property))
    ]
    return tuple(names)


#: what :class:`AdversarialModel` lists (the ``adversarial`` family checks each at build)
ADVERSARIAL_MODEL_MEMBERS: tuple[str, ...] = members(AdversarialModel)
#: what the adversarial trainer also uses when a model has it, and does without otherwise:
#: a model's own objective (:meth:`GAN.auxiliary_loss`). Optional, so that a duck-typed GAN
#: written before it existed still trains.
OPTIONAL_ADVERSARIAL_MEMBERS: tuple[str, ...] = ("auxiliary_terms", "auxiliary_loss")
