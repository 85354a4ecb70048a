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
from ganzoo.errors import UsageError
from ganzoo.metrics import realstats
from ganzoo.metrics.extractors import Extractor, resolve_extractor
from ganzoo.metrics.images import UInt8Images, real_images, tensor_sha256, to_uint8_rgb
from ganzoo.metrics.results import save_result
from ganzoo.metrics.spec import EvalSpec
from ganzoo.plugins import get_registry
from ganzoo.rundir import safe_torch_load

ISC_SPLITS = 10  # as in Salimans et al. 2016 and torch-fidelity (fewer below 100 samples)
KID_SUBSETS = 100  # torch-fidelity's defaults ...
KID_SUBSET_SIZE = 1000  # ... capped at half the smaller side: subsets holding every sample
# would all be the same set, and KID's standard deviation would be a meaningless 0.


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
        from ganzoo.build import load_dataset

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
        self.real = real_images(source, min(spec.samples, len(source)))
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
            tensor_sha256(self.real),
            self.extractor.weights_sha256,
        )
        self._log = log
        self._class_accuracy: Any = None  # built at the first conditional model
        self._extractor_module: Any = None
        self._extractor_key: tuple[Any, ...] | None = None
        self._real_sides: dict[tuple[str, str, str], realstats.RealSide] = {}

    def __call__(self, model: Any, step: int | None = None) -> dict[str, Any]:
        """IS, FID and KID of ``samples`` images drawn from ``model`` (see :func:`evaluate`)."""
        info = getattr(model, "data_info", None)
        if info is not None and tuple(info.shape) != self.shape:
            raise UsageError(
                f"the model was built for data of shape {tuple(info.shape)}, but {self.dataset!r} "
                f"has images of shape {self.shape}"
            )
        device = _device_of(model)
        n_real = len(self.real)
        kid_subset = min(KID_SUBSET_SIZE, max(2, min(self.samples, n_real) // 2))
        isc_splits = ISC_SPLITS if self.samples >= 10 * ISC_SPLITS else max(1, self.samples // 10)
        start = time.perf_counter()
        was_training = getattr(model, "training", False)  # a bare sampler has no modes
        # Evaluation never changes the caller's random state (DataLoaders draw from it).
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            if hasattr(model, "eval"):
                model.eval()
            try:
                metrics = self._metrics(
                    input1=SampledImages(model, self.shape, self.seed),
                    input1_model_num_samples=self.samples,
                    input2=UInt8Images(self.real),
                    cache=False,  # torch-fidelity's cache unpickles; ganzoo keeps its own
                    cuda=device.type == "cuda",
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
                conditional = self._conditional(model)
            finally:
                if hasattr(model, "train"):
                    model.train(was_training)
        isc = self.extractor.inception_score
        return {
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
            "inception_score_mean": _float(metrics.get(torch_fidelity.KEY_METRIC_ISC_MEAN)),
            "inception_score_std": _float(metrics.get(torch_fidelity.KEY_METRIC_ISC_STD)),
            "inception_score_note": self.extractor.note,
            "isc_splits": isc_splits if isc else None,
            "fid": _float(metrics[torch_fidelity.KEY_METRIC_FID]),
            "kid_mean": _float(metrics[torch_fidelity.KEY_METRIC_KID_MEAN]),
            "kid_std": _float(metrics[torch_fidelity.KEY_METRIC_KID_STD]),
            "kid_subsets": KID_SUBSETS,
            "kid_subset_size": kid_subset,
            "seconds": round(time.perf_counter() - start, 3),
            "created": datetime.now().isoformat(timespec="seconds"),
            "versions": {
                "ganzoo": ganzoo.__version__,
                "torch_fidelity": torch_fidelity.__version__,
                "torch": torch.__version__,
            },
        }

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

    def _metrics(self, **kwargs: Any) -> dict[str, Any]:
        """``torch_fidelity.calculate_metrics`` for IS, FID and KID, with ganzoo's real-side cache.

        The same steps and functions as torch-fidelity's ``calculate_metrics`` (so the same
        numbers), except that the real side's features and FID statistics come from
        :mod:`ganzoo.metrics.realstats` (plain arrays) instead of torch-fidelity's pickled
        cache, and the feature extractor is built once per :class:`Evaluator`.
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
        return metrics

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
    :data:`ganzoo.metrics.results.REQUIRED_KEYS` and more; ``inception_score_mean`` is
    ``None`` when the extractor cannot give a meaningful IS. The same seed gives the same
    numbers; the caller's random state is left untouched.
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
    from ganzoo.build import load_run_model
    from ganzoo.device import resolve_device
    from ganzoo.rundir import RunDir

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
    save_result(run.path, result)
    return result


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
