"""Health monitors in training (issue 17): the mode-collapse alert, D's accuracy, gradient
norms, each against a case whose answer is known."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.host.build import load_dataset


def _train_images() -> torch.Tensor:
    return load_dataset("digits", None, split="train").samples


class ConstantGenerator(nn.Module):
    """A generator that has collapsed completely: one learnable image, whatever z is."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.image = nn.Parameter(torch.zeros(shape))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.image).expand(len(z), *self.image.shape)


def constant_gan(info, latent_dim=None):
    from ganzoo.host.build import create_model

    model = create_model("vanilla", info, latent_dim)
    model.generator = ConstantGenerator(tuple(info.shape))
    return model


class ConstantPlugin:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("constant", constant_gan, family="adversarial", description="test")


def test_a_collapsed_generator_raises_the_alert_in_training_and_a_healthy_one_does_not(
    tmp_path,
):
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.health import ALERT_AFTER_STEPS
    from ganzoo.training.loop import train

    ganzoo.register_plugin(ConstantPlugin(), name="constant-test")
    try:
        steps = ALERT_AFTER_STEPS + 20
        train(TrainConfig(model="constant", steps=steps, log_every=10, out=str(tmp_path / "c")))
    finally:
        ganzoo.unregister_plugin("constant-test")
    records = [json.loads(line) for line in (tmp_path / "c" / "metrics.jsonl").open()]
    logs = [r for r in records if "event" not in r]
    events = [r for r in records if r.get("event") == "mode_collapse"]
    assert all(r["g_spread"] == 0 for r in logs)
    assert {"d_acc", "d_grad_norm", "g_grad_norm"} <= set(logs[0])
    # once, at the first log line past the warm-up
    assert len(events) == 1 and events[0]["step"] == ALERT_AFTER_STEPS
    assert "mode collapse" in events[0]["alert"]

    # A generator that reproduces real data: its batches are as varied as the data's.
    from ganzoo.training.health import SPREAD_ALERT, adversarial_stats, collapse_alert

    images = _train_images()
    stats = adversarial_stats(
        torch.randn(64),
        torch.randn(64),
        torch.ones(()),
        torch.ones(()),
        images[:64],
        images[64:128],
    )
    assert 0.8 < stats["g_spread"].item() < 1.25
    assert collapse_alert({k: v.item() for k, v in stats.items()}) is None
    assert collapse_alert({"g_spread": SPREAD_ALERT / 2}) is not None


def test_discriminator_accuracy_and_gradient_norms_are_what_they_say():
    from ganzoo.training.health import adversarial_stats, grad_norm
    from ganzoo.training.precision import Precision

    stats = adversarial_stats(
        torch.tensor([1.0, 2.0, -1.0, 3.0]),  # 3 of 4 real logits > 0
        torch.tensor([-1.0, 1.0, 1.0, 1.0]),  # 1 of 4 fake logits < 0
        torch.ones(()), torch.ones(()), torch.zeros(4, 3), torch.zeros(4, 3),
    )  # fmt: skip
    assert stats["d_acc"].item() == pytest.approx(0.5 * (0.75 + 0.25))
    layer = nn.Linear(3, 2)
    layer.weight.grad = torch.full((2, 3), 2.0)
    layer.bias.grad = torch.full((2,), 2.0)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    norm = grad_norm(layer.parameters(), Precision("none", torch.device("cpu")), opt)
    assert norm.item() == pytest.approx(2.0 * 8**0.5)
