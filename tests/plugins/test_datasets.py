"""Dataset plugins: shapes, ranges, splits; torchvision data and image folders."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from ganzoo.api.errors import DataError, UsageError
from ganzoo.host.build import load_dataset


def test_digits_are_real_8x8_images_in_model_range():
    train, test = load_dataset("digits", None), load_dataset("digits", None, split="test")
    assert len(train) + len(test) == 1797 and len(test) == 359
    assert train.samples.shape[1:] == (1, 8, 8)
    assert train.samples.min() == -1 and train.samples.max() == 1
    assert set(train.labels.unique().tolist()) == set(range(10))


def test_digits_are_read_without_importing_sklearn_and_equal_load_digits(monkeypatch):
    import subprocess
    import sys

    from ganzoo_datasets import digits
    from sklearn.datasets import load_digits

    images, labels = digits._bundled_digits()
    bunch = load_digits()
    assert (images == bunch.images).all() and (labels == bunch.target).all()
    code = "import sys; from ganzoo_datasets.digits import _bundled_digits; _bundled_digits(); "
    code += "print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    # a scikit-learn whose file is elsewhere: load_digits itself, the same arrays
    monkeypatch.setattr(digits.importlib.util, "find_spec", lambda name: None)
    images2, labels2 = digits._bundled_digits()
    assert (images2 == bunch.images).all() and (labels2 == bunch.target).all()


def test_gaussian1d_matches_its_density():
    source = load_dataset("gaussian1d", None)
    x = source.samples
    assert abs(x.mean().item() - 2.0) < 0.02 and abs(x.std().item() - 0.5) < 0.02
    grid = torch.linspace(-2, 6, 4001).unsqueeze(1)
    integral = source.density(grid).sum().item() * (8 / 4000)
    assert integral == pytest.approx(1.0, abs=1e-3)


def test_ring2d_has_eight_tight_modes():
    source = load_dataset("ring2d", None)
    assert source.info.num_classes == 8
    dist = torch.cdist(source.samples, source.centers).min(dim=1).values
    assert dist.max() < 0.15
    assert torch.bincount(source.labels).min() > 2000


def test_dataset_options_reach_the_factory():
    source = load_dataset("gaussian1d", None, options={"mean": -3.0, "std": 0.1})
    assert abs(source.samples.mean().item() + 3.0) < 0.01
    with pytest.raises(UsageError, match="std must be > 0"):
        load_dataset("gaussian1d", None, options={"std": 0.0})


def test_mnist_from_shared_data(shared_data):
    source = load_dataset("mnist", shared_data, split="test")
    assert source.samples.shape == (10_000, 1, 28, 28)
    assert source.samples.min() == -1 and source.samples.max() == 1


def test_download_offline_fails_with_clear_message(tmp_path, monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(DataError, match="could not download mnist into"):
        load_dataset("mnist", tmp_path, download=True)


def _write_images(folder, n, size=(20, 12)):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.new("RGB", size, (10 * i, 100, 200)).save(folder / f"img{i}.png")


def test_image_folder_streams_resized_images(tmp_path):
    _write_images(tmp_path / "a", 5)
    _write_images(tmp_path / "a" / "nested", 3)
    source = load_dataset("folder", tmp_path / "a", options={"image_size": 16})
    assert len(source) == 8 and source.info.shape == (3, 16, 16)
    batch = next(source.epoch(4, torch.Generator().manual_seed(0)))
    assert batch.shape == (4, 3, 16, 16) and batch.min() >= -1 and batch.max() <= 1


def test_empty_and_corrupt_image_folders_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no images in"):
        load_dataset("folder", tmp_path / "empty")
    _write_images(tmp_path / "bad", 2)
    (tmp_path / "bad" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DataError, match=r"cannot read image .*broken\.png"):
        load_dataset("folder", tmp_path / "bad")
