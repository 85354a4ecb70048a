"""What a dataset plugin returns, and how the training loop draws batches from it.

Images live in ``[-1, 1]`` as float32 ``C×H×W``; vector data (the synthetic 1-D and 2-D
sets) keeps its natural units. Data that fits in memory is decoded once into a tensor and
batched by index (:class:`TensorSource`); an image folder streams through a ``DataLoader``
(:class:`StreamingSource`).

A source with class labels says so (``labelled``) and also yields ``(x, labels)`` batches
(``epoch_labelled``), in the same order as ``epoch`` for the same generator: a
conditional run draws exactly the images an unconditional one would, with their labels.
"""

from __future__ import annotations

import copy
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler

SPLITS = ("train", "test")


@dataclass(frozen=True)
class DataInfo:
    """Shape and kind of a dataset's samples: what a model factory is sized from."""

    name: str
    shape: tuple[int, ...]
    kind: str  # "image" (C×H×W in [-1, 1]) or "vector" (D,)
    num_classes: int | None = None

    @property
    def dim(self) -> int:
        """Number of values in one sample."""
        return math.prod(self.shape)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, stored in a run's config."""
        d = asdict(self)
        d["shape"] = list(self.shape)
        return d


class DataSource(ABC):
    """A dataset split the loop can iterate in seeded, shuffled epochs."""

    info: DataInfo

    @abstractmethod
    def __len__(self) -> int:
        """Number of samples."""

    @abstractmethod
    def epoch(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        """Yield the full batches of one epoch in an order drawn from ``generator``."""

    def batches_per_epoch(self, batch_size: int) -> int:
        """Full batches per epoch (the last partial batch is dropped)."""
        return len(self) // batch_size

    @property
    def labelled(self) -> bool:
        """Whether :meth:`epoch_labelled` yields class labels (``info.num_classes`` of them)."""
        return False

    def epoch_labelled(
        self, batch_size: int, generator: torch.Generator
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Like :meth:`epoch`, with each batch's labels: LongTensor ``(batch_size,)``."""
        raise TypeError(f"dataset {self.info.name!r} has no class labels")

    def to(self, device: torch.device | str) -> DataSource:
        """A source whose batches are on ``device`` (in-memory sources move once)."""
        return self

    def class_labels(self) -> torch.Tensor | None:
        """Every sample's class label in order (LongTensor ``(len,)``), or ``None`` if unlabelled.

        ganzoo draws class-stratified training subsets (``--data-fraction``) from it, so a
        600-image MNIST keeps MNIST's class balance.
        """
        return None

    def subset(self, index: torch.Tensor) -> DataSource:
        """A source of the samples at ``index`` (a LongTensor of positions), in that order.

        What ``--data-fraction`` and ``--data-limit`` train on. :class:`TensorSource` and
        :class:`StreamingSource` implement it; a source of another kind cannot be subset
        (ganzoo says so) unless it implements this.
        """
        raise TypeError(f"a {type(self).__name__} cannot be subset")

    def density(self, x: torch.Tensor) -> torch.Tensor | None:
        """The true density p_data(x) where it is known (synthetic data), else ``None``.

        ``x`` has shape ``(n, *info.shape)``; the result has shape ``(n,)``.
        """
        return None


class TensorSource(DataSource):
    """A split held in memory as one tensor, batched by index."""

    def __init__(
        self, info: DataInfo, samples: torch.Tensor, labels: torch.Tensor | None = None
    ) -> None:
        if tuple(samples.shape[1:]) != tuple(info.shape):
            raise ValueError(
                f"samples have shape {tuple(samples.shape[1:])}, info says {info.shape}"
            )
        if labels is not None and tuple(labels.shape) != (samples.shape[0],):
            raise ValueError(
                f"labels have shape {tuple(labels.shape)}, expected ({samples.shape[0]},)"
            )
        self.info = info
        self.samples = samples.float().contiguous()
        self.labels = None if labels is None else labels.long().to(self.samples.device)

    def __len__(self) -> int:
        return self.samples.shape[0]

    @property
    def labelled(self) -> bool:
        return self.labels is not None and self.info.num_classes is not None

    def epoch(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        for index in self._order(batch_size, generator):
            yield self.samples[index]

    def epoch_labelled(
        self, batch_size: int, generator: torch.Generator
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if not self.labelled:
            return super().epoch_labelled(batch_size, generator)
        labels = self.labels
        assert labels is not None
        return ((self.samples[i], labels[i]) for i in self._order(batch_size, generator))

    def class_labels(self) -> torch.Tensor | None:
        return self.labels.cpu() if self.labelled and self.labels is not None else None

    def subset(self, index: torch.Tensor) -> TensorSource:
        index = index.long().to(self.samples.device)
        part = copy.copy(self)  # a subclass keeps its own attributes (a density's parameters)
        part.samples = self.samples[index].contiguous()
        part.labels = None if self.labels is None else self.labels[index]
        return part

    def _order(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        """Index batches of one epoch: one permutation, on the data's device."""
        order = torch.randperm(len(self), generator=generator).to(self.samples.device)
        for i in range(self.batches_per_epoch(batch_size)):
            yield order[i * batch_size : (i + 1) * batch_size]

    def to(self, device: torch.device | str) -> TensorSource:
        if self.samples.device == torch.device(device):
            return self
        moved = copy.copy(self)
        moved.samples = self.samples.to(device)
        moved.labels = None if self.labels is None else self.labels.to(device)
        return moved


class StreamingSource(DataSource):
    """A split read from disk batch by batch through a ``DataLoader`` with workers.

    With ``labels=True`` the dataset's items are ``(x, label)`` pairs and ``info`` says how
    many classes there are; otherwise an item is ``x`` (or a tuple whose first part is).
    """

    def __init__(
        self,
        info: DataInfo,
        dataset: Dataset,
        num_workers: int | None = None,
        labels: bool = False,
    ) -> None:
        if labels and info.num_classes is None:
            raise ValueError("a labelled source needs info.num_classes")
        self.info = info
        self.dataset = dataset
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        self.num_workers = min(cores, 2) if num_workers is None else num_workers
        self.device = torch.device("cpu")
        self.has_labels = labels

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]

    @property
    def labelled(self) -> bool:
        return self.has_labels

    def epoch(self, batch_size: int, generator: torch.Generator) -> Iterator[torch.Tensor]:
        for batch in self._batches(batch_size, generator):
            x = batch[0] if isinstance(batch, list | tuple) else batch
            yield x.to(self.device, non_blocking=True)

    def epoch_labelled(
        self, batch_size: int, generator: torch.Generator
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if not self.labelled:
            yield from super().epoch_labelled(batch_size, generator)
            return
        for x, y in self._batches(batch_size, generator):
            yield x.to(self.device, non_blocking=True), y.long().to(self.device, non_blocking=True)

    def class_labels(self) -> torch.Tensor | None:
        """The dataset's ``targets`` or ``labels`` if it has them, else each item's label."""
        if not self.has_labels:
            return None
        known = getattr(self.dataset, "targets", None)
        known = known if known is not None else getattr(self.dataset, "labels", None)
        if known is None:  # read every item once: slow for a big folder, but exact
            known = [self.dataset[i][1] for i in range(len(self))]
        return torch.as_tensor(known).long()

    def subset(self, index: torch.Tensor) -> StreamingSource:
        from torch.utils.data import Subset

        part = copy.copy(self)
        part.dataset = Subset(self.dataset, [int(i) for i in index])
        return part

    def _batches(self, batch_size: int, generator: torch.Generator) -> Iterator[Any]:
        seed = int(torch.randint(0, 2**62, (1,), generator=generator))
        sampler = RandomSampler(self.dataset, generator=torch.Generator().manual_seed(seed))
        loader = DataLoader(
            self.dataset,
            batch_size=batch_size,
            sampler=sampler,
            drop_last=True,
            num_workers=self.num_workers,
            pin_memory=self.device.type == "cuda",
        )
        yield from loader

    def to(self, device: torch.device | str) -> StreamingSource:
        moved = copy.copy(self)
        moved.device = torch.device(device)
        return moved


def images_to_unit_range(x: torch.Tensor) -> torch.Tensor:
    """Map images from ``[-1, 1]`` to ``[0, 1]`` (for saving and metrics)."""
    return ((x.clamp(-1, 1) + 1) / 2).clamp(0, 1)


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """Images in ``[-1, 1]`` to uint8 ``0..255``: ``round((x + 1) / 2 * 255)``, clamped.

    The one conversion every writer of pixels uses (sample files, grids, the images the
    metrics see, exports), so that the same model output is the same pixels everywhere;
    it rounds as torchvision's ``save_image`` does. Channels and leading dims are kept.
    """
    return images_to_unit_range(x.float()).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)


def uint8_to_model_range(x: torch.Tensor) -> torch.Tensor:
    """Map uint8 pixels ``0..255`` to float32 in ``[-1, 1]``."""
    return x.float().div(127.5).sub(1.0)


def resize_images(images: torch.Tensor, size: int | None, chunk: int = 4096) -> torch.Tensor:
    """``images`` (N×C×H×W in [-1, 1]) resized to ``size``×``size``; ``None`` keeps them.

    Antialiased bilinear resampling (torchvision's ``Resize`` on tensors), in chunks so a
    60,000-image set never needs a second full copy at float64. Dataset plugins use it for
    their ``image_size`` option (``-D image_size=32``).
    """
    if size is None or tuple(images.shape[-2:]) == (size, size):
        return images
    if isinstance(size, bool) or not isinstance(size, int) or size < 4:
        raise ValueError(f"image_size must be an integer >= 4, got {size!r}")
    import torch.nn.functional as F

    out = torch.empty((*images.shape[:-2], size, size), dtype=torch.float32)
    for start in range(0, len(images), chunk):
        part = images[start : start + chunk].float()
        out[start : start + chunk] = F.interpolate(
            part, size=(size, size), mode="bilinear", align_corners=False, antialias=True
        ).clamp_(-1.0, 1.0)
    return out
