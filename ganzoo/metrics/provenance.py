"""Where a number came from: one record, stored in every result file and report.

Two FIDs are comparable only if they were measured alike: the same extractor and weights,
the same resize, the same real images (split, count, content), the same sample count and
sampling seed, and the same code. :func:`build` makes that record; :data:`COMPARABLE`
lists the fields that must agree for two results to stand in one table, and
:func:`first_difference` names the first that does not. Torch-free (versions are read
from the installed distributions), so ``compare`` checks stored results cheaply.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

#: How images reach each extractor, which changes the features and so every number.
RESIZE: dict[str, str] = {
    "domain": "bilinear with antialias to the classifier's input size "
    "(torch.nn.functional.interpolate); grayscale averaged from RGB",
    "inception": "torch-fidelity's TensorFlow-1-compatible bilinear to 299×299",
}

#: Fields that must be equal for results to be compared (dotted: inside a nested record).
#: Not the step or checkpoint (runs differ there by design), nor the model's plugin.
COMPARABLE: tuple[str, ...] = (
    "extractor",
    "extractor_weights_sha256",
    "resize",
    "dataset",
    "dataset_options",
    "split",
    "samples",
    "real_samples",
    "real_images_sha256",
    "seed",
    "versions.ganzoo",
    "versions.torch",
    "versions.torch_fidelity",
    "dataset_provider",
)


def version_of(distribution: str) -> str | None:
    """The installed version of ``distribution``, or ``None``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def versions() -> dict[str, str | None]:
    """ganzoo, torch and torch-fidelity versions (what computes every number)."""
    import ganzoo

    return {
        "ganzoo": ganzoo.__version__,
        "torch": version_of("torch"),
        "torch_fidelity": version_of("torch-fidelity"),
        "numpy": version_of("numpy"),
    }


def build(
    *,
    extractor: str,
    extractor_kind: str,
    extractor_weights_sha256: str,
    dataset: str,
    dataset_options: dict[str, Any],
    split: str,
    samples: int,
    real_samples: int,
    real_images_sha256: str,
    seed: int,
    step: int | None = None,
    checkpoint: str | None = None,
    distributions: dict[str, str | None] | None = None,
    dataset_provider: str | None = None,
) -> dict[str, Any]:
    """The provenance record of one evaluation (see :data:`COMPARABLE`)."""
    return {
        "extractor": extractor,
        "extractor_kind": extractor_kind,
        "extractor_weights_sha256": extractor_weights_sha256,
        "resize": RESIZE.get(extractor_kind, "unknown"),
        "dataset": dataset,
        "dataset_options": dict(dataset_options),
        "dataset_provider": dataset_provider,
        "split": split,
        "samples": samples,
        "real_samples": real_samples,
        "real_images_sha256": real_images_sha256,
        "seed": seed,
        "step": step,
        "checkpoint": checkpoint,
        "versions": versions(),
        "distributions": dict(distributions or {}),
    }


def field_value(record: dict[str, Any], dotted: str) -> Any:
    """``record["a"]["b"]`` for ``"a.b"`` (``None`` where absent)."""
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def first_difference(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str | None:
    """The first :data:`COMPARABLE` field in which two records differ (``None``: comparable).

    A missing record (a result stored before provenance was recorded) differs in
    ``provenance`` itself.
    """
    if not a or not b:
        return "provenance"
    for name in COMPARABLE:
        if field_value(a, name) != field_value(b, name):
            return name
    return None


def markdown(record: dict[str, Any]) -> list[str]:
    """The record as a Markdown bullet list (for ``report.md``)."""
    lines = []
    for key, value in record.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
            lines.append(f"- {key}: {inner}")
        else:
            lines.append(f"- {key}: `{value}`")
    return lines
