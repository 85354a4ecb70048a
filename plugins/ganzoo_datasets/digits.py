"""scikit-learn's bundled 8×8 digits: real handwriting that works on any machine, offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ganzoo.data import DataInfo, TensorSource, resize_images

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
    from sklearn.datasets import load_digits

    bunch = load_digits()
    order = np.random.RandomState(SPLIT_SEED).permutation(len(bunch.images))
    n_test = round(TEST_FRACTION * len(order))
    index = order[:n_test] if split == "test" else order[n_test:]
    images = torch.from_numpy(bunch.images[index]).float().unsqueeze(1) / 8.0 - 1.0
    labels = torch.from_numpy(bunch.target[index]).long()
    images = resize_images(images, image_size)
    return TensorSource(DataInfo("digits", tuple(images.shape[1:]), "image", 10), images, labels)
