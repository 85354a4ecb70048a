"""The bridge to ``torch_fidelity.calculate_metrics``: a sampler in, IS, FID and KID out.

The generated side is a ``GenerativeModelBase`` that draws from the model with its own
seeded generator; the real side is a fixed, seeded subset of a dataset split as uint8
``3×H×W`` images, whose features and statistics ganzoo caches as plain arrays under
``<cache dir>/fidelity`` (:mod:`ganzoo.metrics.realstats`; torch-fidelity's own cache would
unpickle whatever file it finds there, so it is never used). The cache name holds the
dataset, split, size, a hash of the real images and a hash of the extractor's weights (and
the extractor's name): a second evaluation costs only the generated side, and changed data
or weights never reuse stale statistics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import torch
import torch_fidelity

import ganzoo
from ganzoo.api.errors import UsageError
from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Component
from ganzoo.metrics import coverage, provenance, realstats, stats
from ganzoo.metrics.bridge import ISC_SPLITS, KID_SUBSET_SIZE, KID_SUBSETS
from ganzoo.metrics.extractors import Extractor, resolve_extractor
from ganzoo.metrics.floors import FLOOR_KEYS, FLOOR_SEED, Floors
from ganzoo.metrics.images import real_images, tensor_sha256
from ganzoo.metrics.memorisation import MemorisationReference
from ganzoo.metrics.results import EvalResult
from ganzoo.metrics.sampled import SampledImages
from ganzoo.metrics.spec import EvalSpec

__all__ = [
    "FLOOR_KEYS", "FLOOR_SEED", "ISC_SPLITS", "KID_SUBSETS", "KID_SUBSET_SIZE", "Evaluator",
    "SampledImages", "real_cache_name",
]  # fmt: skip


class Evaluator(Floors):
    """Real images and a feature extractor prepared once; call it on a model per evaluation.

    The training loop keeps one for ``--eval-every``; :func:`evaluate` builds one per call.
    """

    def __init__(
        self,
        spec: EvalSpec,
        log: Callable[[str], None] | None = None,
        dataset: Component | None = None,
    ) -> None:
        """``dataset``: ``spec.dataset``'s component, if the caller looked it up already."""
        from ganzoo.host.build import build_dataset

        spec.validate()
        if spec.dataset is None:
            raise UsageError("an evaluation needs a dataset (EvalSpec.dataset)")
        self.spec = spec
        self.dataset, self.samples, self.split = spec.dataset, spec.samples, spec.split
        self.batch_size, self.seed = spec.batch_size, spec.seed
        component = dataset if dataset is not None else get_registry().get("dataset", spec.dataset)
        self.provider = component.provider
        kind = component.record.kind
        if kind not in (None, "image"):
            raise UsageError(_not_images(spec.dataset, kind))
        source = build_dataset(
            component, spec.data_dir, split=spec.split, options=dict(spec.dataset_options)
        )
        if source.info.kind != "image" or len(source.info.shape) != 3:
            raise UsageError(_not_images(spec.dataset, source.info.kind))
        self.shape = tuple(source.info.shape)
        self._split_size = len(source)
        self.real = real_images(source, min(spec.samples, len(source)))
        self.real_sha256 = tensor_sha256(self.real)
        self.extractor: Extractor = resolve_extractor(
            spec.feature_extractor,
            dataset=spec.dataset,
            data_dir=spec.data_dir,
            dataset_options=dict(spec.dataset_options),
            inception_weights=spec.inception_weights,
            log=log,
        )
        self.cache_name = real_cache_name(
            spec.dataset,
            spec.split,
            len(self.real),
            self.real_sha256,
            self.extractor.weights_sha256,
        )
        self._log = log
        self._class_accuracy: Any = None  # built at the first conditional model
        self._extractor_module: Any = None
        self._extractor_key: tuple[Any, ...] | None = None
        self._real_sides: dict[tuple[str, str, str], realstats.RealSide] = {}
        self._floors: dict[str, dict[str, Any]] | None = None
        self.memorisation_reference: MemorisationReference | None = None
        if spec.measures_memorisation:  # the run's training images, measured against once
            self.memorisation_reference = MemorisationReference(
                lambda split: build_dataset(
                    component, spec.data_dir, split=split, options=dict(spec.dataset_options)
                ),
                spec.dataset,
                dict(spec.train_subset) if spec.train_subset else None,
                spec.samples,
            )

    def __call__(self, model: Any, step: int | None = None) -> EvalResult:
        """IS (or the classifier score), FID, KID, precision, recall, density and coverage of
        ``samples`` images from ``model``, with intervals, the real-data and noise floors,
        health and provenance (see
        :func:`ganzoo.metrics.evaluation.evaluate`).
        """
        info = getattr(model, "data_info", None)
        if info is not None and tuple(info.shape) != self.shape:
            raise UsageError(
                f"the model was built for data of shape {tuple(info.shape)}, but {self.dataset!r} "
                f"has images of shape {self.shape}"
            )
        start = time.perf_counter()
        measured, conditional, floors = self._measure_model(model)
        return self._result(measured, conditional, floors, step, time.perf_counter() - start)

    def _measure_model(self, model: Any) -> tuple[dict[str, Any], dict[str, Any], dict]:
        """The model's metrics (memorisation too, if asked), its class accuracy (if
        conditional) and the floors.

        The caller's random state (which DataLoaders draw from) and the model's train/eval
        mode are left as they were.
        """
        device = _device_of(model)
        cuda = device.type == "cuda"
        was_training = getattr(model, "training", False)  # a bare sampler has no modes
        with torch.random.fork_rng(devices=[device] if cuda else []):
            if hasattr(model, "eval"):
                model.eval()
            try:
                measured = self._measure(
                    SampledImages(model, self.shape, self.seed),
                    self.samples,
                    cuda=cuda,
                    intervals=True,
                )
                conditional = self._conditional(model)
                if self.memorisation_reference is not None:
                    measured["memorisation"] = self.memorisation_reference(
                        model, self.samples, self.seed, self.batch_size
                    )
            finally:
                if hasattr(model, "train"):
                    model.train(was_training)
            floors = self.floors(cuda=cuda)
        return measured, conditional, floors

    def _result(
        self,
        measured: dict[str, Any],
        conditional: dict[str, Any],
        floors: dict[str, dict[str, Any]],
        step: int | None,
        seconds: float,
    ) -> EvalResult:
        """One evaluation's record: the numbers, how they were measured, and the scale."""
        isc = self.extractor.inception_score
        fid = measured["fid"]
        real_fid, noise_fid = floors["real"].get("fid"), floors["noise"].get("fid")
        scaled = None
        if real_fid is not None and noise_fid is not None and noise_fid > real_fid:
            scaled = (fid - real_fid) / (noise_fid - real_fid)
        n_real = len(self.real)
        warnings_ = stats.sample_warnings(self.samples, n_real, measured["feature_dim"], isc)
        # from_dict stores a domain classifier's score as the classifier score, not IS
        return EvalResult.from_dict({
            **conditional,
            "extractor": self.extractor.name,
            "extractor_kind": self.extractor.kind,
            "extractor_test_accuracy": self.extractor.test_accuracy,
            "dataset": self.dataset,
            "dataset_options": dict(self.spec.dataset_options),
            "split": self.split,
            "samples": self.samples,
            "real_samples": n_real,
            "step": step,
            "seed": self.seed,
            "batch_size": self.batch_size,
            "inception_score_mean": measured["inception_score_mean"],
            "inception_score_std": measured["inception_score_std"],
            "inception_score_note": self.extractor.note,
            "isc_splits": measured["isc_splits"] if isc else None,
            "fid": fid,
            "fid_interval": measured["fid_interval"],
            "fid_bootstrap_rounds": stats.BOOTSTRAP_ROUNDS,
            "fid_scaled": scaled,
            "kid_mean": measured["kid_mean"],
            "kid_std": measured["kid_std"],
            "kid_interval": measured["kid_interval"],
            "kid_subsets": KID_SUBSETS,
            "kid_subset_size": measured["kid_subset_size"],
            **_neighbour_metrics(measured),
            **({"memorisation": measured["memorisation"]} if "memorisation" in measured else {}),
            "interval_level": stats.LEVEL,
            "floors": floors,
            "health": measured["health"],
            "min_samples": stats.min_samples(measured["feature_dim"]),
            "warnings": warnings_,
            "seconds": round(seconds, 3),
            "created": datetime.now().isoformat(timespec="seconds"),
            "versions": {
                "ganzoo": ganzoo.__version__,
                "torch_fidelity": torch_fidelity.__version__,
                "torch": torch.__version__,
            },
            "provenance": self.provenance(step),
        })  # fmt: skip

    def _conditional(self, model: Any) -> dict[str, Any]:
        """Class accuracy of a conditional model (``samples`` split evenly over its classes)."""
        classes = getattr(model, "num_classes", None)
        if classes is None:
            return {}
        from ganzoo.metrics.conditional import ClassAccuracy

        if self._class_accuracy is None:
            self._class_accuracy = ClassAccuracy(
                self.dataset, self.spec.data_dir, dict(self.spec.dataset_options), self._log
            )
        per_class = max(1, self.samples // classes)
        return {"conditional": True, **self._class_accuracy(model, per_class, self.seed)}

    def provenance(self, step: int | None = None, **fields: Any) -> dict[str, Any]:
        """This evaluation's provenance record (:func:`ganzoo.metrics.provenance.build`)."""
        provider = self.provider
        return provenance.build(
            extractor=self.extractor.name,
            extractor_kind=self.extractor.kind,
            extractor_weights_sha256=self.extractor.weights_sha256,
            dataset=self.dataset,
            dataset_options=dict(self.spec.dataset_options),
            split=self.split,
            samples=self.samples,
            real_samples=len(self.real),
            real_images_sha256=self.real_sha256,
            seed=self.seed,
            step=step,
            dataset_provider=str(provider),
            distributions=(
                {provider.distribution: provider.version} if provider.distribution else {}
            ),
            **fields,
        )


def _neighbour_metrics(measured: dict[str, Any]) -> dict[str, Any]:
    """Precision/recall and density/coverage, with the neighbourhoods they were measured with."""
    return {
        "precision": measured["precision"],
        "recall": measured["recall"],
        "prc_neighbourhood": stats.PRC_NEIGHBOURHOOD,
        "density": measured["density"],
        "coverage": measured["coverage"],
        "dc_neighbourhood": coverage.DC_NEIGHBOURHOOD,
    }


def real_cache_name(
    dataset: str, split: str, n: int, images_sha256: str, weights_sha256: str
) -> str:
    """The cache name of a real side: dataset, split, size, hashes of the images and weights.

    The cache file appends the extractor's name to it (:func:`realstats.cache_path`).
    """
    return f"ganzoo-{dataset}-{split}-n{n}-data-{images_sha256[:12]}-weights-{weights_sha256[:12]}"


def _device_of(model: Any) -> torch.device:
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


def _not_images(dataset: str, kind: str | None) -> str:
    return (
        f"IS, FID and KID are defined for images, but dataset {dataset!r} holds {kind} data; "
        "judge vector data by its figures (samples/) or a density-based measure instead"
    )
