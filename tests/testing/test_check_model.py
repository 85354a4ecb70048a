"""``check_model`` says which checks it skipped and why: a model not registered conditional,
or data without labels, leaves the conditional build untried, in the report."""

from __future__ import annotations

import pytest
from torch import nn

import ganzoo
from ganzoo.api.models import GAN
from ganzoo.testing import check_model


def small_gan(info, latent_dim=None):
    latent = latent_dim or 2
    g = nn.Sequential(nn.Linear(latent, 8), nn.ReLU(), nn.Linear(8, info.dim))
    d = nn.Sequential(nn.Linear(info.dim, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
    return GAN(g, d, latent, info)


class Unconditional:
    @ganzoo.hookimpl
    def register_models(self, register):
        register("plain-gan", small_gan, description="t")


@pytest.fixture
def plain():
    ganzoo.register_plugin(Unconditional(), name="plain")


def test_an_unconditional_model_reports_its_conditional_checks_skipped(plain):
    report = check_model("plain-gan", "ring2d", steps=1, devices=["cpu"])  # labelled data
    assert report.skipped == [
        "conditional checks: the model is not registered conditional=True, so ganzoo train "
        "--conditional refuses it"
    ]
    assert not any(p.startswith("conditional:") for p in report.passed)
    assert "skip  conditional checks" in str(report)


def test_a_conditional_model_on_unlabelled_data_says_the_data_has_no_labels():
    report = check_model("vanilla", "gaussian1d", steps=1, devices=["cpu"])
    assert report.skipped == ["conditional checks: dataset 'gaussian1d' has no labels"]


def test_a_conditional_model_on_labelled_data_checks_both_builds():
    report = check_model("vanilla", "ring2d", steps=1, devices=["cpu"])
    assert report.skipped == []
    assert any(p.startswith("conditional: ") for p in report.passed)
