"""The scale beside every score: what real data and uniform noise score, measured alike.

:class:`Floors` is the part of :class:`ganzoo.metrics.fidelity.Evaluator` that measures the
real-data floor (images of the other split) and the noise ceiling at the evaluation's sample
count, cached as plain arrays beside the real statistics.
"""

from __future__ import annotations

from typing import Any

import torch

from ganzoo.api.errors import GanzooError
from ganzoo.metrics import realstats
from ganzoo.metrics.bridge import FidelityBridge
from ganzoo.metrics.images import UInt8Images, real_images, real_images_outside, to_uint8_rgb
from ganzoo.metrics.spec import EvalSpec

FLOOR_SEED = 0  # the noise images of the noise floor: the same for every evaluation
#: What a floor records of its measurement (beside its source and sample count).
FLOOR_KEYS = (
    "fid", "kid_mean", "kid_std", "precision", "recall", "density", "coverage",
    "inception_score_mean", "inception_score_std",
)  # fmt: skip


class Floors(FidelityBridge):
    """The real-data floor and noise ceiling of an evaluator (``samples``, ``shape``, ``split``)."""

    spec: EvalSpec
    dataset: str
    samples: int
    split: str
    shape: tuple[int, ...]
    _split_size: int
    _floors: dict[str, dict[str, Any]] | None

    def floors(self, cuda: bool = False) -> dict[str, dict[str, Any]]:
        """What real data and noise score at this sample count, against the same real images.

        ``real``: the images of the *other* split (the training images when measuring against
        the test split): what a generator that reproduced its training data would score,
        disjoint from the reference. A dataset with one split uses the images outside the
        reference subset. ``noise``: uniform noise images. Computed once per real side,
        extractor and count, and cached as plain arrays beside the real statistics.
        """
        if self._floors is not None:
            return self._floors
        out: dict[str, dict[str, Any]] = {}
        for kind in ("real", "noise"):
            images, source = self._floor_images(kind)
            if images is None:
                out[kind] = {"source": source, "samples": 0}
                continue
            path = realstats.floor_path(self.cache_name, self.extractor.name, kind, len(images))
            values = realstats.load_floor(path)
            if values is None or any(k not in values for k in FLOOR_KEYS):  # older cache
                with torch.random.fork_rng(devices=[]):
                    measured = self._measure(UInt8Images(images), len(images), cuda=cuda)
                values = {k: measured[k] for k in FLOOR_KEYS}
                values["near_duplicate_rate"] = measured["health"]["near_duplicate_rate"]
                values["source"] = source
                realstats.save_floor(path, values)
            out[kind] = {"samples": len(images), **values}
        self._floors = out
        return out

    def _floor_images(self, kind: str) -> tuple[torch.Tensor | None, str]:
        """The images a floor measures, and where they come from (in words)."""
        if kind == "noise":
            g = torch.Generator().manual_seed(FLOOR_SEED)
            noise = torch.rand(self.samples, *self.shape, generator=g) * 2 - 1
            return to_uint8_rgb(noise), "uniform noise"
        from ganzoo.host.build import load_dataset

        other = "train" if self.split == "test" else "test"
        try:
            source = load_dataset(
                self.dataset, self.spec.data_dir, split=other,
                options=dict(self.spec.dataset_options),
            )  # fmt: skip
            images = real_images(source, min(self.samples, len(source)))
            same = len(source) == self._split_size and torch.equal(
                images[: min(8, len(images))], self.real[: min(8, len(images))]
            )
        except GanzooError:
            same, images = True, None
        if not same and images is not None:
            return images, f"{other} split"
        # one split only: the images of this split outside the reference subset
        from ganzoo.host.build import load_dataset as load

        source = load(
            self.dataset, self.spec.data_dir, split=self.split,
            options=dict(self.spec.dataset_options),
        )  # fmt: skip
        rest = real_images_outside(source, len(self.real), self.samples)
        if rest is None:
            return None, f"unavailable: {self.split} split has no images beyond the reference"
        return rest, f"{self.split} split outside the reference"
