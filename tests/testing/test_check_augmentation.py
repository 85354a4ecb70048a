"""``check_augmentation``: every registered augmentation passes, and each broken promise of an
augmentation fails, saying which."""

from __future__ import annotations

import pytest
import torch

import ganzoo
from ganzoo.api.augmentations import Augmentation, uniform
from ganzoo.host.plugins import get_registry
from ganzoo.testing import ConformanceError, check_augmentation


def test_every_registered_augmentation_passes():
    names = get_registry().names("augmentation")
    assert {"color", "translation", "cutout"} <= set(names)
    for name in names:
        report = check_augmentation(name, devices=["cpu"])
        assert len(report.passed) == 6, report


class OneDrawPerBatch(Augmentation):
    def forward(self, x, generator=None):
        return x + uniform(x, 1, generator=generator)


class IgnoresTheGenerator(Augmentation):
    def forward(self, x, generator=None):
        return x + torch.rand(x.shape[0], 1, 1, 1)


class BatchStatistics(Augmentation):
    def forward(self, x, generator=None):
        return x - x.mean() + uniform(x, x.shape[0], 1, 1, 1, generator=generator)


class Detached(Augmentation):
    def forward(self, x, generator=None):
        return x.detach() + uniform(x, x.shape[0], 1, 1, 1, generator=generator)


class WrongGradient(Augmentation):
    """The right values, twice the gradient."""

    def forward(self, x, generator=None):
        return 2 * x - x.detach()


class StateInAnAttribute(Augmentation):
    """Its probability moves in ``observe`` but is a float, not a buffer: lost on resume."""

    def __init__(self) -> None:
        super().__init__()
        self.p = 0.5

    def forward(self, x, generator=None):
        flip = uniform(x, x.shape[0], 1, 1, 1, generator=generator) < self.p
        return torch.where(flip, x.flip(-1), x)

    def observe(self, real_logits):
        self.p = 1.0


class VectorStats(Augmentation):
    def forward(self, x, generator=None):
        return x

    def stats(self):
        return {"p": torch.zeros(2)}


class Broken:
    @ganzoo.hookimpl
    def register_augmentations(self, register):
        for name, factory in BROKEN.items():
            register(name, factory[0], description="broken")


BROKEN = {
    "one-draw": (OneDrawPerBatch, "copies of one image came out alike"),
    "global-rng": (IgnoresTheGenerator, "equally seeded generators differ"),
    "batch-stats": (BatchStatistics, "depends on other images of the batch"),
    "detached": (Detached, "does not require grad"),
    "wrong-grad": (WrongGradient, "differs from finite differences"),
    "attribute-state": (StateInAnAttribute, "keep state in buffers"),
    "vector-stats": (VectorStats, r"stats\(\)\['p'\] has shape \(2,\), expected \(\)"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_augmentation_fails_saying_which_promise(name):
    ganzoo.register_plugin(Broken(), name="broken-augmentations")
    try:
        with pytest.raises(ConformanceError, match=BROKEN[name][1]) as info:
            check_augmentation(name, devices=["cpu"])
    finally:
        ganzoo.unregister_plugin("broken-augmentations")
    assert str(info.value).startswith(f"augmentation {name!r} (broken-augmentations")
