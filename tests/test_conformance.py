"""Every registered model, loss and dataset passes ganzoo's own conformance kit.

Parametrized over the registry, so a new plugin is covered the moment it registers.
Datasets that need files run where the files are (``../shared/data``) and skip, saying
why, where they are not.
"""

from __future__ import annotations

import pytest
from PIL import Image

import ganzoo
from ganzoo.api.errors import DataError, IncompatibleDataError
from ganzoo.host.build import create_model, load_dataset
from ganzoo.testing import check_dataset, check_loss, check_model
from tests.conftest import SHARED_DATA

REGISTRY = ganzoo.get_registry()
MODELS = ganzoo.list_models()
OFFLINE = [c.name for c in REGISTRY.components("dataset") if c.record.offline]
WITH_FILES = [c.name for c in REGISTRY.components("dataset") if not c.record.offline]


def test_the_first_party_components_are_all_covered():
    assert {"vanilla", "dcgan", "vae"} <= set(MODELS)
    assert {"digits", "gaussian1d", "ring2d"} <= set(OFFLINE)
    assert {"mnist", "folder"} <= set(WITH_FILES)


@pytest.mark.parametrize("dataset", OFFLINE)
@pytest.mark.parametrize("model", MODELS)
def test_model_conforms_on_offline_data(model, dataset):
    try:
        report = check_model(model, dataset)
    except IncompatibleDataError as exc:
        pytest.skip(f"{model} declares it cannot model {dataset}: {exc}")
    assert "same seed, same weights; another seed, other weights" in report.passed


@pytest.mark.parametrize("model", MODELS)
def test_model_models_some_offline_dataset(model):
    """So that the skips above can never hide a model from the kit entirely."""
    fits = []
    for dataset in OFFLINE:
        try:
            create_model(model, load_dataset(dataset, None).info, None, {})
            fits.append(dataset)
        except IncompatibleDataError:
            continue
    assert fits, f"model {model!r} accepts none of the offline datasets {OFFLINE}"


@pytest.mark.parametrize("model", MODELS)
def test_model_conforms_on_mnist(model, shared_data):
    data = load_dataset("mnist", shared_data, split="test")
    try:
        check_model(model, data, steps=1)
    except IncompatibleDataError as exc:
        pytest.skip(f"{model} declares it cannot model mnist: {exc}")


@pytest.mark.parametrize("loss", ganzoo.list_losses())
def test_loss_conforms(loss):
    report = check_loss(loss)
    assert report.passed


@pytest.mark.parametrize("dataset", OFFLINE)
def test_offline_dataset_conforms(dataset):
    report = check_dataset(dataset)
    assert len([p for p in report.passed if p.startswith("split")]) == 2


def test_mnist_conforms(shared_data):
    # the test split: same code path as the train split, a sixth of the decoding
    report = check_dataset("mnist", root=shared_data, splits=("test",))
    assert report.passed[0].startswith("split 'test': 10000 samples of (1, 28, 28) (image)")


def test_image_folder_conforms(tmp_path):
    for i in range(40):
        Image.new("RGB", (20, 12), (6 * i, 100, 200 - 4 * i)).save(tmp_path / f"img{i:02d}.png")
    check_dataset("folder", root=tmp_path, options={"image_size": 8})


@pytest.mark.parametrize("dataset", [d for d in WITH_FILES if d not in ("mnist", "folder")])
def test_dataset_with_files_conforms_where_its_files_are(dataset):
    try:
        check_dataset(dataset, root=SHARED_DATA)
    except DataError as exc:
        pytest.skip(f"files of {dataset} are not in {SHARED_DATA}: {exc}")
