"""Per-sample critics: refuse a loss whose penalty is per sample on a D that couples samples.

WGAN-GP's gradient penalty (Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028, §4)
constrains ‖∇_x f(x)‖ sample by sample. Batch norm in training mode makes each sample's score
depend on the whole batch, so that gradient is not the critic's per-sample gradient any more
and the penalty no longer says what it means; the paper therefore drops batch norm from the
critic (layer norm in its reference code). A loss (or regulariser) registers
``per_sample_critic=True`` to say it needs such a critic; a model may register the options
that give one (``critic_options``, applied by
:meth:`ganzoo.host.resolve.Components.model_options`).
What still reaches training with batch norm in D is refused here, in one line, before the run
folder exists.

Augmentations (``--augment``) need no check here: an augmentation transforms each image on
its own (a promise of :class:`ganzoo.api.augmentations.Augmentation` that
:func:`ganzoo.testing.check_augmentation` checks), so a per-sample penalty computed on the
augmented batches D saw (:mod:`ganzoo.training.augment`) is still per sample.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from ganzoo.api.errors import UsageError
from ganzoo.host.resolve import Components

#: modules whose training-mode output for one sample depends on the others in the batch
COUPLING: tuple[type[nn.Module], ...] = (nn.modules.batchnorm._BatchNorm,)


def couples_samples(network: nn.Module) -> bool:
    """Whether ``network`` in training mode mixes the samples of a batch (batch norm)."""
    return any(isinstance(m, COUPLING) for m in network.modules())


def check_per_sample_critic(components: Components, model: Any) -> None:
    """:class:`UsageError` if the run's loss or one of its regularisers registers
    ``per_sample_critic=True`` and ``model``'s D couples samples."""
    discriminator = getattr(model, "discriminator", None)
    if discriminator is None or not couples_samples(discriminator):
        return
    for needing in components.needs_per_sample_critic():
        critic = components.model.record.critic_options  # type: ignore[union-attr]
        fix = " ".join(f"-M {k}={v}" for k, v in critic.items())
        hint = f"add {fix}" if fix else "use a model whose D has no batch norm"
        raise UsageError(
            f"{needing.kind} {needing.name!r} needs a per-sample critic; "
            f"{components.model.name}'s D uses batch norm: {hint}"
        )
