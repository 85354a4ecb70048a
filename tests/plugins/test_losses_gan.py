"""The GAN objectives against their closed forms, and the seed's claim about gradients."""

from __future__ import annotations

import math

import pytest
import torch

from ganzoo.host.build import create_loss

LOGITS = torch.tensor([-6.0, -2.0, -0.5, 0.0, 0.7, 3.0])


def d(logit: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-logit.double()))


@pytest.mark.parametrize("name", ["minimax", "nonsat"])
def test_discriminator_loss_is_negated_value_function(name):
    loss = create_loss(name, {})
    real, fake = LOGITS, LOGITS.flip(0)
    expected = -(torch.log(d(real)).mean() + torch.log(1 - d(fake)).mean())
    got = loss.discriminator_loss(real, fake)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_minimax_generator_loss_is_log_one_minus_d():
    got = create_loss("minimax", {}).generator_loss(LOGITS)
    assert got.item() == pytest.approx(torch.log(1 - d(LOGITS)).mean().item(), rel=1e-5)


def test_nonsat_generator_loss_is_minus_log_d():
    got = create_loss("nonsat", {}).generator_loss(LOGITS)
    assert got.item() == pytest.approx((-torch.log(d(LOGITS))).mean().item(), rel=1e-5)


def test_losses_are_stable_for_extreme_logits():
    extreme = torch.tensor([-200.0, 200.0])
    for name in ("minimax", "nonsat"):
        loss = create_loss(name, {})
        assert torch.isfinite(loss.generator_loss(extreme))
        assert torch.isfinite(loss.discriminator_loss(extreme, extreme))
    # -log D at logit -200 is 200, exactly, not inf
    assert create_loss("nonsat", {}).generator_loss(torch.tensor([-200.0])).item() == 200.0


def _generator_grad(name: str, logit: float) -> float:
    x = torch.tensor([logit], requires_grad=True)
    create_loss(name, {}).generator_loss(x).backward()
    return x.grad.item()


def test_minimax_gradient_vanishes_where_discriminator_wins():
    """The seed: with D(G(z)) near 0, log(1 - D(G(z))) is flat; -log D(G(z)) is steep."""
    logit = -8.0  # D(G(z)) = 3.4e-4: D easily rejects the fakes, as early in training
    minimax, nonsat = _generator_grad("minimax", logit), _generator_grad("nonsat", logit)
    assert abs(minimax) < 1e-3  # d/dl log(1 - sigmoid(l)) = -sigmoid(l) -> 0
    assert abs(nonsat) > 0.99  # d/dl -log sigmoid(l) = -(1 - sigmoid(l)) -> -1
    assert minimax == pytest.approx(-1 / (1 + math.exp(8)), rel=1e-4)
    # both push the fake's logit up (towards "real"): negative gradient for descent
    assert minimax < 0 and nonsat < 0


def test_both_generator_losses_agree_in_direction_near_equilibrium():
    for logit in (-1.0, 0.0, 1.0):
        assert _generator_grad("minimax", logit) < 0
        assert _generator_grad("nonsat", logit) < 0
