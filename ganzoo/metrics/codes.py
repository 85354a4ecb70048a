"""Does a categorical latent code name the classes? Agreement under the best matching.

An InfoGAN's categorical code is learnt without labels, so its value 3 may well draw the
digit 7: its values are classes only up to a permutation. The agreement is therefore the
share of samples whose code value and class agree under the *best one-to-one matching* of
code values to classes, found by the Hungarian method on the confusion counts (scipy's
``linear_sum_assignment``; scipy comes with scikit-learn, a dependency). This is the
clustering accuracy of Chen et al. 2016, whose categorical code on MNIST "can be used to
classify MNIST digits with 5% error" (95% agreement).

The classes come from the dataset's domain classifier (:mod:`ganzoo.metrics.classifier`,
the one the ``domain`` extractor and the conditional class accuracy use): each code value
gets ``n`` samples with the noise and the other codes drawn at random, the classifier names
their class. A code that carries nothing about the class scores about 1/k (a little more
with few samples: the matching picks the luckiest pairing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganzoo.api.errors import UsageError
from ganzoo.metrics.classifier import classifier_for, load_classifier

SEED_OFFSET = 104_729  # the code grids draw from their own generator
BATCH = 250


@dataclass(frozen=True)
class Matching:
    """The best one-to-one matching of code values to classes and how often it holds."""

    #: share of samples whose class is their code value's matched class
    accuracy: float
    #: code value -> its matched class
    mapping: dict[int, int]
    #: counts[v, k]: samples with code value v named class k
    confusion: np.ndarray


def best_matching(codes: Any, classes: Any, num_codes: int, num_classes: int) -> Matching:
    """Agreement of ``codes`` with ``classes`` (integer arrays of one length) under the best
    one-to-one matching of the ``num_codes`` values to the ``num_classes`` classes."""
    from scipy.optimize import linear_sum_assignment

    codes, classes = np.asarray(codes, dtype=np.int64), np.asarray(classes, dtype=np.int64)
    if codes.shape != classes.shape or codes.ndim != 1 or codes.size == 0:
        raise ValueError("codes and classes must be non-empty 1-D arrays of one length")
    confusion = np.zeros((num_codes, num_classes), dtype=np.int64)
    np.add.at(confusion, (codes, classes), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    return Matching(
        float(confusion[rows, cols].sum()) / codes.size,
        {int(r): int(c) for r, c in zip(rows, cols, strict=True)},
        confusion,
    )


class CodeAgreement:
    """The domain classifier of a dataset, loaded once; call it on a coded model."""

    def __init__(
        self,
        dataset: str,
        data_dir: str | Path | None = None,
        dataset_options: dict[str, Any] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        trained = classifier_for(dataset, data_dir, dataset_options, log)
        self.classifier, _ = load_classifier(trained.path)  # in eval mode
        #: the classifier's held-out accuracy: the ceiling a perfect code would reach
        self.test_accuracy = trained.test_accuracy
        self.num_classes = int(self.classifier.spec["num_classes"])

    @torch.no_grad()
    def classify(self, images: torch.Tensor) -> torch.Tensor:
        """The classifier's class of each image (in ``[-1, 1]``), on the CPU."""
        device = images.device
        return self.classifier.to(device)(images.float())[1].argmax(1).cpu()

    @torch.no_grad()
    def __call__(self, model: Any, per_value: int, code: str | None = None, seed: int = 0) -> dict:
        """Agreement of ``model``'s categorical ``code`` (default: its first) with the classes
        of ``per_value`` samples per code value; ``matching`` holds the full result."""
        chosen = [c for c in model.latent_codes if c.categorical and code in (None, c.name)]
        if not chosen:
            names = ", ".join(c.describe() for c in model.latent_codes)
            raise UsageError(f"no categorical code {code or ''} to match; codes: {names}")
        c = chosen[0]
        generator = torch.Generator().manual_seed(seed + SEED_OFFSET)
        values, named = [], []
        was_training = model.training
        model.eval()
        try:
            for v in range(c.size):
                for start in range(0, per_value, BATCH):
                    n = min(BATCH, per_value - start)
                    z = model.sample_latent(n, generator=generator)
                    z = model.with_code(z, c.name, torch.full((n,), v, dtype=torch.long))
                    named.append(self.classify(model.generate(z)))
                    values.append(torch.full((n,), v, dtype=torch.long))
        finally:
            model.train(was_training)
        matching = best_matching(torch.cat(values), torch.cat(named), c.size, self.num_classes)
        return {
            "code": c.name,
            "code_accuracy": matching.accuracy,
            "code_mapping": matching.mapping,
            "samples_per_value": per_value,
            "classifier_test_accuracy": self.test_accuracy,
            "matching": matching,
        }
