"""The VAE's pixel likelihoods (ganzoo_vae.likelihoods): which are normalised, and the option."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from ganzoo_vae.likelihoods import BINS, discretised_logistic_log_prob, quantise
from ganzoo_vae.vae import build

from ganzoo.api.data import DataInfo

LEVELS = torch.arange(BINS) * 2 / (BINS - 1) - 1  # the 256 values of an 8-bit pixel in [-1, 1]
IMAGES = DataInfo("digits", (1, 8, 8), "image", 10)


@pytest.mark.parametrize(
    ("mean", "log_scale"),
    [(0.0, -2.0), (0.3, -5.0), (-1.4, 0.5), (0.999, -7.0), (2.0, 1.0), (-0.25, -9.0)],
)
def test_the_256_bin_probabilities_sum_to_one(mean, log_scale):
    log_p = discretised_logistic_log_prob(
        LEVELS, torch.full((BINS,), mean), torch.full((BINS,), log_scale)
    )
    assert log_p.exp().sum().item() == pytest.approx(1.0, abs=1e-5)
    assert (log_p <= 0).all()


def test_an_inner_bin_is_the_logistic_mass_between_its_edges():
    x, mean, scale = LEVELS[100], 0.1, 0.2
    half = 1 / (BINS - 1)
    expected = torch.sigmoid((x - mean + half) / scale) - torch.sigmoid((x - mean - half) / scale)
    log_p = discretised_logistic_log_prob(x, torch.tensor(mean), torch.tensor(scale).log())
    assert log_p.exp().item() == pytest.approx(expected.item(), rel=1e-5)
    # data off the 8-bit grid is scored as the bin it falls into
    off = discretised_logistic_log_prob(x + 0.3 * half, torch.tensor(mean), torch.tensor(-1.6))
    assert torch.equal(quantise(x + 0.3 * half), x)
    assert off.item() == discretised_logistic_log_prob(x, torch.tensor(mean), torch.tensor(-1.6))


def test_bernoulli_on_grey_levels_is_not_normalised():
    # exp(-BCE) over the 256 grey levels does not sum to 1: its nats are no NLL of grey pixels
    logits = torch.full((BINS,), 0.4)
    p = torch.exp(-F.binary_cross_entropy_with_logits(logits, (LEVELS + 1) / 2, reduction="none"))
    assert p.sum().item() > 100


def test_the_vae_likelihood_is_an_option():
    torch.manual_seed(0)
    x = torch.rand(4, *IMAGES.shape) * 2 - 1
    logistic = build(IMAGES, likelihood="logistic")
    decoded, _, _ = logistic(x)
    expected = -discretised_logistic_log_prob(x, decoded, logistic.log_scale).flatten(1).sum(1)
    assert torch.allclose(logistic.reconstruction_nll(x, decoded), expected)
    assert logistic.log_scale.requires_grad and "negative log-likelihood" in logistic.objective_note
    assert logistic.sample(3).shape == (3, *IMAGES.shape)

    default = build(IMAGES)
    assert default.likelihood == "bernoulli" and not default.log_scale.requires_grad
    assert "not a negative log-likelihood" in default.objective_note
    with pytest.raises(ValueError, match="one of auto, bernoulli, logistic for image data"):
        build(IMAGES, likelihood="poisson")
    with pytest.raises(ValueError, match="one of auto, gaussian for vector data"):
        build(DataInfo("ring", (2,), "vector"), likelihood="logistic")


def test_train_says_what_the_numbers_are(run_cli, tmp_path):
    result = run_cli("train", "--model", "vae", "-M", "likelihood=logistic", "--steps", "3",
                     "--out", tmp_path / "run")  # fmt: skip
    assert result.exit_code == 0, result.err
    assert "recon is a negative log-likelihood of the 8-bit pixels" in result.out + result.err
    bad = run_cli("train", "--model", "vae", "-M", "likelihood=poisson", "--out", tmp_path / "b")
    assert bad.exit_code != 0 and "bernoulli, logistic" in bad.err
    assert "Traceback" not in bad.err and not (tmp_path / "b").exists()
