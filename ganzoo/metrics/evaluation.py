"""Evaluate a model, or a run's checkpoint (stored under ``RUN/eval/``), in one call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.metrics.fidelity import Evaluator
from ganzoo.metrics.results import EvalResult, attach_run, save_result
from ganzoo.metrics.spec import EvalSpec
from ganzoo.runs.rundir import RunDir


def evaluate(
    model: Any,
    spec: EvalSpec | None = None,
    *,
    step: int | None = None,
    log: Callable[[str], None] | None = None,
    **fields: Any,
) -> EvalResult:
    """IS, FID and KID of ``spec.samples`` images from ``model`` against the spec's real images.

    ``model`` is anything with ``sample(n, generator=None)`` returning images in ``[-1, 1]``
    (GANs and VAEs alike). The real side is a fixed random subset of at most ``samples``
    images of the split. Give an :class:`EvalSpec`, or its fields as keywords
    (``evaluate(model, dataset="digits", samples=100)``). The result is an
    :class:`~ganzoo.metrics.results.EvalResult`; its score is ``classifier_score_mean``
    under a domain extractor (:mod:`ganzoo.metrics.scores`), ``inception_score_mean`` under
    Inception, ``None`` when it cannot be meaningful. The same seed gives the same numbers;
    the caller's random state is left untouched.
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
) -> EvalResult:
    """Evaluate a run's newest (or given) checkpoint and save the result under ``RUN/eval/``.

    The dataset, its options and (unless ``spec.data_dir`` is given) its folder come from
    the run's config, and so does its training subset (``--data-fraction``): memorisation
    is measured against exactly those images. A run trained with ``--ema`` is measured with
    its generator's moving average unless ``ema=False``. Only ``RUN/eval/`` is written;
    training files are never touched.
    """
    from ganzoo.host.device import resolve_device
    from ganzoo.runs.loading import load_run_model

    spec = (spec or EvalSpec()).replace(**fields)
    run = RunDir.open(run_dir)
    spec.validate()
    config = run.read_config()["config"]
    stored = run.read_config()
    subset = stored.get("subset")  # the training subset, with the hash of its positions
    spec = spec.replace(
        dataset=config["dataset"],
        data_dir=spec.data_dir or config.get("data_dir"),
        dataset_options=config.get("dataset_options") or {},
        train_subset=dict(subset) if subset else None,
    )
    checkpoint = checkpoint or run.latest_checkpoint()
    if checkpoint is None:
        raise UsageError(f"{run.path} has no checkpoint to evaluate (did the run start?)")
    model = load_run_model(
        run.path, device=str(resolve_device(device)), checkpoint=checkpoint, ema=ema
    )
    result = evaluate(model, spec, step=_checkpoint_step(run, checkpoint), log=log)
    result = attach_run(
        result, stored, run=str(run.path), checkpoint=checkpoint.name, ema=model.uses_ema
    )
    save_result(run.path, result)
    return result


def _checkpoint_step(run: RunDir, checkpoint: Path) -> int:
    step = RunDir.checkpoint_step(checkpoint)
    return step if step is not None else int(run.load_checkpoint(checkpoint)["step"])
