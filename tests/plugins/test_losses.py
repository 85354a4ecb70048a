"""The first-party losses against their closed forms: the seed's minimax and non-saturating
objectives (and its claim about gradients), then the zoo: WGAN-GP, hinge and LSGAN."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.api.errors import UsageError
from ganzoo.host.build import create_loss
from ganzoo.runs.loading import load_run_model
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import train

# --- the seed's losses: minimax and non-saturating ----------------------------------------


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


# --- the zoo: WGAN-GP, hinge, LSGAN ----------------------------------------------------


ZOO = ("wgan-gp", "hinge", "lsgan")
REAL = torch.tensor([-1.5, -0.2, 0.4, 1.0, 2.5])
FAKE = torch.tensor([-3.0, -1.0, 0.0, 0.9, 1.7])
ADVERSARIAL_MODELS = [
    c.name for c in ganzoo.get_registry().components("model") if c.family == "adversarial"
]


def mean(values) -> float:
    values = [float(v) for v in values]
    return sum(values) / len(values)


def test_the_zoo_is_registered_by_the_first_party_loss_plugin():
    for name in ZOO:
        component = ganzoo.get_registry().get("loss", name)
        assert component.family == "adversarial"
        assert component.provider.plugin == "losses"
        assert isinstance(component.target, str)  # an import path: `ganzoo list` stays light
        assert "arxiv.org" in component.record.paper


# --- WGAN-GP ---------------------------------------------------------------------------


def test_wasserstein_losses_are_the_critic_score_differences():
    loss = create_loss("wgan-gp", {})
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(mean(FAKE) - mean(REAL))
    assert loss.generator_loss(FAKE).item() == pytest.approx(-mean(FAKE))


class Linear(nn.Module):
    """f(x) = w·x + b: its gradient is w everywhere, so the penalty is λ(‖w‖ - 1)²."""

    def __init__(self, w: list[float]) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))
        self.b = nn.Parameter(torch.tensor(0.3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) * self.w).sum(dim=1, keepdim=True) + self.b


@pytest.mark.parametrize(("gp_weight", "expected"), [(10.0, 160.0), (2.5, 40.0)])
def test_gradient_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared(
    gp_weight, expected
):
    torch.manual_seed(0)
    real, fake = torch.randn(7, 2), torch.randn(7, 2)
    loss = create_loss("wgan-gp", {"gp_weight": gp_weight})
    penalty = loss.penalty(Linear([3.0, 4.0]), real, fake)
    assert penalty.item() == pytest.approx(expected, rel=1e-6)  # λ (5 - 1)²


def test_gradient_penalty_vanishes_for_a_unit_norm_critic():
    torch.manual_seed(0)
    real, fake = torch.randn(7, 2), torch.randn(7, 2)
    penalty = create_loss("wgan-gp", {}).penalty(Linear([0.6, 0.8]), real, fake)
    assert penalty.item() == pytest.approx(0.0, abs=1e-10)


def test_gradient_penalty_trains_the_critic_with_the_closed_form_gradient():
    critic = Linear([3.0, 4.0])
    real, fake = torch.randn(5, 2), torch.randn(5, 2)
    create_loss("wgan-gp", {}).penalty(critic, real, fake).backward()
    # d/dw λ(‖w‖ - 1)² = 2λ(‖w‖ - 1) w/‖w‖ = 2·10·4·(0.6, 0.8)
    assert critic.w.grad.tolist() == pytest.approx([48.0, 64.0], rel=1e-5)
    assert critic.b.grad is None  # the bias does not move the gradient


def test_gradient_penalty_at_the_data_for_a_quadratic_critic():
    """f(x) = ½‖x‖², ∇f = x; with real = fake every x̂ is the sample itself."""
    x = torch.tensor([[3.0, 4.0], [0.0, 0.5], [1.0, 0.0]])
    quadratic = _Quadratic()
    penalty = create_loss("wgan-gp", {"gp_weight": 1.0}).penalty(quadratic, x, x.clone())
    assert penalty.item() == pytest.approx(mean([(5 - 1) ** 2, (0.5 - 1) ** 2, 0.0]), rel=1e-6)


class _Quadratic(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.scale * x.flatten(1).pow(2).sum(dim=1)


def test_gradient_penalty_interpolates_per_sample_for_images():
    """For image batches ε has shape (n, 1, 1, 1): each x̂ lies between its own real and fake.

    The critic is nonlinear (f(x) = ½‖x‖², ∇f(x̂) = x̂), so the penalty depends on where x̂
    is: ε per pixel, or no interpolation at all, gives another number than this by-hand
    one drawn from the same random numbers.
    """
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(4, 1, 4, 4, generator=gen) + 2.0
    fake = torch.randn(4, 1, 4, 4, generator=gen) - 2.0
    torch.manual_seed(7)
    eps = torch.rand(4, 1, 1, 1)  # what the loss draws: one ε per sample
    between = eps * real + (1 - eps) * fake
    expected = 10.0 * (between.flatten(1).norm(dim=1) - 1).pow(2).mean()
    torch.manual_seed(7)
    got = create_loss("wgan-gp", {}).penalty(_Quadratic(), real, fake)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)
    for wrong in (real, fake, 0.5 * (real + fake)):  # x̂ = real, x̂ = fake, or the midpoint
        assert abs(got.item() - 10.0 * (wrong.flatten(1).norm(dim=1) - 1).pow(2).mean()) > 1


def test_gradient_penalty_is_off_at_zero_weight_and_refuses_a_negative_one():
    assert create_loss("wgan-gp", {"gp_weight": 0}).penalty(Linear([3.0, 4.0]), REAL, FAKE) is None
    with pytest.raises(UsageError, match=r"gp_weight \(λ\) must be >= 0, got -1"):
        create_loss("wgan-gp", {"gp_weight": -1})


# --- hinge ------------------------------------------------------------------------------


def test_hinge_losses_match_their_formulas():
    loss = create_loss("hinge", {})
    expected_d = mean(max(0, 1 - r) for r in REAL) + mean(max(0, 1 + f) for f in FAKE)
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(expected_d)
    assert loss.generator_loss(FAKE).item() == pytest.approx(-mean(FAKE))


def test_hinge_discriminator_is_satisfied_past_the_margin():
    loss = create_loss("hinge", {})
    real = torch.tensor([1.0, 2.0, 7.0], requires_grad=True)
    fake = torch.tensor([-1.0, -3.0, -9.0], requires_grad=True)
    value = loss.discriminator_loss(real, fake)
    value.backward()
    assert value.item() == 0.0
    assert real.grad.abs().sum() == 0 and fake.grad.abs().sum() == 0


# --- LSGAN ------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "c"), [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)])
def test_least_squares_losses_match_their_formulas(a, b, c):
    options = {} if (a, b, c) == (0.0, 1.0, 1.0) else {"a": a, "b": b, "c": c}
    loss = create_loss("lsgan", options)
    expected_d = 0.5 * mean((r - b) ** 2 for r in REAL) + 0.5 * mean((f - a) ** 2 for f in FAKE)
    expected_g = 0.5 * mean((f - c) ** 2 for f in FAKE)
    assert loss.discriminator_loss(REAL, FAKE).item() == pytest.approx(expected_d)
    assert loss.generator_loss(FAKE).item() == pytest.approx(expected_g)


def test_least_squares_generator_keeps_its_gradient_where_minimax_saturates():
    """Mao et al.'s argument: at a logit of -8 (D sure the sample is fake) -log(1 - D) is flat."""

    def grad(name: str) -> float:
        x = torch.tensor([-8.0], requires_grad=True)
        create_loss(name, {}).generator_loss(x).backward()
        return x.grad.item()

    assert grad("lsgan") == pytest.approx(-9.0)  # d/dl ½(l - 1)² = l - 1
    assert abs(grad("minimax")) < 1e-3


def test_least_squares_labels_are_validated():
    with pytest.raises(UsageError, match="the real label b must exceed the fake label a"):
        create_loss("lsgan", {"a": 1.0, "b": 0.0})
    with pytest.raises(UsageError, match="G's target c must exceed the fake label a"):
        create_loss("lsgan", {"a": 0.0, "c": 0.0})


# --- every zoo loss trains every adversarial model ----------------------------------------


def test_adversarial_models_include_the_first_party_ones():
    assert {"vanilla", "dcgan"} <= set(ADVERSARIAL_MODELS)


@pytest.mark.parametrize("model", ADVERSARIAL_MODELS)
@pytest.mark.parametrize("loss", ZOO)
def test_each_zoo_loss_trains_each_adversarial_model_on_digits(tmp_path, model, loss):
    config = TrainConfig(
        model=model, loss=loss, steps=3, batch_size=32, d_steps=2, out=str(tmp_path / "run")
    )
    result = train(config)
    assert result.steps == 3
    # a model's own objective (InfoGAN's MI terms) is logged as d_<term> and g_<term>
    terms = getattr(load_run_model(result.run_dir), "auxiliary_terms", ())
    assert set(result.final) == {
        "d_loss", "g_loss", "d_real", "d_fake", "d_acc", "d_grad_norm", "g_grad_norm", "g_spread",
        *(f"{p}_{t}" for p in "dg" for t in terms),
    }  # fmt: skip
    assert all(math.isfinite(v) for v in result.final.values())


def test_loss_options_reach_the_zoo_from_the_cli(run_cli, tmp_path):
    ok = run_cli(
        "train", "--loss", "wgan-gp", "-L", "gp_weight=5", "--d-steps", "2", "--steps", "2",
        "--batch-size", "32", "--out", tmp_path / "ok", "-q",
    )  # fmt: skip
    assert ok.exit_code == 0, ok.err
    bad = run_cli("train", "--loss", "lsgan", "-L", "d=3", "--out", tmp_path / "bad")
    assert bad.exit_code == 2
    assert "loss 'lsgan' has no option 'd'; valid options: a, b, c" in bad.err
