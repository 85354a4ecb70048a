"""Model families: how a kind of generative model trains, in one record each.

A family ties together what the rest of ganzoo would otherwise compare strings for: the
objective a model trains with when none is named, the trainer that runs one step, and what
a built model and loss must provide. GANs are ``adversarial`` (a discriminator, a pair of
loss functions of its logits); VAEs are ``likelihood`` (one objective of the model and a
batch). A third family is one :class:`Family` passed to :func:`register_family`, with a
trainer module of its own; nothing else in ganzoo names a family.

This module is torch-free: the registry checks a component's family when it is registered.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from ganzoo.api.errors import UsageError


@dataclass(frozen=True)
class Family:
    """One model family and its contract."""

    name: str
    description: str
    default_loss: str  # the objective when ``--loss`` is not given
    trainer: str  # "module:attr" of a :class:`ganzoo.training.trainer.TrainerFactory`
    model_attributes: tuple[str, ...]  # what the trainer and ``ganzoo eval`` call on a model
    #: "module:attr" of a Protocol listing everything the trainer uses of a model (torch-backed,
    #: imported only at build); its members are required besides ``model_attributes``
    model_protocol: str | None = None
    model_networks: tuple[str, ...] = ()  # attributes of a model that must be nn.Modules
    loss_methods: tuple[str, ...] = ()  # what the trainer calls on a loss
    stat_networks: tuple[tuple[str, str], ...] = ()  # logged statistic -> network it belongs to
    sampling_network: str | None = None  # the network ``--ema`` averages (None: no EMA)
    default_ema: float = 0.0  # the moving average's decay when ``--ema`` is not given

    def trainer_factory(self) -> Any:
        """Import the family's trainer factory (only when training starts: it imports torch)."""
        module, _, attr = self.trainer.partition(":")
        return getattr(importlib.import_module(module), attr)

    def model_members(self) -> tuple[str, ...]:
        """What a built model must have: the protocol's members, then ``model_attributes``."""
        listed: tuple[str, ...] = ()
        if self.model_protocol is not None:
            module, _, attr = self.model_protocol.partition(":")
            models = importlib.import_module(module)
            listed = models.members(getattr(models, attr))
        return tuple(dict.fromkeys([*listed, *self.model_attributes]))

    def network_of(self, statistic: str) -> str:
        """Which network a non-finite statistic points to, for the divergence message."""
        return dict(self.stat_networks).get(statistic, "model")


ADVERSARIAL = Family(
    name="adversarial",
    description="a generator and a discriminator trained against each other (GANs)",
    default_loss="nonsat",
    trainer="ganzoo.training.adversarial:make_trainer",
    model_attributes=(),
    model_protocol="ganzoo.api.models:AdversarialModel",
    model_networks=("generator", "discriminator"),
    loss_methods=("discriminator_loss", "generator_loss", "penalty"),
    stat_networks=(
        ("d_loss", "discriminator"),
        ("g_loss", "generator"),
        ("d_grad_norm", "discriminator"),
        ("g_grad_norm", "generator"),
    ),
    sampling_network="generator",
    # benchmarks/bench_quality.py: the average's samples score a lower FID than the raw G's
    default_ema=0.999,
)
LIKELIHOOD = Family(
    name="likelihood",
    description="one network minimising a likelihood bound on the data (VAEs)",
    default_loss="elbo",
    trainer="ganzoo.training.likelihood:make_trainer",
    model_attributes=("sample",),
    loss_methods=("__call__",),
)

_FAMILIES: dict[str, Family] = {f.name: f for f in (ADVERSARIAL, LIKELIHOOD)}


def register_family(family: Family) -> None:
    """Add a model family; its name must be new."""
    if family.name in _FAMILIES:
        raise ValueError(f"model family {family.name!r} exists already")
    _FAMILIES[family.name] = family


def family_names() -> tuple[str, ...]:
    """The known family names, in registration order."""
    return tuple(_FAMILIES)


def get_family(name: str | None) -> Family:
    """The family called ``name``; an unknown one is a :class:`UsageError` listing the valid."""
    family = _FAMILIES.get(name or "")
    if family is None:
        raise UsageError(f"unknown model family {name!r}; valid families: {', '.join(_FAMILIES)}")
    return family
