"""scikit-learn's bundled 8×8 digits: real handwriting that works on any machine, offline."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch

from ganzoo.api.data import DataInfo, TensorSource, resize_images

TEST_FRACTION = 0.2
SPLIT_SEED = 0  # fixed: the train/test split is part of the dataset's definition


def load(
    root: Path | None = None,
    download: bool = False,
    split: str = "train",
    image_size: int | None = None,
) -> TensorSource:
    """The ``split`` ("train": 1,438 images, "test": 359) scaled from 0..16 to [-1, 1].

    ``image_size`` resizes the 8×8 images (e.g. 32 for a three-stage DCGAN).
    """
    all_images, all_labels = _bundled_digits()
    order = np.random.RandomState(SPLIT_SEED).permutation(len(all_images))
    n_test = round(TEST_FRACTION * len(order))
    index = order[:n_test] if split == "test" else order[n_test:]
    images = torch.from_numpy(all_images[index]).float().unsqueeze(1) / 8.0 - 1.0
    labels = torch.from_numpy(all_labels[index]).long()
    images = resize_images(images, image_size)
    return TensorSource(DataInfo("digits", tuple(images.shape[1:]), "image", 10), images, labels)


def _bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 images (n, 8, 8) in 0..16 and their labels, as ``load_digits`` gives them.

    Read from the CSV file scikit-learn ships, located without importing scikit-learn:
    the import costs about a second, an eighth of the README's first run. Any other
    layout falls back to ``load_digits`` itself.
    """
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec and spec.submodule_search_locations) or ():
        csv = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if csv.is_file():
            with gzip.open(csv, "rt") as f:
                table = np.loadtxt(f, delimiter=",")
            return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(int)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.images, bunch.target
