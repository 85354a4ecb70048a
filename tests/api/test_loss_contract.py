"""How a loss is called follows from its signatures: relativistic losses as pure functions
(a real_logits parameter), one-argument losses called as before, and the conformance kit
catching state carried from discriminator_loss to generator_loss."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import ganzoo
from ganzoo.api.data import DataInfo
from ganzoo.api.hooks import CONTRACT_VERSION
from ganzoo.api.losses import AdversarialLoss, BoundLoss
from ganzoo.api.models import GAN
from ganzoo.host.build import create_loss
from ganzoo.testing import ConformanceError, check_loss
from ganzoo.training.adversarial import AdversarialTrainer

REAL = torch.tensor([1.5, -0.5, 2.0, 0.25])
FAKE = torch.tensor([-1.0, 0.5, 1.0, -2.0])


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def test_the_relativistic_losses_read_real_logits_from_their_signatures_alone():
    assert CONTRACT_VERSION == 2
    for name in ("rsgan", "ragan"):
        component = ganzoo.get_registry().get("loss", name)
        assert "contract" not in component.meta  # no marker: the signature decides
        assert "1807.00734" in component.record.paper
        assert not hasattr(create_loss(name), "contract")
        assert BoundLoss(create_loss(name)).wants_real
    assert not BoundLoss(create_loss("nonsat")).wants_real  # fake logits only, as before


# --- closed forms -----------------------------------------------------------------------


def test_rsgan_is_the_mean_of_softplus_of_paired_differences():
    loss = create_loss("rsgan")
    r, f = REAL.tolist(), FAKE.tolist()
    d = mean(softplus(fi - ri) for ri, fi in zip(r, f, strict=True))  # -log σ(C_r - C_f)
    g = mean(softplus(ri - fi) for ri, fi in zip(r, f, strict=True))  # -log σ(C_f - C_r)
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    assert loss.generator_loss(FAKE, REAL).item() == pytest.approx(g, rel=1e-6)
    # equal scores: neither sample is more real, both losses are log 2
    same = torch.zeros(4)
    assert loss.discriminator_loss(same, same).item() == pytest.approx(math.log(2))
    assert loss.generator_loss(same, same).item() == pytest.approx(math.log(2))


def test_ragan_compares_each_score_with_the_other_batch_mean():
    loss = create_loss("ragan")
    r, f = REAL.tolist(), FAKE.tolist()
    mr, mf = mean(r), mean(f)
    d = mean(softplus(-(ri - mf)) for ri in r) + mean(softplus(fi - mr) for fi in f)
    g = mean(softplus(-(fi - mr)) for fi in f) + mean(softplus(ri - mf) for ri in r)
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(d, rel=1e-6)
    assert loss.generator_loss(FAKE, REAL).item() == pytest.approx(g, rel=1e-6)
    # RaGAN does not pair samples: batches of different sizes are fine
    assert torch.isfinite(loss.discriminator_loss(REAL, FAKE[:3]))


def test_rsgan_refuses_unpaired_batches():
    with pytest.raises(ValueError, match="pairs real and fake"):
        create_loss("rsgan").discriminator_loss(REAL, FAKE[:3])


@pytest.mark.parametrize("name", ["rsgan", "ragan"])
def test_relativistic_gradients_push_fakes_up_and_reals_down_for_d(name):
    loss = create_loss(name)
    real = REAL.clone().requires_grad_(True)
    fake = FAKE.clone().requires_grad_(True)
    loss.discriminator_loss(real, fake).backward()
    assert (real.grad < 0).all() and (fake.grad > 0).all()  # D: raise real, lower fake
    real.grad = fake.grad = None
    loss.generator_loss(fake, real).backward()
    assert (fake.grad < 0).all()  # G: raise its samples' scores
    if name == "ragan":
        assert (real.grad > 0).all()  # ... and, relative to them, lower the real ones'


def test_rsgan_generator_gradient_is_the_closed_form():
    fake = FAKE.clone().requires_grad_(True)
    create_loss("rsgan").generator_loss(fake, REAL).backward()
    # d/df softplus(r - f) / n = -σ(r - f) / n
    expected = -torch.sigmoid(REAL - FAKE) / len(FAKE)
    assert torch.allclose(fake.grad, expected, atol=1e-7)


# --- how each contract is called ----------------------------------------------------------


class V1Only(AdversarialLoss):
    """A v1 loss whose generator_loss takes exactly one argument."""

    def discriminator_loss(self, real_logits, fake_logits):
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()

    def generator_loss(self, fake_logits):
        return F.softplus(-fake_logits).mean()


class SeesLabels(AdversarialLoss):
    def __init__(self):
        self.seen: list[tuple[str, object]] = []

    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        self.seen.append(("d", labels))
        return F.softplus(fake_logits - real_logits).mean()

    def generator_loss(self, fake_logits, real_logits, labels=None):
        self.seen.append(("g", real_logits.shape, labels))
        return F.softplus(real_logits - fake_logits).mean()


def test_bound_loss_calls_v1_as_before_and_v2_with_real_logits_and_labels():
    v1 = BoundLoss(V1Only())
    assert not v1.wants_real
    assert v1.g(FAKE, REAL, torch.zeros(4, dtype=torch.long)).item() == pytest.approx(
        F.softplus(-FAKE).mean().item()
    )
    spy = SeesLabels()
    v2 = BoundLoss(spy)
    labels = torch.arange(4)
    v2.d(REAL, FAKE, labels)
    v2.g(FAKE, REAL, labels)
    assert spy.seen[0] == ("d", labels) and spy.seen[1][2] is labels
    with pytest.raises(ValueError, match="needs D's logits on a real batch"):
        v2.g(FAKE)


def small_gan() -> GAN:
    info = DataInfo("t", (2,), "vector")
    g = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    d = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    return GAN(g, d, 2, info)


class KeepsRealLogits(SeesLabels):
    """:class:`SeesLabels` that also keeps the real logits the generator loss was handed."""

    def generator_loss(self, fake_logits, real_logits, labels=None):
        self.real_logits = real_logits.detach().clone()
        return super().generator_loss(fake_logits, real_logits, labels)


def test_the_trainer_hands_a_v2_loss_the_real_batch_logits_of_the_current_d():
    torch.manual_seed(0)
    model, spy = small_gan(), KeepsRealLogits()
    trainer = AdversarialTrainer(model, spy, lr=1e-3, betas=(0.5, 0.999))
    batch = torch.randn(16, 2)
    with torch.no_grad():
        before = model.discriminate(batch)  # D before this step's update
    trainer.step(lambda: batch)
    assert [s[0] for s in spy.seen] == ["d", "g"]
    assert spy.seen[1][1] == (16,)  # D's logits on the real batch, shape (n,)
    assert spy.seen[1][2] is None  # an unconditional run has no labels
    with torch.no_grad():
        current = model.discriminate(batch)  # D as updated by this step (G's update spares D)
    assert torch.allclose(spy.real_logits, current, rtol=0, atol=1e-6)
    assert not torch.allclose(spy.real_logits, before, rtol=0, atol=1e-4)  # not the stale D


def test_a_v1_loss_trains_bit_for_bit_as_its_v2_twin_without_real_logits():
    """A one-argument loss sees nothing new: same weights as a twin ignoring real_logits."""

    class Twin(V1Only):
        def generator_loss(self, fake_logits, real_logits):
            return F.softplus(-fake_logits).mean()

    weights = []
    for loss in (V1Only(), Twin()):
        torch.manual_seed(0)
        model = small_gan()
        trainer = AdversarialTrainer(model, loss, lr=1e-3, betas=(0.5, 0.999))
        data = torch.randn(64, 2, generator=torch.Generator().manual_seed(1))
        for i in range(3):
            trainer.step(lambda i=i, data=data: data[16 * i : 16 * (i + 1)])
        weights.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    assert torch.equal(weights[0], weights[1])


# --- the kit catches hidden state ---------------------------------------------------------


class StatefulRSGAN(AdversarialLoss):
    """RSGAN written against contract 1: D's real logits smuggled to G's loss through self."""

    def discriminator_loss(self, real_logits, fake_logits):
        self.real_logits = real_logits.detach()
        return F.softplus(fake_logits - real_logits).mean()

    def generator_loss(self, fake_logits):
        return F.softplus(self.real_logits - fake_logits).mean()


class StatefulWithDefault(StatefulRSGAN):
    """The same, with a default so a fresh call does not raise: only the values differ."""

    def __init__(self):
        self.real_logits = torch.zeros(())


class CountsCalls(V1Only):
    """D's loss changes with how often it was called."""

    def __init__(self):
        self.calls = 0

    def discriminator_loss(self, real_logits, fake_logits):
        self.calls += 1
        return super().discriminator_loss(real_logits, fake_logits) * (1 + 0.1 * self.calls)


class BadContract(V1Only):
    contract = 3


class Losses:
    @ganzoo.hookimpl
    def register_losses(self, register):
        register("stateful-rsgan", StatefulRSGAN, description="t")
        register("stateful-default", StatefulWithDefault, description="t")
        register("counts-calls", CountsCalls, description="t")
        register("bad-contract", BadContract, description="t")
        register("v1-only", V1Only, description="t")
        register("misdeclared", V1Only, description="t", contract=2)


@pytest.fixture
def losses():
    name = ganzoo.register_plugin(Losses(), name="test-losses")
    yield
    ganzoo.unregister_plugin(name)


def test_the_kit_fails_a_stateful_rsgan_written_against_v1(losses):
    with pytest.raises(ConformanceError) as info:
        check_loss("stateful-rsgan")
    text = str(info.value)
    assert text.startswith("loss 'stateful-rsgan'")
    assert "AttributeError" in text and "on a fresh loss" in text
    assert "contract" not in text  # nothing to declare any more: the signature decides
    assert "names a real_logits parameter" in text
    assert "generator_loss(self, fake_logits, real_logits)" in text


def test_the_kit_fails_state_that_only_changes_values(losses):
    with pytest.raises(ConformanceError, match="carries state from discriminator_loss"):
        check_loss("stateful-default")


def test_the_kit_fails_a_discriminator_loss_with_state(losses):
    with pytest.raises(ConformanceError, match="discriminator_loss on the same arguments"):
        check_loss("counts-calls")


def test_the_kit_passes_both_kinds_of_loss_and_says_how_it_called_them(losses):
    assert any(
        p.startswith("called as generator_loss(fake_logits):")
        for p in check_loss("v1-only", steps=2).passed
    )
    assert any(
        p.startswith("called as generator_loss(fake_logits, real_logits):")
        for p in check_loss("rsgan", steps=2).passed
    )


def test_an_old_contract_marker_is_accepted_ignored_and_deprecated(losses):
    with pytest.warns(DeprecationWarning, match="contract is deprecated and ignored"):
        loss = create_loss("bad-contract")  # contract = 3 on the class
    assert not BoundLoss(loss).wants_real  # called as its signature says
    with pytest.warns(DeprecationWarning, match=r"contract=N\) is deprecated and ignored"):
        ganzoo.get_registry(refresh=True)  # register(..., contract=2)
    assert "misdeclared" in ganzoo.list_losses()
    assert not BoundLoss(create_loss("misdeclared")).wants_real  # one argument: fake only
