"""The hooks a ganzoo plugin implements: the whole plugin contract, version 2.

A plugin is a module (or object) with functions marked ``@ganzoo.hookimpl``, exposed through
the ``ganzoo`` entry-point group. Each ``register_*`` hook is handed a ``register``
callback; an implementation may accept only the arguments it needs. Keep plugin modules
free of heavy imports (torch): register *import paths* (``"pkg.module:factory"``) so that
``ganzoo list`` stays fast, and the module loads only when the component is built.

The full contract (factories' signatures, what they return, what ganzoo promises in return,
what is public API) is ``docs/plugins.md``; ``ganzoo.testing`` checks a plugin against it, and
``ganzoo plugin new`` writes a package that keeps it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    import click

PROJECT = "ganzoo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: The newest plugin contract this ganzoo offers (2: a loss may read D's real logits and the
#: labels, models may be class-conditional). Plugins written for an older one still work.
CONTRACT_VERSION = 2
#: Every contract this ganzoo honours: check ``N in SUPPORTED_CONTRACTS``, not equality.
SUPPORTED_CONTRACTS: tuple[int, ...] = (1, 2)


class Register(Protocol):
    """The ``register`` callback handed to every ``register_*`` hook."""

    def __call__(
        self, name: str, factory: Any, *, description: str | None = None, **meta: Any
    ) -> None:
        """Register ``factory`` (a callable or ``"module:attr"`` string) under ``name``."""


@hookspec
def register_models(register: Register) -> None:
    """Register model factories.

    :param register: ``register(name, factory, description=..., family="adversarial", **meta)``.
        ``factory(data_info, latent_dim=None, **options)`` returns a model with ``sample(n)``;
        ``family`` says which objectives it trains with (``"adversarial"``, ``"likelihood"``).
        ``conditional=True`` promises a class-conditional build: ganzoo then also passes
        ``num_classes`` (contract 2). Training defaults the run takes when the user does not
        set them: ``loss="hinge"``, ``lr=2e-4``, ``betas=(0.0, 0.9)``, ``d_steps=5`` (the
        paper's), ``dataset_options={dataset: {option: value}}``, and ``critic_options``
        (model options applied with a loss or regulariser that registers
        ``per_sample_critic=True``). ``paper="Author et al. YEAR, URL"`` is shown by
        ``ganzoo list`` and the model zoo page.
    """


@hookspec
def register_losses(register: Register) -> None:
    """Register objectives (losses).

    :param register: ``register(name, factory, description=..., family="adversarial", **meta)``.
        ``factory(**options)`` returns an objective of that family, e.g. a
        :class:`ganzoo.api.losses.AdversarialLoss` (``contract = 2`` on it: G's loss also
        receives D's real logits). ``per_sample_critic=True``: the loss needs a D that scores
        each sample on its own (no batch norm), as WGAN-GP's gradient penalty does.
    """


@hookspec
def register_regularisers(register: Register) -> None:
    """Register regularisers of the discriminator (``ganzoo train --reg NAME``).

    :param register: ``register(name, factory, description=..., paper=..., **meta)``.
        ``factory(**options)`` returns a :class:`ganzoo.api.regularisers.Regulariser`;
        ``per_sample_critic=True`` as for losses.
    """


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets.

    :param register: ``register(name, factory, description=..., shape=(C, H, W), **meta)``.
        ``factory(root, download=False, split="train", **options)`` returns a
        :class:`ganzoo.api.data.DataSource`.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``ganzoo`` CLI.

    :param cli: the top-level click group; call ``cli.add_command(...)`` or decorate with
        ``@cli.command()``.
    """
