"""``--augment`` in the adversarial trainer: D sees every batch through one policy, G learns
through it, penalties see what D saw, and an adaptive augmentation's state survives resume."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import ganzoo
from ganzoo.api.augmentations import Augmentation, uniform
from ganzoo.api.losses import AdversarialLoss
from ganzoo.api.regularisers import Regulariser
from ganzoo.host.build import create_model, load_dataset
from ganzoo.training.adversarial import AdversarialTrainer
from ganzoo.training.augment import Policy
from tests.helpers import assert_same_weights


class Spy(Augmentation):
    """Adds ``offset`` to every image and notes each call: its input and whether G's
    gradient flows into it."""

    def __init__(self, name: str, offset: float, calls: list) -> None:
        super().__init__()
        self.name, self.offset, self.calls = name, offset, calls
        self.observed: list[torch.Tensor] = []

    def forward(self, x, generator=None):
        out = x + self.offset
        self.calls.append((self.name, x.detach().clone(), x.requires_grad, out.detach().clone()))
        return out

    def observe(self, real_logits):
        self.observed.append(real_logits)


class SpyD(nn.Module):
    """D as it runs: notes every input, then scores it with the model's D."""

    def __init__(self, d: nn.Module, seen: list) -> None:
        super().__init__()
        self.d, self.seen = d, seen

    def forward(self, x):
        self.seen.append(x.detach().clone())
        return self.d(x)


class SpyPenalty(Regulariser):
    def __init__(self) -> None:
        self.batches: list[tuple[torch.Tensor, torch.Tensor]] = []

    def penalty(self, discriminator, real, fake, step):
        self.batches.append((real.detach().clone(), fake.detach().clone()))
        return None


class SpyLoss(AdversarialLoss):
    """The non-saturating loss with a penalty that notes its batches (WGAN-GP's path)."""

    def __init__(self) -> None:
        self.batches: list[tuple[torch.Tensor, torch.Tensor]] = []

    def discriminator_loss(self, real_logits, fake_logits):
        return (
            nn.functional.softplus(-real_logits).mean() + nn.functional.softplus(fake_logits).mean()
        )

    def generator_loss(self, fake_logits, real_logits):
        return nn.functional.softplus(-fake_logits).mean()

    def penalty(self, discriminator, real, fake):
        self.batches.append((real.detach().clone(), fake.detach().clone()))
        return None


@pytest.fixture
def digits():
    return load_dataset("digits")


def test_d_sees_real_and_fake_through_the_same_policy_and_g_learns_through_it(digits):
    torch.manual_seed(0)
    model = create_model("vanilla", digits.info)
    calls, seen = [], []
    first, second = Spy("a", 10.0, calls), Spy("b", 100.0, calls)
    loss, reg = SpyLoss(), SpyPenalty()
    trainer = AdversarialTrainer(
        model, loss, lr=1e-3, betas=(0.5, 0.999), d_steps=2,
        networks=(model.generator, SpyD(model.discriminator, seen)),
        regularisers=(reg,), augment=Policy([("a", first), ("b", second)]),
    )  # fmt: skip
    epoch = digits.epoch(8, torch.Generator().manual_seed(0))
    batches = [next(epoch), next(epoch)]
    feed = iter(batches)
    trainer.step(lambda: next(feed))

    # one policy call per batch, every call through both augmentations in order:
    # D update 1 (real, fake), D update 2 (real, fake), G's update (fake)
    assert [name for name, *_ in calls] == ["a", "b"] * 5
    policy_in = [x for name, x, _, _ in calls if name == "a"]
    policy_out = [out for name, _, _, out in calls if name == "b"]
    grads = [g for name, _, g, _ in calls if name == "a"]
    assert torch.equal(policy_in[0], batches[0]) and torch.equal(policy_in[2], batches[1])
    assert grads == [False, False, False, False, True]  # G's gradient flows in its update only
    for i in (1, 3, 4):  # generated images: in G's range, not the real batch
        assert policy_in[i].abs().max() <= 1 and not torch.equal(policy_in[i], batches[0])
    # D sees exactly the policy's outputs, nothing else (no un-augmented batch); the real
    # logits of G's loss are D's scores of the last augmented real batch, not a new draw
    expected = [*policy_out, policy_out[2]]
    assert len(seen) == 6 and all(torch.equal(s, o) for s, o in zip(seen, expected, strict=True))
    # the loss's penalty (WGAN-GP's path) and --reg penalties get what D saw
    for spy in (loss, reg):
        assert len(spy.batches) == 2
        for k, (real, fake) in enumerate(spy.batches):
            assert torch.equal(real, policy_out[2 * k]) and torch.equal(fake, policy_out[2 * k + 1])
    # after each D update: D's logits on the augmented real batch, detached
    for spy in (first, second):
        assert [o.shape for o in spy.observed] == [torch.Size([8])] * 2
        assert not any(o.requires_grad for o in spy.observed)


def test_without_augment_d_sees_the_batches_as_they_are(digits):
    torch.manual_seed(0)
    model = create_model("vanilla", digits.info)
    seen: list = []
    trainer = AdversarialTrainer(
        model, SpyLoss(), lr=1e-3, betas=(0.5, 0.999),
        networks=(model.generator, SpyD(model.discriminator, seen)),
    )  # fmt: skip
    batch = next(iter(digits.epoch(8, torch.Generator().manual_seed(0))))
    trainer.step(lambda: batch)
    assert torch.equal(seen[0], batch)


class Adaptive(Augmentation):
    """A tiny ADA: flips each image left-right with probability ``p``, and moves ``p`` by
    ``step`` toward D's overfitting (the sign of its real logits) after every D update."""

    def __init__(self, step: float = 0.05) -> None:
        super().__init__()
        self.step = step
        self.register_buffer("p", torch.tensor(0.0))
        self.register_buffer("updates", torch.tensor(0))

    def forward(self, x, generator=None):
        flip = uniform(x, x.shape[0], 1, 1, 1, generator=generator) < self.p
        return torch.where(flip, x.flip(-1), x)

    def observe(self, real_logits):
        self.p.add_(self.step * torch.sign(real_logits).mean()).clamp_(0, 1)
        self.updates.add_(1)

    def stats(self):
        return {"p": self.p}


class AdaptivePlugin:
    @ganzoo.hookimpl
    def register_augmentations(self, register):
        register("test-adaptive", Adaptive, description="a tiny adaptive flip")


def test_an_adaptive_augmentations_state_is_checkpointed_and_resumed(tmp_path):
    """Straight to 6 steps, or 3 then resumed to 6: the same state, the same weights; the
    state it reports is logged with the training statistics."""
    from ganzoo.runs.rundir import RunDir
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import resume, train

    name = ganzoo.register_plugin(AdaptivePlugin(), name="adaptive-test")
    try:

        def config(out: str, steps: int) -> TrainConfig:
            return TrainConfig(steps=steps, batch_size=32, checkpoint_every=3, seed=3, d_steps=2,
                               augment=["color", "translation", "cutout", "test-adaptive"],
                               augment_options={"step": 0.2}, out=str(tmp_path / out))  # fmt: skip

        train(config("straight", 6))
        train(config("stopped", 3))
        first = RunDir.open(tmp_path / "stopped").load_checkpoint()["trainer"]["augment"]
        resume(tmp_path / "stopped", steps=6)
    finally:
        ganzoo.unregister_plugin(name)
    assert int(first["test-adaptive"]["updates"]) == 6  # 3 steps × 2 D updates
    a = RunDir.open(tmp_path / "straight").load_checkpoint()["trainer"]["augment"]
    b = RunDir.open(tmp_path / "stopped").load_checkpoint()["trainer"]["augment"]
    assert set(a) == {"color", "translation", "cutout", "test-adaptive"}
    assert int(a["test-adaptive"]["updates"]) == int(b["test-adaptive"]["updates"]) == 12
    assert 0 < float(a["test-adaptive"]["p"]) == float(b["test-adaptive"]["p"])
    assert_same_weights(tmp_path / "straight", tmp_path / "stopped")
    logged = [r for r in RunDir.open(tmp_path / "straight").read_metrics() if "event" not in r]
    assert logged and all(0 <= r["test-adaptive_p"] <= 1 for r in logged)  # ADA's p, logged


def test_policy_state_is_keyed_by_name_and_restored():
    a, b = Adaptive(), Adaptive()
    a.observe(torch.ones(4))
    saved = Policy([("ada", a), ("other", Spy("s", 0.0, []))]).state_dict()
    assert set(saved) == {"ada", "other"} and float(saved["ada"]["p"]) == pytest.approx(0.05)
    restored = Policy([("ada", b)])
    restored.load_state_dict(saved)
    assert float(b.p) == pytest.approx(0.05) and int(b.updates) == 1


# --- with --conditional (issue 24.5): augmented batches, each image with its own label --------


class SpyNet(nn.Module):
    """A network as it runs: notes each call's inputs (images, and labels if given)."""

    def __init__(self, net: nn.Module, seen: list) -> None:
        super().__init__()
        self.net, self.seen = net, seen

    def forward(self, x, *labels):
        self.seen.append((x.detach().clone(), *(y.clone() for y in labels)))
        return self.net(x, *labels)


@pytest.mark.parametrize("options", [{}, {"acgan": True}], ids=["projection", "acgan"])
def test_a_conditional_d_sees_augmented_batches_and_each_images_own_label(digits, options):
    """DiffAugment's translation, then a spy: D sees only the policy's outputs; G makes the
    fakes of the real batch's labels; D's loss (and ACGAN's class term) is that of each
    augmented image with its own label, as recomputed from what D saw."""
    from ganzoo_losses.gan import NonSaturatingLoss

    from ganzoo.training.augment import build_augmentations

    torch.manual_seed(0)
    model = create_model("dcgan", digits.info, options=options, conditional=True)
    before = copy.deepcopy(model)
    calls, g_seen, d_seen = [], [], []
    policy = Policy([*build_augmentations(["translation"], {}), ("spy", Spy("spy", 0.0, calls))])
    trainer = AdversarialTrainer(
        model, NonSaturatingLoss(), lr=2e-4, betas=(0.5, 0.999),
        networks=(SpyNet(model.generator, g_seen), SpyNet(model.discriminator, d_seen)),
        augment=policy,
    )  # fmt: skip
    x, y = next(digits.epoch_labelled(16, torch.Generator().manual_seed(0)))
    stats = trainer.step(lambda: (x, y))

    real_seen, fake_seen = calls[0][3], calls[1][3]  # the policy's outputs in D's update
    assert not torch.equal(calls[0][1], x)  # translated before D saw it
    assert [len(s) for s in g_seen] == [2, 2] and all(torch.equal(s[1], y) for s in g_seen)
    assert torch.equal(d_seen[0][0], real_seen) and torch.equal(d_seen[1][0], fake_seen)
    if not options:  # the projection D takes the labels: the batch's, in its order
        assert all(len(s) == 2 and torch.equal(s[1], y) for s in d_seen)
    else:  # ACGAN's D takes images only; its class head answers for them
        assert all(len(s) == 1 for s in d_seen)

    def d_loss(labels: torch.Tensor) -> torch.Tensor:
        """D's loss on what it saw, with these labels (by D's weights before the update)."""
        with torch.no_grad():
            real, real_classes = before.discriminate_all(real_seen, labels)
            fake, fake_classes = before.discriminate_all(fake_seen, labels)
        loss = F.softplus(-real).mean() + F.softplus(fake).mean()
        if real_classes is None:
            return loss
        aux = F.cross_entropy(real_classes, labels) + F.cross_entropy(fake_classes, labels)
        return loss + before.aux_weight * aux

    assert (stats["d_loss"] - d_loss(y)).abs() <= 1e-6
    assert (stats["d_loss"] - d_loss(y.roll(1))).abs() > 1e-4  # other labels: another loss
