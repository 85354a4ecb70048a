"""Resolve once (issue 22): one ``ganzoo train`` looks each name up in the registry once.

The model, loss and dataset names are looked up by :func:`ganzoo.host.resolve.resolve_names`
and every later step (defaults, building, the trainer, ``config.json``'s provenance) reads
the record it returns; the family travels as a :class:`~ganzoo.host.families.Family`.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ganzoo.api.errors import UsageError
from ganzoo.host.families import ADVERSARIAL, LIKELIHOOD
from ganzoo.host.registry import Registry
from ganzoo.host.resolve import resolve_names


@pytest.fixture
def lookups(monkeypatch) -> Counter:
    """Every ``Registry.get(kind, name)`` of the test, counted."""
    counted: Counter = Counter()
    original = Registry.get

    def counting(self, kind: str, name: str):
        counted[(kind, name)] += 1
        return original(self, kind, name)

    monkeypatch.setattr(Registry, "get", counting)
    return counted


def test_one_train_looks_each_name_up_once(tmp_path, run_cli, lookups):
    out = tmp_path / "run"
    args = ["--model", "vanilla", "--dataset", "digits", "--steps", "2", "--batch-size", "32"]
    result = run_cli("train", *args, "--device", "cpu", "--out", out, "-q")
    assert result.exit_code == 0, result.err
    assert lookups == Counter(
        {("model", "vanilla"): 1, ("loss", "nonsat"): 1, ("dataset", "digits"): 1}
    )
    stored = json.loads((out / "config.json").read_text())
    assert stored["resolved"]["family"] == "adversarial"
    assert stored["components"]["loss"]["name"] == "nonsat"  # the family's default, recorded


def test_resolve_names_returns_the_family_object_and_its_default_loss(lookups):
    gan = resolve_names("vanilla", None, "digits")
    assert gan.family is ADVERSARIAL and gan.loss.name == ADVERSARIAL.default_loss
    vae = resolve_names("vae", None, "digits")
    assert vae.family is LIKELIHOOD and vae.loss.name == "elbo"
    assert sum(lookups.values()) == 6  # model, loss and dataset: one lookup each per call


def test_a_loss_of_another_family_is_refused_with_the_valid_ones():
    with pytest.raises(UsageError, match=r"loss 'elbo' \(likelihood\) cannot train model "):
        resolve_names("vanilla", "elbo", "digits")


def test_dataset_options_put_the_users_over_the_models():
    components = resolve_names("dcgan", None, "mnist")  # dcgan registers 32×32 for mnist
    assert components.dataset_options({}) == {"image_size": 32}
    assert components.dataset_options({"image_size": 28, "x": 1}) == {"image_size": 28, "x": 1}
    assert resolve_names("dcgan", None, "digits").dataset_options({}) == {}


def test_regularisers_are_looked_up_once_with_the_other_names(tmp_path, run_cli, lookups):
    out = tmp_path / "run"
    args = ["--model", "vanilla", "--dataset", "digits", "--steps", "2", "--batch-size", "32"]
    result = run_cli("train", *args, "--reg", "r1,r2", "--device", "cpu", "--out", out, "-q")
    assert result.exit_code == 0, result.err
    assert lookups == Counter(
        {
            ("model", "vanilla"): 1,
            ("loss", "nonsat"): 1,
            ("regulariser", "r1"): 1,
            ("regulariser", "r2"): 1,
            ("dataset", "digits"): 1,
        }
    )


def test_the_models_registered_loss_is_its_default_and_regularisers_are_checked():
    sngan = resolve_names("sngan", None, "digits", regularisers=("r1",))
    assert sngan.loss.name == "hinge" and [r.name for r in sngan.regularisers] == ["r1"]
    with pytest.raises(UsageError, match="--reg names r1 more than once"):
        resolve_names("vanilla", None, "digits", regularisers=("r1", "r1"))
    with pytest.raises(UsageError, match="--reg r1 regularises"):
        resolve_names("vae", None, "digits", regularisers=("r1",))


def test_augmentations_are_looked_up_once_in_order_and_checked(tmp_path, run_cli, lookups):
    out = tmp_path / "run"
    args = ["--steps", "2", "--batch-size", "32", "--augment", "translation,color", "-q"]
    result = run_cli("train", *args, "--device", "cpu", "--out", out)
    assert result.exit_code == 0, result.err
    assert lookups[("augmentation", "translation")] == lookups[("augmentation", "color")] == 1
    components = resolve_names("dcgan", None, "digits", augmentations=("cutout", "color"))
    assert [a.name for a in components.augmentations] == ["cutout", "color"]
    with pytest.raises(UsageError, match="--augment names color more than once"):
        resolve_names("vanilla", None, "digits", augmentations=("color", "color"))
    with pytest.raises(UsageError, match="--augment color augments the training of adversarial"):
        resolve_names("vae", None, "digits", augmentations=("color",))
    with pytest.raises(UsageError, match="transforms image data; dataset 'ring2d' is vector"):
        resolve_names("vanilla", None, "ring2d", augmentations=("color",))
