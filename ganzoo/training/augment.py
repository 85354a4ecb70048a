"""D's input augmentations in the trainer: built from ``--augment``/``-A``, one policy per run.

The run's augmentations, in the order ``--augment`` names them, make one :class:`Policy`.
The adversarial trainer calls it once per batch: on the real and on the generated batch of
each D update, and on the generated batch of G's update (where G's gradient flows through
it), so D only ever sees augmented images and both batches go through the same policy, each
image with its own random draw (DiffAugment, Zhao et al. 2020,
https://arxiv.org/abs/2006.10738).

Penalties see what D sees: the loss's penalty and the ``--reg`` regularisers get this
update's augmented batches, so R1 is D's gradient at the augmented real images it was
trained on (as in DiffAugment's and ADA's StyleGAN2 code) and WGAN-GP interpolates between
augmented real and augmented generated images. Every built-in transform is per image, so a
per-sample penalty stays per sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ganzoo.api.augmentations import Augmentation
from ganzoo.api.data import DataInfo
from ganzoo.api.errors import PluginError
from ganzoo.host.build import call_factory, share_options
from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Component
from ganzoo.host.resolve import check_data_kind


class Policy:
    """The run's augmentations applied in order; an empty policy returns its input.

    Not an ``nn.Module`` of its own: the checkpoint keys each augmentation's state by its
    registered name (:meth:`state_dict`), so a resumed run finds it whatever the order.
    """

    def __init__(self, augmentations: Sequence[tuple[str, Augmentation]] = ()) -> None:
        self.augmentations = list(augmentations)

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``x`` through every augmentation, in order (each image its own draws)."""
        for _, augmentation in self.augmentations:
            x = augmentation(x, generator)
        return x

    def observe(self, real_logits: torch.Tensor) -> None:
        """Hand D's logits on the augmented real batch to each augmentation (ADA's hook)."""
        for _, augmentation in self.augmentations:
            augmentation.observe(real_logits)

    def stats(self) -> dict[str, torch.Tensor]:
        """Each augmentation's :meth:`~Augmentation.stats`, keyed ``NAME_KEY``, as floats."""
        return {
            f"{name}_{key}": value.detach().to(torch.float32, copy=True)
            for name, augmentation in self.augmentations
            for key, value in augmentation.stats().items()
        }

    def to(self, device: torch.device | str) -> Policy:
        """Move every augmentation's buffers (an adaptive one's state) to ``device``."""
        for _, augmentation in self.augmentations:
            augmentation.to(device)
        return self

    def state_dict(self) -> dict[str, dict[str, Any]]:
        """Each augmentation's ``state_dict()`` under its name: what a checkpoint keeps."""
        return {name: augmentation.state_dict() for name, augmentation in self.augmentations}

    def load_state_dict(self, state: dict[str, dict[str, Any]]) -> None:
        """Restore :meth:`state_dict`; an augmentation the checkpoint lacks keeps its start."""
        for name, augmentation in self.augmentations:
            if name in state:
                augmentation.load_state_dict(state[name])


def build_augmentations(
    augmentations: Sequence[Component | str], options: dict[str, Any]
) -> list[tuple[str, Augmentation]]:
    """Build each ``--augment`` augmentation with the ``-A`` options its factory takes.

    An option goes to every named augmentation that has it; one that none has is a
    :class:`~ganzoo.api.errors.UsageError` listing theirs. A factory that returns no
    :class:`Augmentation` is the plugin's error, named in one line.
    """
    components = [
        c if isinstance(c, Component) else get_registry().get("augmentation", c)
        for c in augmentations
    ]
    shares = share_options("augmentation", components, options, "-A", "--augment")
    built = []
    for c, mine in zip(components, shares, strict=True):
        augmentation = call_factory(c, (), {}, mine)
        if not isinstance(augmentation, Augmentation):
            raise PluginError(
                f"augmentation {c.name!r} from {c.provider} built a "
                f"{type(augmentation).__name__}, not a ganzoo.api.Augmentation"
            )
        built.append((c.name, augmentation))
    return built


def run_policy(components: Sequence[Component], data: DataInfo, options: dict[str, Any]) -> Policy:
    """The run's policy, once the data's kind is known to suit every augmentation."""
    for c in components:
        check_data_kind(c, data.name, data.kind)
    return Policy(build_augmentations(components, options))
