"""What a loss method receives follows from its signature alone; a signature ganzoo cannot
call is refused at build in one line, not by a traceback from the training loop."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import ganzoo
from ganzoo.api.losses import AdversarialLoss, BoundLoss

REAL = torch.tensor([1.0, 2.0])
FAKE = torch.tensor([-1.0, 0.5])
LABELS = torch.tensor([0, 1])


class Spy(AdversarialLoss):
    """Records what each method received."""

    def __init__(self):
        self.got: dict[str, dict[str, object]] = {}

    def discriminator_loss(self, real_logits, fake_logits):
        self.got["d"] = {"real": real_logits, "fake": fake_logits}
        return (fake_logits - real_logits).mean()


class FakeOnly(Spy):
    def generator_loss(self, fake_logits):
        self.got["g"] = {"fake": fake_logits}
        return -fake_logits.mean()


class NamedReal(Spy):
    def generator_loss(self, fake_logits, real_logits):
        self.got["g"] = {"fake": fake_logits, "real": real_logits}
        return (real_logits - fake_logits).mean()


class SecondPositional(Spy):
    def generator_loss(self, fake, reference):  # any name: the second positional gets it
        self.got["g"] = {"fake": fake, "real": reference}
        return (reference - fake).mean()


class KeywordOnlyReal(Spy):
    def generator_loss(self, fake_logits, *, real_logits):
        self.got["g"] = {"fake": fake_logits, "real": real_logits}
        return (real_logits - fake_logits).mean()


class LabelsOnly(Spy):
    def discriminator_loss(self, real_logits, fake_logits, labels=None):
        self.got["d"] = {"labels": labels}
        return (fake_logits - real_logits).mean()

    def generator_loss(self, fake_logits, labels=None):
        self.got["g"] = {"fake": fake_logits, "labels": labels}
        return -fake_logits.mean()


class RealAndLabels(Spy):
    def generator_loss(self, fake_logits, real_logits, labels):
        self.got["g"] = {"fake": fake_logits, "real": real_logits, "labels": labels}
        return (real_logits - fake_logits).mean()


class OptionalSecond(Spy):
    def generator_loss(self, fake_logits, scale=1.0):  # a default: a setting, not real logits
        self.got["g"] = {"fake": fake_logits, "scale": scale}
        return -scale * fake_logits.mean()


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (FakeOnly, {"fake"}),
        (NamedReal, {"fake", "real"}),
        (SecondPositional, {"fake", "real"}),
        (KeywordOnlyReal, {"fake", "real"}),
        (LabelsOnly, {"fake", "labels"}),
        (RealAndLabels, {"fake", "real", "labels"}),
        (OptionalSecond, {"fake", "scale"}),
    ],
)
def test_generator_loss_receives_what_its_signature_names(cls, expected):
    loss = cls()
    BoundLoss(loss).g(FAKE, REAL, LABELS)
    got = loss.got["g"]
    assert set(got) == expected
    assert got["fake"] is FAKE
    if "real" in got:
        assert got["real"] is REAL
    if "labels" in got:
        assert got["labels"] is LABELS
    if "scale" in got:
        assert got["scale"] == 1.0  # never handed the real logits


def test_discriminator_loss_gets_labels_only_when_it_names_them():
    plain, labelled = FakeOnly(), LabelsOnly()
    BoundLoss(plain).d(REAL, FAKE, LABELS)
    BoundLoss(labelled).d(REAL, FAKE, LABELS)
    assert plain.got["d"]["real"] is REAL and plain.got["d"]["fake"] is FAKE
    assert labelled.got["d"] == {"labels": LABELS}


def test_the_call_is_described_as_ganzoo_makes_it():
    assert BoundLoss(FakeOnly()).describe() == "generator_loss(fake_logits)"
    assert BoundLoss(RealAndLabels()).describe() == (
        "generator_loss(fake_logits, real_logits, labels=...)"
    )


class ThreeRequired(AdversarialLoss):
    def discriminator_loss(self, real_logits, fake_logits):
        return F.softplus(fake_logits - real_logits).mean()

    def generator_loss(self, fake_logits, real_logits, temperature):
        return F.softplus(real_logits - fake_logits).mean() / temperature


class OneArgD(AdversarialLoss):
    def discriminator_loss(self, logits):
        return logits.mean()

    def generator_loss(self, fake_logits):
        return -fake_logits.mean()


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (ThreeRequired, "generator_loss(fake_logits, real_logits) (missing a required argument"),
        (OneArgD, "discriminator_loss(real_logits, fake_logits) (too many positional"),
    ],
)
def test_a_signature_ganzoo_cannot_call_is_a_type_error_naming_the_call(cls, message):
    with pytest.raises(TypeError) as info:
        BoundLoss(cls())
    assert "cannot be called as ganzoo calls it, " + message in str(info.value)


class Uncallable:
    @ganzoo.hookimpl
    def register_losses(self, register):
        register("three-required", ThreeRequired, description="t")


def test_an_uncallable_loss_stops_train_at_build_in_one_line(run_cli, tmp_path):
    ganzoo.register_plugin(Uncallable(), name="uncallable")
    out = tmp_path / "run"
    result = run_cli(
        "train", "--model", "vanilla", "--dataset", "gaussian1d", "--loss", "three-required",
        "--steps", "2", "--out", out, "-q",
    )  # fmt: skip
    assert result.exit_code != 0
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("Error: loss 'three-required'")
    assert "generator_loss(fake_logits, real_logits, temperature) cannot be called" in lines[0]
    assert "Traceback" not in result.err and "adversarial.py" not in result.err
    assert not out.exists()  # refused before the run folder was made: nothing blocks a rerun
