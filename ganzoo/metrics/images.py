"""Images as torch-fidelity wants them: uint8 ``3×H×W``, grayscale repeated to three channels.

ganzoo's images are float ``C×H×W`` in ``[-1, 1]``. The conversion rounds like
``torchvision.utils.save_image`` (``x·255 + 0.5``, clamped), so PNGs a user exports with
torchvision hold exactly the pixels the metrics saw.
"""

from __future__ import annotations

import hashlib

import torch
from torch.utils.data import Dataset

from ganzoo.api.data import DataSource, to_uint8

REAL_SUBSET_SEED = 0  # fixed: the same real images (and cache entry) for every evaluation


def to_uint8_rgb(x: torch.Tensor) -> torch.Tensor:
    """``N×C×H×W`` floats in ``[-1, 1]`` -> ``N×3×H×W`` uint8 (C must be 1 or 3)."""
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected N×1×H×W or N×3×H×W images, got shape {tuple(x.shape)}")
    x = to_uint8(x)
    return x.expand(-1, 3, -1, -1).contiguous() if x.shape[1] == 1 else x


def real_images(source: DataSource, n: int, batch_size: int = 1024) -> torch.Tensor:
    """``n`` images of ``source`` (a fixed random subset, all if ``n >= len``) as uint8 RGB.

    The subset is drawn with a fixed seed, not taken from the front, so that a split stored
    in class order still gives a fair sample.
    """
    total = len(source)
    if n >= total:
        index = torch.arange(total)
    else:
        generator = torch.Generator().manual_seed(REAL_SUBSET_SEED)
        index = torch.randperm(total, generator=generator)[:n]
    samples = getattr(source, "samples", None)
    if samples is not None:  # in memory (TensorSource)
        chunks = [index[i : i + batch_size] for i in range(0, len(index), batch_size)]
        return torch.cat([to_uint8_rgb(samples[chunk].cpu()) for chunk in chunks])
    dataset = getattr(source, "dataset", None)  # streamed from disk (StreamingSource)
    if dataset is None:
        raise TypeError(f"cannot read images from a {type(source).__name__}")
    items = [dataset[int(i)] for i in index]
    items = [item[0] if isinstance(item, list | tuple) else item for item in items]
    return to_uint8_rgb(torch.stack(items))


def tensor_sha256(x: torch.Tensor) -> str:
    """sha256 of a tensor's dtype, shape and bytes (what a cache entry was computed from)."""
    x = x.detach().cpu().contiguous()
    h = hashlib.sha256(f"{x.dtype}{tuple(x.shape)}".encode())
    h.update(x.reshape(-1).view(torch.uint8).numpy())
    return h.hexdigest()


class UInt8Images(Dataset):
    """A fixed set of uint8 ``3×H×W`` images: the real side of torch-fidelity's metrics."""

    def __init__(self, images: torch.Tensor) -> None:
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"expected uint8 N×3×H×W, got {images.dtype} {tuple(images.shape)}")
        self.images = images

    def __len__(self) -> int:
        return self.images.shape[0]

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.images[index]


def real_images_outside(source: DataSource, reference: int, n: int) -> torch.Tensor | None:
    """Up to ``n`` images of ``source`` disjoint from :func:`real_images`' first ``reference``.

    The same seeded permutation, read past the reference subset: a second, disjoint draw
    for the real-vs-real floor of a dataset with a single split. ``None`` if none are left.
    """
    total = len(source)
    if reference >= total:
        return None
    generator = torch.Generator().manual_seed(REAL_SUBSET_SEED)
    index = torch.randperm(total, generator=generator)[reference : reference + n]
    samples = getattr(source, "samples", None)
    if samples is not None:
        return to_uint8_rgb(samples[index].cpu())
    dataset = source.dataset  # type: ignore[attr-defined]
    items = [dataset[int(i)] for i in index]
    items = [item[0] if isinstance(item, list | tuple) else item for item in items]
    return to_uint8_rgb(torch.stack(items))
