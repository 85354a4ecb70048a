"""The torch-fidelity calls of an evaluation, with ganzoo's own cache of the real side.

:class:`FidelityBridge` is the part of :class:`ganzoo.metrics.fidelity.Evaluator` that talks
to ``torch_fidelity``: the same steps and functions as ``calculate_metrics`` (so the same
numbers), but the real side's features and statistics come from
:mod:`ganzoo.metrics.realstats` (plain arrays; torch-fidelity's cache unpickles), and the
feature extractor is built once per evaluator.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch_fidelity

from ganzoo.api.errors import UsageError
from ganzoo.metrics import coverage, realstats, stats
from ganzoo.metrics.extractors import Extractor
from ganzoo.metrics.images import UInt8Images
from ganzoo.metrics.sampled import SampledImages
from ganzoo.runs.rundir import safe_torch_load

ISC_SPLITS = 10  # as in Salimans et al. 2016 and torch-fidelity (fewer below 100 samples)
KID_SUBSETS = 100  # torch-fidelity's defaults ...
KID_SUBSET_SIZE = 1000  # ... capped at half the smaller side: subsets holding every sample
# would all be the same set, and KID's standard deviation would be a meaningless 0.


class FidelityBridge:
    """Every metric of a set of images against the evaluator's real images.

    Expects ``real``, ``extractor``, ``cache_name``, ``batch_size`` and ``seed`` of the
    evaluator, and the caches ``_extractor_module``, ``_extractor_key`` and ``_real_sides``.
    """

    real: torch.Tensor
    extractor: Extractor
    cache_name: str
    batch_size: int
    seed: int
    _extractor_module: Any
    _extractor_key: tuple[Any, ...] | None
    _real_sides: dict[tuple[str, str, str], realstats.RealSide]

    def _measure(
        self, input1: Any, n: int, *, cuda: bool, intervals: bool = False
    ) -> dict[str, Any]:
        """Every metric of ``n`` images of ``input1`` (a sampler or a dataset) vs the real side."""
        n_real = len(self.real)
        kid_subset = min(KID_SUBSET_SIZE, max(2, min(n, n_real) // 2))
        isc_splits = ISC_SPLITS if n >= 10 * ISC_SPLITS else max(1, n // 10)
        kwargs: dict[str, Any] = dict(
            input1=input1,
            input2=UInt8Images(self.real),
            cache=False,  # torch-fidelity's cache unpickles; ganzoo keeps its own
            cuda=cuda,
            batch_size=self.batch_size,
            isc=self.extractor.inception_score,
            fid=True,
            kid=True,
            isc_splits=isc_splits,
            kid_subsets=KID_SUBSETS,
            kid_subset_size=kid_subset,
            rng_seed=self.seed,
            save_cpu_ram=True,  # no DataLoader worker processes: the images are in memory
            verbose=False,
            **self.extractor.fidelity_kwargs(),
        )
        if isinstance(input1, SampledImages):
            kwargs["input1_model_num_samples"] = n
        metrics, fake, real = self._metrics(**kwargs)
        fid = _float(metrics[torch_fidelity.KEY_METRIC_FID])
        kid_mean = _float(metrics[torch_fidelity.KEY_METRIC_KID_MEAN])
        kid_std = _float(metrics[torch_fidelity.KEY_METRIC_KID_STD])
        out: dict[str, Any] = {
            "inception_score_mean": _float(metrics.get(torch_fidelity.KEY_METRIC_ISC_MEAN)),
            "inception_score_std": _float(metrics.get(torch_fidelity.KEY_METRIC_ISC_STD)),
            "isc_splits": isc_splits,
            "fid": fid,
            "kid_mean": kid_mean,
            "kid_std": kid_std,
            "kid_subset_size": kid_subset,
            "feature_dim": int(fake["features"].shape[1]),
            **stats.precision_recall(fake["features"], real),
            **coverage.density_coverage(fake["features"], real),
            "health": stats.mode_collapse(fake["features"], real, fake.get("logits")),
        }
        if intervals:
            low, high = stats.bootstrap_fid(fake["features"], real, fid, seed=self.seed)
            out["fid_interval"] = [low, high]
            out["kid_interval"] = list(stats.kid_interval(kid_mean, kid_std))
        return out

    def _metrics(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any], torch.Tensor]:
        """``torch_fidelity.calculate_metrics`` for IS, FID and KID, with ganzoo's real-side cache.

        The same steps and functions as torch-fidelity's ``calculate_metrics`` (so the same
        numbers), except that the real side's features and FID statistics come from
        :mod:`ganzoo.metrics.realstats` (plain arrays) instead of torch-fidelity's pickled
        cache, and the feature extractor is built once per :class:`Evaluator`. Also returns
        the generated side's features (``features``: FID's layer; ``logits``: a domain
        classifier's, for its class histogram) and the real side's, for precision, recall,
        intervals and health, computed on the same features.
        """
        from torch_fidelity import utils as tfu
        from torch_fidelity.metric_fid import (
            fid_featuresdict_to_statistics,
            fid_statistics_to_metric,
        )
        from torch_fidelity.metric_isc import isc_featuresdict_to_metric
        from torch_fidelity.metric_kid import kid_featuresdict_to_metric

        name = tfu.resolve_feature_extractor(**kwargs)
        layer = {m: tfu.resolve_feature_layer_for_metric(m, **kwargs) for m in ("fid", "kid")}
        if kwargs["isc"]:
            layer["isc"] = tfu.resolve_feature_layer_for_metric("isc", **kwargs)
        if self.extractor.kind == "domain":
            layer["logits"] = "logits"  # the class histogram of the health check
        # KID's features serve precision, recall and the FID bootstrap too: one real cache.
        if layer["fid"] != layer["kid"]:
            raise UsageError(f"extractor {name}: FID and KID read different layers")
        extractor = self._feature_extractor(name, sorted(set(layer.values())), kwargs)
        # The real side first: a refused cache fails before any image is generated.
        real = self._real_side(extractor, layer["kid"], layer["fid"], kwargs)
        fake = tfu.extract_featuresdict_from_input_id(1, extractor, **kwargs)
        metrics: dict[str, Any] = {}
        if kwargs["isc"]:
            metrics.update(isc_featuresdict_to_metric(fake, layer["isc"], **kwargs))
        fake_stats = fid_featuresdict_to_statistics(fake, layer["fid"])
        metrics.update(fid_statistics_to_metric(fake_stats, real.fid_stats, False))
        metrics.update(
            kid_featuresdict_to_metric(
                fake, {layer["kid"]: real.kid_features}, layer["kid"], **kwargs
            )
        )
        features = {"features": fake[layer["fid"]]}
        if "logits" in layer:
            features["logits"] = fake["logits"]
        return metrics, features, real.kid_features

    def _feature_extractor(self, name: str, layers: list[str], kwargs: dict[str, Any]) -> Any:
        """torch-fidelity's extractor ``name`` for ``layers`` (built once, then reused).

        torch-fidelity reads a weights path with ``torch.load(..., weights_only=False)``.
        Domain classifiers are ganzoo's own class (which loads with ``weights_only=True``);
        Inception weights are handed over as a private copy that ganzoo has just written
        from the tensors of a ``weights_only=True`` load, so nothing it unpickles can run code.
        """
        from torch_fidelity import utils as tfu

        key = (name, tuple(layers), bool(kwargs["cuda"]))
        if self._extractor_key != key:
            if self.extractor.kind == "inception":
                with _private_weights_copy(self.extractor.weights_path) as path:
                    built = tfu.create_feature_extractor(
                        name, layers, **{**kwargs, "feature_extractor_weights_path": str(path)}
                    )
            else:
                built = tfu.create_feature_extractor(name, layers, **kwargs)
            self._extractor_module, self._extractor_key = built, key
        return self._extractor_module

    def _real_side(
        self, extractor: Any, kid_layer: str, fid_layer: str, kwargs: dict[str, Any]
    ) -> realstats.RealSide:
        """The real images' KID features and FID statistics: memory, the cache, or computed."""
        from torch_fidelity import utils as tfu
        from torch_fidelity.metric_fid import fid_featuresdict_to_statistics

        key = (extractor.get_name(), kid_layer, fid_layer)
        if key in self._real_sides:
            return self._real_sides[key]
        path = realstats.cache_path(self.cache_name, extractor.get_name())
        real = realstats.load(path, kid_layer, fid_layer)
        if real is None:
            features = tfu.extract_featuresdict_from_input_id(2, extractor, **kwargs)
            real = realstats.RealSide(
                features[kid_layer], fid_featuresdict_to_statistics(features, fid_layer)
            )
            realstats.save(path, real, kid_layer, fid_layer)
        self._real_sides[key] = real
        return real


@contextlib.contextmanager
def _private_weights_copy(path: Path) -> Iterator[Path]:
    """``path``'s tensors, loaded with ``weights_only=True``, saved in a private temp folder."""
    try:
        state = safe_torch_load(path)
    except Exception as exc:  # checked before, but the file may have changed since
        raise UsageError(
            f"refusing Inception weights {path}: it no longer loads as plain tensors with "
            "weights_only=True, so it could run code when unpickled"
        ) from exc
    with tempfile.TemporaryDirectory(prefix="ganzoo-weights-") as folder:  # mode 0700
        copy = Path(folder) / path.name
        torch.save(state, copy)
        yield copy


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
