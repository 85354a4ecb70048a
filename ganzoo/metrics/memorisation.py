"""Memorisation: are the samples closer to the training images than new real images are?

A generator trained on 600 images can score a good FID by reproducing them. FID cannot tell:
the training images are real images. What can is a nearest-neighbour test (Meehan, Chaudhuri
and Dasgupta 2020, "A non-parametric test to detect data-copying in generative models";
Webster et al. 2019 detect memorisation by the same distances, from recovered latents):

- ``d_sample``: each generated sample's distance to its nearest training image;
- ``d_test``: each held-out test image's distance to its nearest training image: what a
  sample *as new as real data* would show.

A generator that models the distribution gives the two the same distribution; one that
copies its training images gives ``d_sample`` near 0. Three numbers summarise it:

- ``ratio`` = median ``d_sample`` / median ``d_test``: about 1 for new images, towards 0 for
  copies (above 1: samples lie farther from the data than real images, i.e. poor quality);
- ``closer_fraction``: the share of samples closer to a training image than the typical
  (median) test image is: about 0.5 for new images, towards 1 for copies;
- ``z_u``: Meehan et al.'s Mann–Whitney statistic of ``d_sample`` against ``d_test``,
  a z-score: far below 0 (below −3, say) is data-copying beyond chance, far above 0 samples
  farther from the data than real images are.

**Why pixel space.** A copy of a training image is a copy in pixels: its distance is 0 under
any extractor. Pixels need no model, so the figure means the same under ``domain`` and
``inception`` and exists for every image dataset; and the domain classifier was itself
trained on the full training split, run's images included, so its features could place
training images apart from test images for a reason of its own. On small grayscale images
(digits, MNIST) pixel nearest neighbours are the standard near-copy check. On large natural
images pixel distance weighs colour and shifts over content: :func:`memorisation` takes any
features, so pass an embedding there (Meehan et al. use Inception's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ganzoo.api.data import DataSource, to_uint8
from ganzoo.api.errors import UsageError

SPACE = "pixels"  # L2 distance between images as pixels in [0, 1] (C×H×W flattened)
CHUNK = 256  # query images per distance block (a block is CHUNK × references floats)
#: Quantiles kept of each distance distribution (a figure of the two needs no more).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def pixels(images: torch.Tensor) -> torch.Tensor:
    """Images (float in ``[-1, 1]`` or uint8) as flat float32 rows of pixels in ``[0, 1]``."""
    x = images if images.dtype == torch.uint8 else to_uint8(images)
    return x.reshape(len(x), -1).float().div(255.0)


def nearest_distances(queries: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """Each row of ``queries``' Euclidean distance to its nearest row of ``references``."""
    if len(references) == 0:
        raise ValueError("no reference images to measure distances to")
    out = torch.empty(len(queries))
    for start in range(0, len(queries), CHUNK):
        block = torch.cdist(queries[start : start + CHUNK], references)
        out[start : start + CHUNK] = block.min(dim=1).values
    return out


def mann_whitney_z(samples: np.ndarray, test: np.ndarray) -> float:
    """Meehan et al.'s Z_U: how far ``samples``' distances rank above ``test``'s, as a z-score.

    ``U`` counts the pairs (sample, test image) in which the sample is the farther from the
    training set (ties half); under "samples are as new as test images" it has mean
    ``m·n/2`` and variance ``m·n·(m+n+1)/12``.
    """
    m, n = len(samples), len(test)
    ordered = np.sort(test)
    below = np.searchsorted(ordered, samples, side="left")
    tied = np.searchsorted(ordered, samples, side="right") - below
    u = float(np.sum(below + 0.5 * tied))
    return (u - m * n / 2) / math.sqrt(m * n * (m + n + 1) / 12)


def memorisation(
    samples: torch.Tensor,
    train: torch.Tensor,
    test: torch.Tensor,
    test_to_train: torch.Tensor | None = None,
) -> dict[str, Any]:
    """The figure of the module docstring for rows of features (or pixels) of the three sets.

    ``test_to_train``: ``test``'s nearest distances, if already computed (they depend only on
    the real images, so an evaluator measures them once).
    """
    d_sample = nearest_distances(samples, train)
    d_test = test_to_train if test_to_train is not None else nearest_distances(test, train)
    sample_median = float(d_sample.median())
    test_median = float(d_test.median())
    return {
        "samples": len(samples),
        "train_images": len(train),
        "test_images": len(test),
        "sample_median": sample_median,
        "test_median": test_median,
        "ratio": sample_median / test_median if test_median > 0 else None,
        "closer_fraction": float((d_sample < test_median).float().mean()),
        "z_u": mann_whitney_z(d_sample.numpy(), d_test.numpy()),
        "quantiles": list(QUANTILES),
        "sample_quantiles": _quantiles(d_sample),
        "test_quantiles": _quantiles(d_test),
    }


def _quantiles(d: torch.Tensor) -> list[float]:
    return [float(v) for v in torch.quantile(d.double(), torch.tensor(QUANTILES).double())]


def sample_pixels(model: Any, n: int, seed: int, batch_size: int) -> torch.Tensor:
    """``n`` samples of ``model`` as pixel rows, drawn as the FID samples are (same seed)."""
    generator = torch.Generator().manual_seed(seed)
    parts = []
    with torch.no_grad():
        for start in range(0, n, batch_size):
            x = model.sample(min(batch_size, n - start), generator=generator)
            parts.append(pixels(x.detach().cpu()))
    return torch.cat(parts)


class MemorisationReference:
    """A run's training images and held-out images as pixels, their distances measured once.

    ``train``: the training split cut to the run's subset (``train_subset``: the
    ``data_fraction``/``data_limit``/``data_seed`` of its config, checked against the
    stored ``index_sha256`` if given), or the whole split. ``held_out``: images of the test
    split, or, for a dataset with one split, of the training split outside the subset.
    """

    def __init__(
        self,
        load: Callable[[str], DataSource],
        dataset: str,
        train_subset: dict[str, Any] | None,
        n_test: int,
    ) -> None:
        from ganzoo.host.subset import SubsetRequest, subset_index, training_subset
        from ganzoo.metrics.images import real_images

        full = load("train")
        subset = dict(train_subset or {})
        request = SubsetRequest(
            subset.get("data_fraction"), subset.get("data_limit"), int(subset.get("data_seed", 0))
        ).check()
        train, record = training_subset(full, request, dataset)
        stored = subset.get("index_sha256")
        if stored is not None and record is not None and record["index_sha256"] != stored:
            raise UsageError(
                f"the run trained on a subset of {dataset!r} that the dataset no longer gives "
                f"(index hash {stored[:12]}, now {record['index_sha256'][:12]}); its "
                "memorisation cannot be measured against other images"
            )
        self.subset = record
        self.train = pixels(_all_images(train))
        test = load("test")
        if _same_split(test, full):  # one split: the held-out images are the rest of it
            kept = set(subset_index(full, request, dataset).tolist())
            rest = torch.tensor([i for i in range(len(full)) if i not in kept], dtype=torch.long)
            self.held_out_source = "train split outside the training subset"
            held = full.subset(rest) if len(rest) else None
        else:
            self.held_out_source = "test split"
            held = test
        if held is None or len(held) == 0:
            raise UsageError(
                f"dataset {dataset!r} has no images outside the training ones to compare "
                "with, so memorisation cannot be measured"
            )
        self.held_out = pixels(real_images(held, min(n_test, len(held)))[:, : full.info.shape[0]])
        self.held_out_distances = nearest_distances(self.held_out, self.train)

    def __call__(self, model: Any, n: int, seed: int, batch_size: int) -> dict[str, Any]:
        """The memorisation figure of ``n`` samples of ``model`` (``seed`` as the FID's)."""
        figure = memorisation(
            sample_pixels(model, n, seed, batch_size),
            self.train,
            self.held_out,
            self.held_out_distances,
        )
        return {
            "space": SPACE,
            **figure,
            "held_out": self.held_out_source,
            "subset": self.subset,
        }


def _all_images(source: DataSource) -> torch.Tensor:
    """Every image of ``source`` in order (float, ``[-1, 1]``)."""
    samples = getattr(source, "samples", None)
    if samples is not None:
        return samples.detach().cpu()
    dataset = getattr(source, "dataset", None)
    if dataset is None:
        raise UsageError(f"cannot read the images of a {type(source).__name__}")
    items = [dataset[i] for i in range(len(dataset))]
    return torch.stack([item[0] if isinstance(item, list | tuple) else item for item in items])


def _same_split(a: DataSource, b: DataSource) -> bool:
    """Whether two splits are one (a dataset whose factory ignores ``split``)."""
    if len(a) != len(b):
        return False
    head = min(8, len(a))
    return torch.equal(_first(a, head), _first(b, head))


def _first(source: DataSource, n: int) -> torch.Tensor:
    samples = getattr(source, "samples", None)
    if samples is not None:
        return samples[:n].detach().cpu()
    dataset = source.dataset  # type: ignore[attr-defined]
    items = [dataset[i] for i in range(n)]
    return torch.stack([item[0] if isinstance(item, list | tuple) else item for item in items])
