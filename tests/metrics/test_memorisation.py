"""Memorisation: samples' nearest training image against held-out images' (Meehan et al. 2020).

A "generator" that returns its training images verbatim must score as memorising; one that
returns new real images (test images, or training images the run never saw) must not; nor
must noise. Through the evaluator, "the training images" are exactly the run's subset.
"""

from __future__ import annotations

import json

import pytest
import torch

from ganzoo.host.build import load_dataset
from ganzoo.host.subset import SubsetRequest, subset_index
from ganzoo.metrics.memorisation import (
    MemorisationReference,
    mann_whitney_z,
    memorisation,
    pixels,
)
from tests.helpers import ImageSampler, cli_ok

pytestmark = pytest.mark.usefixtures("shared_cache")  # the digits classifier is trained once


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """The digits' train and test images, in [-1, 1]."""
    return load_dataset("digits").samples, load_dataset("digits", split="test").samples


def test_verbatim_training_images_score_as_memorising(digits):
    train, test = pixels(digits[0][:400]), pixels(digits[1][:200])
    copies = pixels(digits[0][torch.randperm(400, generator=torch.Generator().manual_seed(0))])
    m = memorisation(copies[:200], train, test)
    assert m["sample_median"] == pytest.approx(0.0, abs=1e-2)
    assert m["ratio"] < 0.01
    assert m["closer_fraction"] == 1.0
    assert m["z_u"] < -10


def test_new_real_images_and_noise_do_not(digits):
    train, test = pixels(digits[0][:400]), pixels(digits[1][:170])
    new = pixels(digits[1][170:340])  # other test images: as new as the held-out ones
    m = memorisation(new, train, test)
    assert 0.85 < m["ratio"] < 1.15
    assert 0.35 < m["closer_fraction"] < 0.65
    assert abs(m["z_u"]) < 3
    noise = pixels(torch.rand(170, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1)
    m = memorisation(noise, train, test)
    assert m["ratio"] > 1.5 and m["closer_fraction"] < 0.05 and m["z_u"] > 3


def test_mann_whitney_z_has_meehans_sign_and_scale():
    import numpy as np

    a = np.arange(100, dtype=float)
    assert mann_whitney_z(a, a) == pytest.approx(0.0)  # ties count half
    assert mann_whitney_z(a, a + 1000) == pytest.approx(
        -100 * 100 / 2 / (100 * 100 * 201 / 12) ** 0.5
    )
    assert mann_whitney_z(a + 1000, a) > 12  # every sample farther than every test image


def test_the_reference_is_exactly_the_runs_training_subset():
    train = load_dataset("digits")
    index = subset_index(train, SubsetRequest(limit=200), "digits")
    unseen = torch.ones(len(train), dtype=torch.bool)
    unseen[index] = False
    reference = MemorisationReference(
        lambda split: load_dataset("digits", split=split),
        "digits",
        {"data_limit": 200, "data_seed": 0},
        150,
    )
    seen = reference(ImageSampler(train.samples[index]), 150, seed=0, batch_size=64)
    assert seen["subset"]["images"] == 200 and seen["train_images"] == 200
    assert seen["held_out"] == "test split" and seen["test_images"] == 150
    assert seen["ratio"] < 0.01 and seen["closer_fraction"] == 1.0
    # training images the run never saw are new to it: measured against the full split,
    # they would look copied
    other = reference(ImageSampler(train.samples[unseen]), 150, seed=0, batch_size=64)
    assert other["ratio"] > 0.8 and other["closer_fraction"] < 0.65


def test_a_changed_subset_is_refused_not_measured_against_other_images():
    from ganzoo.api.errors import UsageError

    with pytest.raises(UsageError, match="no longer gives"):
        MemorisationReference(
            lambda split: load_dataset("digits", split=split),
            "digits",
            {"data_limit": 200, "index_sha256": "0" * 64},
            150,
        )


def test_ganzoo_eval_reports_memorisation_for_a_subset_run_and_on_request(tmp_path, run_cli):
    small, whole = tmp_path / "small", tmp_path / "whole"
    common = ["--steps", "2", "--batch-size", "16", "-q"]
    cli_ok("train", "--data-limit", "100", "--out", small, *common)
    cli_ok("train", "--out", whole, *common)
    stored = json.loads((small / "config.json").read_text())["subset"]
    result = run_cli("eval", small, "-n", "50", "--json")
    assert result.exit_code == 0, result.err
    m = json.loads(result.out)["memorisation"]
    assert m["subset"] == stored and m["train_images"] == 100 and m["space"] == "pixels"
    result = run_cli("eval", whole, "-n", "50", "--json")
    assert "memorisation" not in json.loads(result.out)
    result = run_cli("eval", whole, "-n", "50", "--json", "--memorisation")
    m = json.loads(result.out)["memorisation"]
    assert m["subset"] is None and m["train_images"] == 1438
    table = " ".join(run_cli("eval", small, "-n", "50").out.split())  # unwrapped
    assert "memorisation ratio" in table and "the run's 100 training images (of 1438)" in table
    off = run_cli("eval", small, "-n", "50", "--json", "--no-memorisation")
    assert "memorisation" not in json.loads(off.out)


def test_evaluations_during_a_subset_run_measure_memorisation_against_its_images(tmp_path):
    from ganzoo.metrics import load_results
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    out = tmp_path / "run"
    config = TrainConfig(
        steps=4, batch_size=16, data_limit=100, eval_every=4, eval_samples=20, out=str(out)
    )
    train(config)
    (result,) = load_results(out)
    assert result.memorisation is not None
    assert result.memorisation["train_images"] == 100
    assert result.memorisation["subset"]["data_limit"] == 100


def test_a_dataset_with_one_split_holds_out_the_images_outside_the_subset(digits):
    from ganzoo.api.data import DataInfo, TensorSource

    images = digits[0][:300]
    source = TensorSource(DataInfo("one-split", (1, 8, 8), "image"), images)  # no labels
    reference = MemorisationReference(lambda split: source, "one-split", {"data_limit": 100}, 500)
    assert reference.held_out_source == "train split outside the training subset"
    assert len(reference.train) == 100 and len(reference.held_out) == 200
    assert reference.subset["stratified"] is False
    # held out means unseen: no held-out image is one of the training images
    assert float(reference.held_out_distances.min()) > 0
