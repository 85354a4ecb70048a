"""Class accuracy of a conditional model: are the samples asked for class k of class k?

IS and FID judge a conditional model as an unconditional one (its labels drawn uniformly);
they cannot tell whether it obeys its labels. Here each class k gets ``n`` samples
requested with label k, the dataset's domain classifier (:mod:`ganzoo.metrics.classifier`,
the same one the ``domain`` extractor uses) names their class, and the share named k is
the class accuracy: overall and per class. The classifier's own held-out test accuracy is
reported beside it, as the ceiling a perfect generator would reach.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ganzoo.api.errors import UsageError
from ganzoo.metrics.classifier import classifier_for, load_classifier

SEED_OFFSET = 7_919  # the labelled samples draw from their own generator
BATCH = 250


class ClassAccuracy:
    """The domain classifier of a dataset, loaded once; call it on a conditional model."""

    def __init__(
        self,
        dataset: str,
        data_dir: str | Path | None = None,
        dataset_options: dict[str, Any] | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.dataset = dataset
        self.note: str | None = None
        self.classifier: Any = None
        try:
            trained = classifier_for(dataset, data_dir, dataset_options, log)
        except UsageError as exc:  # no labels, or a classifier too weak to trust
            self.note = f"no class accuracy: {exc}"
            return
        self.classifier, _ = load_classifier(trained.path)
        self.test_accuracy = trained.test_accuracy
        self.num_classes = int(self.classifier.spec["num_classes"])

    @torch.no_grad()
    def __call__(self, model: Any, per_class: int, seed: int = 0) -> dict[str, Any]:
        """``conditional_*`` result fields for ``per_class`` samples of each class."""
        classes = int(model.num_classes)
        if self.classifier is None:
            return {"conditional_accuracy": None, "conditional_accuracy_note": self.note}
        if classes != self.num_classes:
            raise UsageError(
                f"the model has {classes} classes, the classifier of {self.dataset!r} "
                f"{self.num_classes}"
            )
        device = next(model.parameters()).device
        classifier = self.classifier.to(device)
        generator = torch.Generator().manual_seed(seed + SEED_OFFSET)
        correct = []
        for k in range(classes):
            right = 0
            for start in range(0, per_class, BATCH):
                n = min(BATCH, per_class - start)
                labels = torch.full((n,), k, dtype=torch.long)
                x = model.sample(n, generator=generator, labels=labels)
                right += int((classifier(x.float())[1].argmax(1) == k).sum())
            correct.append(right)
        per = [c / per_class for c in correct]
        return {
            "conditional_accuracy": sum(correct) / (per_class * classes),
            "conditional_accuracy_per_class": per,
            "conditional_samples_per_class": per_class,
            "conditional_classifier_test_accuracy": self.test_accuracy,
        }
