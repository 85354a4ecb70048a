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

import contextlib
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
import torch_fidelity
from torch_fidelity.generative_model_base import GenerativeModelBase

import ganzoo
from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.host.plugins import get_registry
from ganzoo.metrics import coverage, provenance, realstats, scores, stats
from ganzoo.metrics.extractors import Extractor, resolve_extractor
from ganzoo.metrics.images import (
    UInt8Images,
    real_images,
    real_images_outside,
    tensor_sha256,
    to_uint8_rgb,
)
from ganzoo.metrics.results import save_result
from ganzoo.metrics.spec import EvalSpec
from ganzoo.runs.rundir import safe_torch_load

ISC_SPLITS = 10  # as in Salimans et al. 2016 and torch-fidelity (fewer below 100 samples)
KID_SUBSETS = 100  # torch-fidelity's defaults ...
KID_SUBSET_SIZE = 1000  # ... capped at half the smaller side: subsets holding every sample
# would all be the same set, and KID's standard deviation would be a meaningless 0.
FLOOR_SEED = 0  # the noise images of the noise floor: the same for every evaluation
#: What a floor records of its measurement (beside its source and sample count).
FLOOR_KEYS = (
    "fid", "kid_mean", "kid_std", "precision", "recall", "density", "coverage",
    "inception_score_mean", "inception_score_std",
)  # fmt: skip


class SampledImages(GenerativeModelBase):
    """A ganzoo model as torch-fidelity's generator: noise in (only its count is used), uint8 out.

    ganzoo models draw their own latent codes (``sample(n, generator)``), so GANs and VAEs
    are evaluated alike; the generator is seeded, so an evaluation is reproducible.
    """

    def __init__(self, model: Any, shape: tuple[int, ...], seed: int) -> None:
        super().__init__()
        self.model = model
        self.shape = tuple(shape)
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def z_size(self) -> int:
        return 1

    @property
    def z_type(self) -> str:
        return "normal"

    @property
    def num_classes(self) -> int:
        return 0

    @torch.no_grad()
    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        x = self.model.sample(noise.shape[0], generator=self.generator)
        if tuple(x.shape[1:]) != self.shape:
            raise UsageError(
                f"the model samples images of shape {tuple(x.shape[1:])}, but the real "
                f"images have shape {self.shape}"
            )
        return to_uint8_rgb(x).to(noise.device)


class Evaluator:
    """Real images and a feature extractor prepared once; call it on a model per evaluation.

    The training loop keeps one for ``--eval-every``; :func:`evaluate` builds one per call.
    """

    def __init__(self, spec: EvalSpec, log: Callable[[str], None] | None = None) -> None:
        from ganzoo.host.build import load_dataset

        spec.validate()
        if spec.dataset is None:
            raise UsageError("an evaluation needs a dataset (EvalSpec.dataset)")
        self.spec = spec
        self.dataset, self.samples, self.split = spec.dataset, spec.samples, spec.split
        self.batch_size, self.seed = spec.batch_size, spec.seed
        kind = get_registry().get("dataset", spec.dataset).meta.get("kind")
        if kind not in (None, "image"):
            raise UsageError(_not_images(spec.dataset, kind))
        source = load_dataset(
            spec.dataset, spec.data_dir, split=spec.split, options=dict(spec.dataset_options)
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

    def __call__(self, model: Any, step: int | None = None) -> dict[str, Any]:
        """IS, FID, KID, precision and recall of ``samples`` images from ``model``, with
        intervals, the real-data and noise floors, health and provenance (see :func:`evaluate`).
        """
        info = getattr(model, "data_info", None)
        if info is not None and tuple(info.shape) != self.shape:
            raise UsageError(
                f"the model was built for data of shape {tuple(info.shape)}, but {self.dataset!r} "
                f"has images of shape {self.shape}"
            )
        device = _device_of(model)
        n_real = len(self.real)
        start = time.perf_counter()
        was_training = getattr(model, "training", False)  # a bare sampler has no modes
        # Evaluation never changes the caller's random state (DataLoaders draw from it).
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            if hasattr(model, "eval"):
                model.eval()
            try:
                measured = self._measure(
                    SampledImages(model, self.shape, self.seed),
                    self.samples,
                    cuda=device.type == "cuda",
                    intervals=True,
                )
                conditional = self._conditional(model)
            finally:
                if hasattr(model, "train"):
                    model.train(was_training)
            floors = self.floors(cuda=device.type == "cuda")
        isc = self.extractor.inception_score
        fid = measured["fid"]
        real_fid, noise_fid = floors["real"].get("fid"), floors["noise"].get("fid")
        scaled = None
        if real_fid is not None and noise_fid is not None and noise_fid > real_fid:
            scaled = (fid - real_fid) / (noise_fid - real_fid)
        warnings_ = stats.sample_warnings(self.samples, n_real, measured["feature_dim"], isc)
        result = {
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
            "precision": measured["precision"],
            "recall": measured["recall"],
            "prc_neighbourhood": stats.PRC_NEIGHBOURHOOD,
            "density": measured["density"],
            "coverage": measured["coverage"],
            "dc_neighbourhood": coverage.DC_NEIGHBOURHOOD,
            "interval_level": stats.LEVEL,
            "floors": floors,
            "health": measured["health"],
            "min_samples": stats.min_samples(measured["feature_dim"]),
            "warnings": warnings_,
            "seconds": round(time.perf_counter() - start, 3),
            "created": datetime.now().isoformat(timespec="seconds"),
            "versions": {
                "ganzoo": ganzoo.__version__,
                "torch_fidelity": torch_fidelity.__version__,
                "torch": torch.__version__,
            },
            "provenance": self.provenance(step),
        }
        return scores.to_stored_names(result)  # a domain classifier's score is not IS

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
        provider = get_registry().get("dataset", self.dataset).provider
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


def evaluate(
    model: Any,
    spec: EvalSpec | None = None,
    *,
    step: int | None = None,
    log: Callable[[str], None] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """IS, FID and KID of ``spec.samples`` images from ``model`` against the spec's real images.

    ``model`` is anything with ``sample(n, generator=None)`` returning images in ``[-1, 1]``
    (GANs and VAEs alike). The real side is a fixed random subset of at most ``samples``
    images of the split. Give an :class:`EvalSpec`, or its fields as keywords
    (``evaluate(model, dataset="digits", samples=100)``). The result holds the keys of
    :data:`ganzoo.metrics.results.REQUIRED_KEYS` and more; the score is
    ``classifier_score_mean`` under a domain extractor (:mod:`ganzoo.metrics.scores`),
    ``inception_score_mean`` under Inception, ``None`` when it cannot be meaningful. The
    same seed gives the same numbers; the caller's random state is left untouched.
    """
    spec = (spec or EvalSpec()).replace(**fields) if fields else spec or EvalSpec()
    return Evaluator(spec, log=log)(model, step=step)


def evaluate_run(
    run_dir: str | Path,
    spec: EvalSpec | None = None,
    *,
    device: str = "auto",
    checkpoint: Path | None = None,
    ema: bool = True,
    log: Callable[[str], None] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Evaluate a run's newest (or given) checkpoint and save the result under ``RUN/eval/``.

    The dataset, its options and (unless ``spec.data_dir`` is given) its folder come from
    the run's config. A run trained with ``--ema`` is measured with its generator's moving
    average unless ``ema=False``. Only ``RUN/eval/`` is written; training files are never
    touched.
    """
    from ganzoo.host.device import resolve_device
    from ganzoo.runs.loading import load_run_model
    from ganzoo.runs.rundir import RunDir

    spec = (spec or EvalSpec()).replace(**fields)
    run = RunDir.open(run_dir)
    spec.validate()
    config = run.read_config()["config"]
    spec = spec.replace(
        dataset=config["dataset"],
        data_dir=spec.data_dir or config.get("data_dir"),
        dataset_options=config.get("dataset_options") or {},
    )
    checkpoint = checkpoint or run.latest_checkpoint()
    if checkpoint is None:
        raise UsageError(f"{run.path} has no checkpoint to evaluate (did the run start?)")
    model = load_run_model(
        run.path, device=str(resolve_device(device)), checkpoint=checkpoint, ema=ema
    )
    result = evaluate(model, spec, step=_checkpoint_step(run, checkpoint), log=log)
    result.update(
        run=str(run.path),
        model=config.get("model"),
        loss=config.get("loss"),
        checkpoint=checkpoint.name,
        ema=model.uses_ema,
    )
    add_run_provenance(result, run.read_config(), checkpoint.name)
    save_result(run.path, result)
    return result


def add_run_provenance(
    result: dict[str, Any], stored_config: dict[str, Any], checkpoint: str | None
) -> None:
    """Complete ``result["provenance"]`` with the run's checkpoint and plugin distributions."""
    record = result.setdefault("provenance", {})
    record["checkpoint"] = checkpoint
    record["step"] = result.get("step")
    record["ema"] = result.get("ema")
    record["distributions"] = {
        **record.get("distributions", {}),
        **(stored_config.get("distributions") or {}),
    }
    record["components"] = {
        kind: c.get("provider") for kind, c in (stored_config.get("components") or {}).items()
    }


def real_cache_name(
    dataset: str, split: str, n: int, images_sha256: str, weights_sha256: str
) -> str:
    """The cache name of a real side: dataset, split, size, hashes of the images and weights.

    The cache file appends the extractor's name to it (:func:`realstats.cache_path`).
    """
    return f"ganzoo-{dataset}-{split}-n{n}-data-{images_sha256[:12]}-weights-{weights_sha256[:12]}"


def _checkpoint_step(run: Any, checkpoint: Path) -> int:
    match = re.fullmatch(r"step_(\d+)\.pt", checkpoint.name)
    if match:
        return int(match.group(1))
    return int(run.load_checkpoint(checkpoint)["step"])


def _device_of(model: Any) -> torch.device:
    try:
        return next(model.parameters()).device
    except (AttributeError, StopIteration):
        return torch.device("cpu")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _not_images(dataset: str, kind: str | None) -> str:
    return (
        f"IS, FID and KID are defined for images, but dataset {dataset!r} holds {kind} data; "
        "judge vector data by its figures (samples/) or a density-based measure instead"
    )
