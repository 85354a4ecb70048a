"""Feature extractors by user-facing name, as torch-fidelity sees them.

``domain`` is ganzoo's classifier (:mod:`ganzoo.metrics.classifier`) wrapped as a
torch-fidelity ``FeatureExtractorBase`` and registered through ``register_feature_extractor``
under a name that ends in a hash of its weights. torch-fidelity keys its statistics cache by
that name, so a retrained classifier never reuses stale statistics. ``inception`` is
torch-fidelity's own ``inception-v3-compat`` with checked weights (:mod:`ganzoo.metrics.inception`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.helpers import vassert
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

from ganzoo.api.data import uint8_to_model_range
from ganzoo.metrics.classifier import classifier_for, load_classifier, weights_sha256
from ganzoo.metrics.inception import FIDELITY_NAME, resolve_inception_weights
from ganzoo.metrics.spec import check_extractor_name

HASH_CHARS = 12  # of the weights' sha256 in an extractor's name


@dataclass(frozen=True)
class Extractor:
    """A resolved feature extractor: what to tell torch-fidelity, and what to report."""

    kind: str  # "domain" or "inception"
    name: str  # stored and printed beside every number; includes a hash of the weights
    fidelity_name: str  # the name registered with torch-fidelity
    weights_path: Path
    weights_sha256: str
    inception_score: bool  # False: IS is unavailable with these weights
    note: str | None = None  # why IS is unavailable
    test_accuracy: float | None = None  # held-out accuracy of a domain classifier

    def fidelity_kwargs(self) -> dict[str, Any]:
        """The ``calculate_metrics`` arguments that select this extractor."""
        return {
            "feature_extractor": self.fidelity_name,
            "feature_extractor_weights_path": str(self.weights_path),
        }


class DomainFeatureExtractor(FeatureExtractorBase):
    """torch-fidelity's view of a domain classifier: uint8 ``3×H×W`` in, features out.

    ``features`` are the penultimate activations, scaled like Inception's pool3 (for FID
    and KID); ``logits`` are the class logits (IS applies softmax to them).
    """

    def __init__(
        self,
        name: str,
        features_list: list[str],
        feature_extractor_weights_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, features_list)
        vassert(feature_extractor_weights_path is not None, f"{name} needs its weights path")
        classifier, _ = load_classifier(Path(feature_extractor_weights_path))
        vassert(
            name.endswith(weights_sha256(classifier)[:HASH_CHARS]),
            f"{feature_extractor_weights_path} does not hold the weights of {name}",
        )
        self.classifier = classifier.requires_grad_(False).eval()

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return ("features", "logits")

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return {"isc": "logits", "fid": "features", "kid": "features", "prc": "features"}[metric]

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> torch.Tensor:
        return torch.zeros(1, 3, 28, 28, dtype=torch.uint8)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        vassert(
            x.dtype == torch.uint8 and x.dim() == 4 and x.shape[1] == 3, "expected uint8 B×3×H×W"
        )
        spec = self.classifier.spec
        x = uint8_to_model_range(x)
        if spec["channels"] == 1:
            x = x.mean(dim=1, keepdim=True)  # grayscale was repeated to three channels
        size = (spec["size"], spec["size"])
        if tuple(x.shape[-2:]) != size:
            x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
        features, logits = self.classifier(x)
        out = {"features": features, "logits": logits}
        return tuple(out[name] for name in self.features_list)


def resolve_extractor(
    kind: str,
    *,
    dataset: str,
    data_dir: str | Path | None = None,
    dataset_options: dict[str, Any] | None = None,
    inception_weights: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> Extractor:
    """Prepare extractor ``kind`` for ``dataset``: train or load a classifier, check weights."""
    check_extractor_name(kind)
    if kind == "inception":
        weights = resolve_inception_weights(inception_weights)
        note = None
        if not weights.has_classifier:
            note = (
                f"IS unavailable: the classifier layer (fc) of {weights.path.name} is all zeros, "
                "so every image would score 1.0"
            )
        return Extractor(
            "inception",
            f"{FIDELITY_NAME}-{weights.sha256[:HASH_CHARS]}",
            FIDELITY_NAME,
            weights.path,
            weights.sha256,
            weights.has_classifier,
            note,
        )
    trained = classifier_for(dataset, data_dir, dataset_options, log=log)
    name = f"domain-{dataset}-{trained.sha256[:HASH_CHARS]}"
    if name not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(name, DomainFeatureExtractor)
    return Extractor(
        "domain",
        name,
        name,
        trained.path,
        trained.sha256,
        True,
        test_accuracy=trained.test_accuracy,
    )
