"""InfoGAN (``ganzoo_gans.infogan``): the latent's layout, Q's head on D's body, the MI terms
in closed form and in the trainer, and a digits run whose categorical code names the digit.

The code grids of ``ganzoo sample --code`` are in tests/tools/test_sample_codes.py; the
best matching of code values to classes in tests/metrics/test_code_agreement.py.
"""

from __future__ import annotations

import math
import re

import pytest
import torch
import torch.nn.functional as F

from ganzoo.api.codes import CodedModel
from ganzoo.api.data import DataInfo
from ganzoo.api.errors import UsageError
from ganzoo.api.losses import AdversarialLoss
from ganzoo.host.build import create_model
from ganzoo.runs.loading import load_run_model
from ganzoo.training.adversarial import AdversarialTrainer
from tests.helpers import cli_ok

DIGITS = DataInfo("digits", (1, 8, 8), "image", 10)
MNIST32 = DataInfo("mnist", (1, 32, 32), "image", 10)


def infogan(info: DataInfo = DIGITS, **options) -> torch.nn.Module:
    torch.manual_seed(0)
    return create_model("infogan", info, None, options)


# --- the latent and the networks ----------------------------------------------------------


@pytest.mark.parametrize("info", [DIGITS, MNIST32])
def test_the_papers_mnist_latent_and_the_shapes_of_g_d_and_q(info):
    model = infogan(info)
    assert isinstance(model, CodedModel)
    assert model.latent_dim == 74 and model.noise_dim == 62  # 62 noise + 10 one-hot + 2
    assert [(c.name, c.kind, c.start, c.size) for c in model.latent_codes] == [
        ("c1", "categorical", 62, 10),
        ("c2", "continuous", 72, 1),
        ("c3", "continuous", 73, 1),
    ]
    z = model.sample_latent(500, torch.Generator().manual_seed(1))
    one_hot = z[:, 62:72]
    assert torch.equal(one_hot.sum(1), torch.ones(500)) and set(one_hot.unique().tolist()) == {0, 1}
    assert len(one_hot.argmax(1).unique()) == 10  # every value drawn
    cont = z[:, 72:]
    assert cont.min() >= -1 and cont.max() <= 1 and cont.std() > 0.5  # U(-1, 1): std 0.577
    assert abs(z[:, :62].mean()) < 0.05 and abs(z[:, :62].std() - 1) < 0.05  # N(0, I) noise
    x = model.generate(z[:8])
    assert x.shape == (8, *info.shape) and x.abs().max() <= 1
    logits, q = model.discriminate_all(x)
    assert logits.shape == (8,) and q.shape == (8, 10 + 2 * 2)
    assert model.discriminate(x).shape == (8,)
    assert model.auxiliary_terms == ("info_cat", "info_cont")


def test_q_shares_ds_body_and_has_the_papers_head():
    model = infogan()
    d = model.discriminator
    assert {name.split(".")[0] for name, _ in d.named_parameters()} == {"body", "d_head", "q_head"}
    hidden = [m for m in d.q_head if isinstance(m, torch.nn.BatchNorm2d)]
    assert hidden and hidden[0].num_features == 128  # FC 128 - BN - LeakyReLU - FC


def test_options_change_the_codes_and_latent_dim_is_the_whole_of_z():
    model = create_model("infogan", DIGITS, 30, {"categorical": 4, "continuous": 1})
    assert model.latent_dim == 30 and model.noise_dim == 25
    assert [c.describe() for c in model.latent_codes] == [
        "c1 (categorical, 0..3)",
        "c2 (continuous, prior -1..1)",
    ]
    only_continuous = create_model("infogan", DIGITS, None, {"categorical": 0, "continuous": 3})
    assert [c.name for c in only_continuous.latent_codes] == ["c1", "c2", "c3"]
    assert only_continuous.auxiliary_terms == ("info_cont",)


@pytest.mark.parametrize(
    ("options", "latent_dim", "message"),
    [
        ({"categorical": 1}, None, "categorical must be 0 (no code) or an integer >= 2, got 1"),
        ({"continuous": -1}, None, "continuous must be an integer >= 0, got -1"),
        ({"categorical": 0, "continuous": 0}, None, "InfoGAN needs a code"),
        ({"info_weight": -1.0}, None, "info_weight must be a finite number >= 0"),
        ({"continuous_weight": float("nan")}, None, "continuous_weight must be a finite"),
        ({}, 12, "latent_dim 12 leaves no noise beside the codes' 12 entries"),
    ],
)
def test_bad_options_are_refused_in_one_line(options, latent_dim, message):
    with pytest.raises(UsageError, match=re.escape(message)) as caught:
        create_model("infogan", DIGITS, latent_dim, options)
    assert "\n" not in str(caught.value)


# --- the mutual-information terms -----------------------------------------------------------


def test_the_mi_terms_are_the_cross_entropy_and_the_gaussian_nll_weighted():
    model = infogan(info_weight=2.0, continuous_weight=0.5)
    z = model.sample_latent(6, torch.Generator().manual_seed(2))
    q = torch.randn(6, 14, generator=torch.Generator().manual_seed(3))
    terms = model.auxiliary_loss(z, q)
    expected_cat = F.cross_entropy(q[:, :10], z[:, 62:72].argmax(1))
    c, mean, log_std = z[:, 72:], q[:, 10:12], q[:, 12:14]
    density = torch.distributions.Normal(mean, log_std.exp()).log_prob(c)
    assert terms["info_cat"].item() == pytest.approx(2.0 * expected_cat.item(), rel=1e-5)
    assert terms["info_cont"].item() == pytest.approx(-0.5 * density.sum(1).mean().item(), 1e-5)


def test_a_q_that_reads_the_codes_exactly_scores_a_low_nll():
    model = infogan()
    z = model.sample_latent(16, torch.Generator().manual_seed(4))
    exact = torch.cat([20 * z[:, 62:72], z[:, 72:], torch.full((16, 2), -3.0)], dim=1)
    wrong = torch.cat([20 * z[:, 62:72].roll(1, 1), -z[:, 72:], torch.full((16, 2), -3.0)], 1)
    good, bad = model.auxiliary_loss(z, exact), model.auxiliary_loss(z, wrong)
    assert good["info_cat"] < 1e-6 < 10 < bad["info_cat"]
    # means exact, σ = e⁻³: λ·Σ_codes (log σ + ½ log 2π) = 0.1 · 2 · (-3 + 0.919)
    assert good["info_cont"].item() == pytest.approx(0.2 * (-3 + 0.5 * math.log(2 * math.pi)))
    assert bad["info_cont"] > 1


def test_the_mi_term_sends_gradients_to_g_and_to_q_through_ds_body_not_to_ds_logit():
    model = infogan()
    z = model.sample_latent(8, torch.Generator().manual_seed(5))
    _, q = model.discriminate_all(model.generate(z))
    sum(model.auxiliary_loss(z, q).values()).backward()
    d = model.discriminator
    for name, part in [("G", model.generator), ("Q head", d.q_head), ("D's body", d.body)]:
        grads = [p.grad for p in part.parameters() if p.grad is not None]
        assert grads and sum(g.abs().sum() for g in grads) > 0, f"no gradient reaches {name}"
    assert all(p.grad is None or not p.grad.any() for p in d.d_head.parameters())


class NoAdversary(AdversarialLoss):
    """A loss of zero: whatever G and D learn in a step, they learn from the MI term."""

    def discriminator_loss(self, real_logits, fake_logits):
        return 0.0 * (real_logits.sum() + fake_logits.sum())

    def generator_loss(self, fake_logits):
        return 0.0 * fake_logits.sum()


def test_the_trainer_adds_the_mi_term_to_both_players_and_logs_each_term():
    model = infogan()
    trainer = AdversarialTrainer(model, NoAdversary(), lr=1e-2, betas=(0.5, 0.999))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    real = torch.rand(16, 1, 8, 8) * 2 - 1
    stats = trainer.step(lambda: real)
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert any(k.startswith("generator.") and k.endswith("weight") for k in changed), "G"
    assert any(k.startswith("discriminator.q_head.") for k in changed), "Q"
    assert any(k.startswith("discriminator.body.") for k in changed), "D's body"
    assert not any(k.startswith("discriminator.d_head.") for k in changed)  # no adversary
    for key in ("d_info_cat", "d_info_cont", "g_info_cat", "g_info_cont"):
        assert key in stats and torch.isfinite(stats[key])
    assert {"d_info_cat", "g_info_cont"} <= set(trainer.stats)


# --- digits: the categorical code comes to name the digit -----------------------------------

STEPS = 1500  # ~20 s on one core; agreement ~0.37 (seed 0; 0.35 at one lr for G and D)
PER_VALUE = 100  # samples per code value: 1,000 in all
#: Chance is 1/10. With 1,000 samples and codes that carry nothing, the best of the 10!
#: matchings still finds about 0.12-0.13 (the shuffled and untrained baselines below, both
#: measured here); twice chance, 0.20, is far above them and well below what the run reaches.
THRESHOLD = 0.20


@pytest.mark.slow
def test_after_a_short_digits_run_the_categorical_code_names_the_digit(tmp_path, shared_cache):
    from ganzoo.metrics.codes import CodeAgreement, best_matching

    run = tmp_path / "run"
    args = ["--model", "infogan", "--dataset", "digits", "--ema", "0", "--seed", "0", "-q"]
    cli_ok("train", *args, "--steps", STEPS, "--out", run)
    agreement = CodeAgreement("digits")
    trained = agreement(load_run_model(run), PER_VALUE)
    untrained = agreement(infogan(), PER_VALUE)
    m = trained["matching"]
    codes = torch.arange(10).repeat_interleave(PER_VALUE)
    classes = torch.tensor(
        [k for v in range(10) for k in range(10) for _ in range(m.confusion[v, k])]
    )
    shuffled = best_matching(
        codes,
        classes[torch.randperm(len(classes), generator=torch.Generator().manual_seed(0))],
        10,
        10,
    ).accuracy
    assert untrained["code_accuracy"] < 0.15 and shuffled < 0.15
    assert trained["code_accuracy"] >= THRESHOLD, (trained["code_accuracy"], m.confusion)
    assert len(set(trained["code_mapping"].values())) == 10  # one-to-one
