"""MNIST, Fashion-MNIST and CIFAR-10 through torchvision, decoded once into memory.

Nothing is downloaded unless the user asks (``--download``). Missing files get a one-line
error that says where they were expected and how to get them.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ganzoo.api.data import DataInfo, TensorSource, resize_images, uint8_to_model_range
from ganzoo.api.errors import DataError
from ganzoo.api.paths import default_data_dir


def _load(
    cls_name: str,
    name: str,
    layout: str,
    root: Path | None,
    download: bool,
    split: str,
    image_size: int | None,
) -> TensorSource:
    import torchvision.datasets

    resize_images(torch.zeros(1, 1, 8, 8), image_size)  # a bad size fails before any loading

    root = Path(root) if root is not None else default_data_dir()
    cls = getattr(torchvision.datasets, cls_name)
    try:
        ds = cls(root=str(root), train=split == "train", download=download)
    except Exception as exc:  # torchvision raises RuntimeError/URLError/OSError here
        where = root / layout
        if download:
            raise DataError(
                f"could not download {name} into {where} ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); check the network, "
                f"or place the files there and drop --download"
            ) from exc
        raise DataError(
            f"{name} not found in {where}: pass --download to fetch it, or --data-dir "
            f"pointing at the folder that holds {layout}"
        ) from exc
    data = torch.as_tensor(ds.data)
    data = data.unsqueeze(1) if data.ndim == 3 else data.permute(0, 3, 1, 2)
    labels = torch.as_tensor(ds.targets).long()
    images = resize_images(uint8_to_model_range(data), image_size)
    info = DataInfo(name, tuple(images.shape[1:]), "image", 10)
    return TensorSource(info, images, labels)


def mnist(
    root: Path | None = None,
    download: bool = False,
    split: str = "train",
    image_size: int | None = None,
) -> TensorSource:
    """MNIST (60,000 train / 10,000 test, 28 px; ``image_size`` resizes), in ``root/MNIST/raw``."""
    return _load("MNIST", "mnist", "MNIST/raw", root, download, split, image_size)


def fashion_mnist(
    root: Path | None = None,
    download: bool = False,
    split: str = "train",
    image_size: int | None = None,
) -> TensorSource:
    """Fashion-MNIST (60,000 / 10,000, 28 px), expected in ``root/FashionMNIST/raw``."""
    return _load(
        "FashionMNIST", "fashion-mnist", "FashionMNIST/raw", root, download, split, image_size
    )


def cifar10(
    root: Path | None = None,
    download: bool = False,
    split: str = "train",
    image_size: int | None = None,
) -> TensorSource:
    """CIFAR-10 (50,000 / 10,000, 32 px), expected in ``root/cifar-10-batches-py``."""
    return _load("CIFAR10", "cifar10", "cifar-10-batches-py", root, download, split, image_size)
