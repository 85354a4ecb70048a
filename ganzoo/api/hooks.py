"""The hooks a ganzoo plugin implements: the whole plugin contract, in one version.

A plugin is a module (or object) with functions marked ``@ganzoo.hookimpl``, exposed through
the ``ganzoo`` entry-point group. Each ``register_*`` hook is handed a ``register``
callback; an implementation may accept only the arguments it needs. Keep plugin modules
free of heavy imports (torch): register *import paths* (``"pkg.module:factory"``) so that
``ganzoo list`` stays fast, and the module loads only when the component is built.

What ``register`` accepts for each kind is a typed record in :mod:`ganzoo.api.records` (an
unknown keyword is an error); what a GAN must provide is
:class:`ganzoo.api.models.AdversarialModel`; what a loss method receives follows from its
signature (:mod:`ganzoo.api.losses`). The full contract (factories' signatures, what they
return, what ganzoo promises in return, what is public API) is ``docs/plugins.md``;
``ganzoo.testing`` checks a plugin against it, and ``ganzoo plugin new`` writes a package
that keeps it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    import click

PROJECT = "ganzoo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: The plugin contract this ganzoo keeps. Plugins written for an earlier one still work: a
#: change that would break them raises this number. Check ``CONTRACT_VERSION >= N``.
CONTRACT_VERSION = 2


def __getattr__(name: str) -> Any:
    if name == "SUPPORTED_CONTRACTS":  # removed: kept for plugins that test it at import
        warnings.warn(
            "ganzoo.api.hooks.SUPPORTED_CONTRACTS is deprecated; test CONTRACT_VERSION >= N",
            DeprecationWarning,
            stacklevel=2,
        )
        return tuple(range(1, CONTRACT_VERSION + 1))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Register(Protocol):
    """The ``register`` callback handed to every ``register_*`` hook."""

    def __call__(
        self, name: str, factory: Any, *, description: str | None = None, **keywords: Any
    ) -> None:
        """Register ``factory`` (a callable or ``"module:attr"`` string) under ``name``.

        ``keywords`` are the fields of the kind's record (:mod:`ganzoo.api.records`); an
        unknown one is a :class:`ganzoo.api.errors.PluginError`.
        """


@hookspec
def register_models(register: Register) -> None:
    """Register model factories.

    :param register: ``register(name, factory, *, description=None, **keywords)``, the
        keywords those of :class:`ganzoo.api.records.ModelRecord` (``family``,
        ``conditional``, ``lr``, ``lr_d``, ``dataset_options``, ``data_kinds``, ``loss``,
        ``betas``, ``d_steps``, ``critic_options``, ``paper``).
        ``factory(data_info, latent_dim=None, **options)`` returns a model with ``sample(n)``;
        ``family`` says which objectives it trains with (``"adversarial"``: the model is a
        :class:`ganzoo.api.models.AdversarialModel`; ``"likelihood"``).
        ``conditional=True`` promises a class-conditional build: ganzoo then also passes
        ``num_classes``. Training defaults the run takes when the user does not set them
        (the paper's): ``loss="hinge"``, ``lr=2e-4``, ``lr_d=4e-4`` (D's own rate),
        ``betas=(0.0, 0.9)``, ``d_steps=5``,
        ``dataset_options={dataset: {option: value}}``, and ``critic_options`` (model options
        applied with a loss or regulariser that registers ``per_sample_critic=True``).
        ``paper="Author et al. YEAR, URL"`` is shown by ``ganzoo list`` and the model zoo page.
    """


@hookspec
def register_losses(register: Register) -> None:
    """Register objectives (losses).

    :param register: ``register(name, factory, *, description=None, **keywords)``, the
        keywords those of :class:`ganzoo.api.records.LossRecord` (``family``,
        ``per_sample_critic``, ``paper``).
        ``factory(**options)`` returns an objective of that family, e.g. a
        :class:`ganzoo.api.losses.AdversarialLoss`, whose methods' signatures say what they
        receive: ``generator_loss(fake_logits, real_logits)`` also gets D's real logits, a
        ``labels`` parameter the class labels.
        ``per_sample_critic=True``: the loss needs a D that scores each sample on its own
        (no batch norm), as WGAN-GP's gradient penalty does.
    """


@hookspec
def register_regularisers(register: Register) -> None:
    """Register regularisers of the discriminator (``ganzoo train --reg NAME``).

    :param register: ``register(name, factory, *, description=None, **keywords)``, the
        keywords those of :class:`ganzoo.api.records.RegulariserRecord` (``family``,
        ``per_sample_critic``, ``paper``). ``factory(**options)`` returns a
        :class:`ganzoo.api.regularisers.Regulariser`; ``per_sample_critic=True`` as for losses.
    """


@hookspec
def register_augmentations(register: Register) -> None:
    """Register augmentations of D's inputs (``ganzoo train --augment NAME``).

    :param register: ``register(name, factory, *, description=None, **keywords)``, the
        keywords those of :class:`ganzoo.api.records.AugmentationRecord` (``family``,
        ``data_kinds``, ``paper``). ``factory(**options)`` returns a
        :class:`ganzoo.api.augmentations.Augmentation`, applied to the real and the generated
        batch before D sees them; ``options`` are the user's ``-A KEY=VALUE`` pairs.
    """


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets.

    :param register: ``register(name, factory, *, description=None, **keywords)``, the
        keywords those of :class:`ganzoo.api.records.DatasetRecord` (``shape``, ``kind``,
        ``num_classes``, ``offline``, ``epochs``, ``paper``).
        ``factory(root, download=False, split="train", **options)`` returns a
        :class:`ganzoo.api.data.DataSource`.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``ganzoo`` CLI.

    :param cli: the top-level click group; call ``cli.add_command(...)`` or decorate with
        ``@cli.command()``.
    """
