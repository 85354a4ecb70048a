"""Training on part of a split: ``--data-fraction`` / ``--data-limit``, for every dataset.

A run on few images (the small-data regime DiffAugment and ADA were built for) trains on a
**fixed, seeded, class-stratified** subset of the training split. The subset is chosen here,
in the host, from what every :class:`~ganzoo.api.data.DataSource` offers
(:meth:`~ganzoo.api.data.DataSource.class_labels` and
:meth:`~ganzoo.api.data.DataSource.subset`), so each dataset plugin gets it without a line
of its own; the session trains on it and an evaluation rebuilds the very same images to
measure memorisation against them (:mod:`ganzoo.metrics.memorisation`).

How the images are picked. ``data_seed`` (``--data-seed``, default 0), not the run's
``--seed``, draws a permutation of each class; the split is then ordered by each image's
place in its class's permutation relative to the class size, so that *every prefix* of the
order holds each class within one image of its share. A subset of ``n`` images is the first
``n`` of that order. Three consequences a study relies on:

- **The same images for every training seed.** Three seeds of a 600-image study train on
  the same 600 images, so its interval measures the training's variance, not the luck of
  the draw; vary ``--data-seed`` to measure the latter.
- **Nested sizes.** With one ``data_seed``, the 1% subset lies inside the 10% one.
- **Class balance.** 600 MNIST images hold 59–60 of each digit as the full split's
  proportions say, not the 45–75 a plain random draw gives. Unlabelled data is drawn
  uniformly (still seeded and nested).

The permutations come from NumPy's ``RandomState``, whose stream NumPy keeps stable across
versions: the same seed picks the same images on any machine, now and later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ganzoo.api.errors import UsageError

if TYPE_CHECKING:  # the checks are torch-free: ``ganzoo train --help`` reads them
    import numpy as np
    import torch

    from ganzoo.api.data import DataSource


@dataclass(frozen=True)
class SubsetRequest:
    """What the user asked: a fraction of the split or a number of images, and the seed."""

    fraction: float | None = None
    limit: int | None = None
    seed: int = 0

    @property
    def requested(self) -> bool:
        """Whether any subset was asked for (otherwise the whole split trains)."""
        return self.fraction is not None or self.limit is not None

    def check(self) -> SubsetRequest:
        """Raise :class:`UsageError` for values no split could satisfy (before any data loads)."""
        check_subset_values(self.fraction, self.limit, self.seed)
        return self

    def size(self, total: int, dataset: str = "the dataset") -> int:
        """The number of images of a split of ``total``; a :class:`UsageError` if impossible."""
        if self.limit is not None:
            if self.limit > total:
                raise UsageError(
                    f"--data-limit {self.limit} is more than the {total} training images of "
                    f"{dataset}; use at most {total}"
                )
            return self.limit
        if self.fraction is None:
            return total
        n = round(self.fraction * total)
        if n < 1:
            raise UsageError(
                f"--data-fraction {self.fraction} of the {total} training images of {dataset} "
                f"keeps none; use at least {1 / total:.2g}"
            )
        return n

    def as_dict(self) -> dict[str, Any]:
        """The fields as ``config.json`` records them (``data_fraction`` …)."""
        return {"data_fraction": self.fraction, "data_limit": self.limit, "data_seed": self.seed}


def check_subset_values(fraction: object, limit: object, seed: object = 0) -> None:
    """The ranges of ``--data-fraction`` (0, 1], ``--data-limit`` >= 1 and ``--data-seed``.

    Torch-free in effect (only the values are read); the split's size is checked later by
    :meth:`SubsetRequest.size`, once the data is loaded.
    """
    if fraction is not None and (
        isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction <= 1
    ):
        raise UsageError(f"--data-fraction must be a number in (0, 1], got {fraction!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise UsageError(f"--data-limit must be an integer >= 1, got {limit!r}")
    if fraction is not None and limit is not None:
        raise UsageError("give --data-fraction or --data-limit, not both")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise UsageError(f"--data-seed must be an integer in [0, 2**32), got {seed!r}")


def stratified_order(labels: np.ndarray | None, total: int, seed: int) -> np.ndarray:
    """Every index of a split of ``total`` in the order subsets are taken from (see above).

    Image ``k`` of its class's seeded permutation (class size ``m``) gets the key
    ``(k + 0.5) / m``; sorting by key (ties by a seeded class order) gives an order whose
    every prefix of ``n`` holds each class's ``n · m / total`` within one image.
    """
    import numpy as np

    rng = np.random.RandomState(seed)
    if labels is None:
        return rng.permutation(total)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != total:
        raise ValueError(f"{len(labels)} labels for {total} samples")
    classes = np.unique(labels)
    key = np.empty(total, dtype=np.float64)
    for c in classes:
        members = np.flatnonzero(labels == c)
        shuffled = members[rng.permutation(len(members))]
        key[shuffled] = (np.arange(len(members)) + 0.5) / len(members)
    tie = np.empty(total, dtype=np.int64)  # equal keys (equal class sizes): a seeded class order
    rank = rng.permutation(len(classes))
    for i, c in enumerate(classes):
        tie[labels == c] = rank[i]
    return np.lexsort((tie, key))


def subset_index(source: DataSource, request: SubsetRequest, dataset: str) -> torch.Tensor:
    """The positions in ``source`` of the training subset, ascending."""
    import numpy as np
    import torch

    total = len(source)
    n = request.size(total, repr(dataset))
    labels = source.class_labels()
    order = stratified_order(None if labels is None else labels.cpu().numpy(), total, request.seed)
    return torch.from_numpy(np.sort(order[:n]).astype(np.int64))


def training_subset(
    source: DataSource, request: SubsetRequest, dataset: str
) -> tuple[DataSource, dict[str, Any] | None]:
    """``source`` cut to the subset ``request`` asks for, and the record ``config.json`` keeps.

    No request: ``source`` itself and ``None``. The record names the images (``images`` of
    ``of``), how they were drawn, and a hash of their positions (``index_sha256``) that a
    resumed run and an evaluation check, so that neither silently uses other images.
    """
    if not request.requested:
        return source, None
    index = subset_index(source, request, dataset)
    labels = source.class_labels()
    if len(index) == len(source):
        part = source
    else:
        try:
            part = source.subset(index)
        except TypeError as exc:
            raise UsageError(
                f"dataset {dataset!r} gives a {type(source).__name__}, which cannot be cut to "
                f"--data-fraction/--data-limit ({exc}); its plugin must implement "
                "DataSource.subset"
            ) from exc
    record = {
        **request.as_dict(),
        "images": len(index),
        "of": len(source),
        "stratified": labels is not None,
        "index_sha256": index_sha256(index),
    }
    return part, record


def index_sha256(index: torch.Tensor) -> str:
    """sha256 of the positions as little-endian int64: the identity of a subset."""
    import numpy as np

    data = np.ascontiguousarray(index.cpu().numpy().astype("<i8"))
    return hashlib.sha256(data.tobytes()).hexdigest()
