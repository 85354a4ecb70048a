"""Evaluation results in a run folder: ``RUN/eval/<step>-<extractor>-n<samples>-...json``.

One JSON file per evaluation, written atomically beside (never over) the training files.
Torch-free, so that ``compare`` and scripts read results cheaply.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.metrics import scores
from ganzoo.metrics.numbers import format_interval, format_value
from ganzoo.runs.files import atomic_write_json

EVAL_DIR = "eval"
#: Keys every result has (``compare`` relies on them), beside its score: ``inception_score_*``
#: (Inception) or ``classifier_score_*`` (a domain extractor; see :mod:`ganzoo.metrics.scores`),
#: ``None`` when unavailable.
REQUIRED_KEYS: tuple[str, ...] = (
    "extractor",
    "samples",
    "dataset",
    "split",
    "step",
    "fid",
    "kid_mean",
    "kid_std",
    "seconds",
)


@dataclass(eq=False)  # equal to another result, or a dict, with the same JSON form
class EvalResult(Mapping[str, Any]):
    """One evaluation: the numbers, how they were measured, the scale, and where they came from.

    Each field is the JSON key it is stored under (``RUN/eval/*.json``, ``--json``, a
    comparison's runs); :meth:`to_dict` and :meth:`from_dict` are the one serialiser. Adding a
    metric is one field here. Keys a stored file does not hold (a result written by an older
    ganzoo, or the run fields of a bare :func:`~ganzoo.metrics.evaluation.evaluate`) stay
    absent when written again, and keys this ganzoo does not know are kept as they were.

    ganzoo reads the attributes; scripts may still read a result as a read-only mapping of
    its JSON keys (``result["fid"]``).
    """

    # --- what was measured, against what ---
    extractor: str
    samples: int
    dataset: str
    split: str
    step: int | None
    fid: float | None
    kid_mean: float | None
    kid_std: float | None
    seconds: float
    extractor_kind: str | None = None
    extractor_test_accuracy: float | None = None
    dataset_options: dict[str, Any] | None = None
    real_samples: int | None = None
    seed: int | None = None
    batch_size: int | None = None
    # --- the metrics and their intervals ---
    # the score: IS under Inception, the classifier score under a domain extractor (only the
    # extractor's pair is stored; see :mod:`ganzoo.metrics.scores`)
    inception_score_mean: float | None = None
    inception_score_std: float | None = None
    inception_score_note: str | None = None
    classifier_score_mean: float | None = None
    classifier_score_std: float | None = None
    classifier_score_note: str | None = None
    isc_splits: int | None = None
    fid_interval: list[float] | None = None
    fid_bootstrap_rounds: int | None = None
    fid_scaled: float | None = None
    kid_interval: list[float] | None = None
    kid_subsets: int | None = None
    kid_subset_size: int | None = None
    precision: float | None = None
    recall: float | None = None
    prc_neighbourhood: int | None = None
    density: float | None = None
    coverage: float | None = None
    dc_neighbourhood: int | None = None
    interval_level: float | None = None
    # nearest-neighbour memorisation against the run's training images (see
    # ganzoo.metrics.memorisation): ratio, closer_fraction, z_u, distances, the subset
    memorisation: dict[str, Any] | None = None
    # --- the scale, the checks, where the numbers came from ---
    floors: dict[str, dict[str, Any]] | None = None
    health: dict[str, Any] | None = None
    min_samples: int | None = None
    warnings: list[str] | None = None
    created: str | None = None
    versions: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None
    # --- a class-conditional model ---
    conditional: bool | None = None
    conditional_accuracy: float | None = None
    conditional_accuracy_note: str | None = None
    conditional_accuracy_per_class: list[float] | None = None
    conditional_samples_per_class: int | None = None
    conditional_classifier_test_accuracy: float | None = None
    # --- the run it measured (absent for a bare model) ---
    run: str | None = None
    model: str | None = None
    loss: str | None = None
    checkpoint: str | None = None
    ema: bool | None = None
    # --- bookkeeping of the serialiser ---
    absent: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalResult:
        """A result from its JSON form; :class:`ValueError` if a required key is missing.

        A domain extractor's score stored (or measured) as ``inception_score_*``, by files
        older than the classifier score, is read as ``classifier_score_*``, floors included.
        """
        data = scores.to_stored_names(dict(data))
        missing = [k for k in REQUIRED_KEYS if k not in data]
        prefix = scores.score_prefix(data)
        missing += [prefix + k for k in ("_mean", "_std") if prefix + k not in data]
        if missing:
            raise ValueError(f"evaluation result lacks {', '.join(missing)}")
        known = {k: v for k, v in data.items() if k in _FIELDS}
        return cls(
            **known,
            absent=frozenset(_FIELDS - set(data)),
            extra={k: v for k, v in data.items() if k not in _FIELDS},
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: every key the result holds, and only those (one score's keys)."""
        other = scores.INCEPTION if self.score_prefix == scores.CLASSIFIER else scores.CLASSIFIER
        out = {
            name: getattr(self, name)
            for name in _ORDER
            if name not in self.absent and not name.startswith(other)
        }
        return {**self.extra, **out}

    def with_fields(self, **values: Any) -> EvalResult:
        """A copy with ``values`` set (and present in its JSON form)."""
        unknown = set(values) - _FIELDS
        if unknown:
            raise TypeError(f"EvalResult has no field {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **values, absent=self.absent - set(values))

    # a read-only mapping of the JSON keys, for scripts written against dict results
    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def floor(self, kind: str, key: str) -> float | None:
        """What ``kind`` (``real`` or ``noise``) scores on ``key`` in this result's floors."""
        return ((self.floors or {}).get(kind) or {}).get(key)

    @property
    def score_prefix(self) -> str:
        """``classifier_score`` under a domain extractor, ``inception_score`` otherwise."""
        if self.classifier_score_mean is not None or self.classifier_score_std is not None:
            return scores.CLASSIFIER
        domain = scores.is_domain_extractor(self.extractor, self.extractor_kind)
        return scores.CLASSIFIER if domain else scores.INCEPTION

    @property
    def score(self) -> tuple[float | None, float | None]:
        """(mean, std) of the score: IS, or a domain extractor's classifier score."""
        prefix = self.score_prefix
        return getattr(self, f"{prefix}_mean"), getattr(self, f"{prefix}_std")

    @property
    def score_label(self) -> str:
        """How tables name the score: ``IS`` or ``classifier score (domain IS)``."""
        return scores.LABELS[self.score_prefix]

    @property
    def score_note(self) -> str | None:
        """Why the score is unavailable, if it is."""
        return self.classifier_score_note or self.inception_score_note

    @property
    def collapse_reasons(self) -> list[str]:
        """Why the health check calls the samples mode-collapsed (empty: it does not)."""
        health = self.health or {}
        return list(health.get("reasons", [])) if health.get("mode_collapse") else []


_BOOKKEEPING = {"absent", "extra"}
_ORDER: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(EvalResult) if f.name not in _BOOKKEEPING
)
_FIELDS: frozenset[str] = frozenset(_ORDER)


def as_result(result: EvalResult | Mapping[str, Any]) -> EvalResult:
    """``result`` as an :class:`EvalResult` (a dict in the JSON shape is converted)."""
    return result if isinstance(result, EvalResult) else EvalResult.from_dict(result)


def attach_run(
    result: EvalResult,
    stored_config: Mapping[str, Any],
    *,
    run: str,
    checkpoint: str | None,
    ema: bool,
) -> EvalResult:
    """The result of a run's checkpoint: the run's fields and a complete provenance.

    The one place where a measurement becomes a run's result, for ``ganzoo eval`` and for
    ``--eval-every`` alike: ``stored_config`` is the run's ``config.json`` record (its
    config, components and distributions), ``checkpoint`` the file measured (``None``
    during training, which measures the model in memory).
    """
    config = stored_config.get("config") or {}
    record = dict(result.provenance or {})
    record["checkpoint"] = checkpoint
    record["step"] = result.step
    record["ema"] = ema
    record["distributions"] = {
        **record.get("distributions", {}),
        **(stored_config.get("distributions") or {}),
    }
    record["components"] = {
        kind: c.get("provider") for kind, c in (stored_config.get("components") or {}).items()
    }
    fields: dict[str, Any] = {
        "run": run, "model": config.get("model"), "loss": config.get("loss"), "ema": ema,
        "provenance": record,
    }  # fmt: skip
    if checkpoint is not None:
        fields["checkpoint"] = checkpoint
    return result.with_fields(**fields)


def result_path(run_dir: str | Path, result: EvalResult | Mapping[str, Any]) -> Path:
    """Where ``result`` is stored: its name says step, extractor, sample count, split, seed."""
    r = as_result(result)
    stem = f"step_{r.step:08d}" if isinstance(r.step, int) else "step_unknown"
    seed = r.seed if r.seed is not None else 0
    name = f"{stem}-{r.extractor}-n{r.samples}-{r.split}-seed{seed}.json"
    return Path(run_dir) / EVAL_DIR / name


def save_result(run_dir: str | Path, result: EvalResult | Mapping[str, Any]) -> Path:
    """Write ``result`` atomically under ``RUN/eval/``; return its path.

    A dict must hold :data:`REQUIRED_KEYS` (:class:`ValueError` naming the missing ones).
    """
    r = as_result(result)
    path = result_path(run_dir, r)
    atomic_write_json(path, r.to_dict())
    return path


def load_results(run_dir: str | Path) -> list[EvalResult]:
    """Every evaluation stored in ``run_dir``, ordered by step, extractor and sample count.

    Files written by older ganzoo versions load too (fields they lack are ``None``). A file
    that is not a valid result is skipped with a warning naming it.
    """
    results = []
    for path in sorted((Path(run_dir) / EVAL_DIR).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            warnings.warn(f"skipping unreadable evaluation {path}: {exc}", stacklevel=2)
            continue
        try:
            if not isinstance(data, dict):
                raise ValueError("not an object")
            results.append(EvalResult.from_dict(data))
        except (ValueError, TypeError):
            warnings.warn(f"skipping {path}: not a ganzoo evaluation result", stacklevel=2)

    def order(r: EvalResult) -> tuple[int, str, int]:
        return (r.step if isinstance(r.step, int) else -1, r.extractor, r.samples)

    return sorted(results, key=order)


def floors_text(result: EvalResult, key: str, digits: int = 3) -> str:
    """``(real data: 0.071, noise: 6.339)``: the floor and ceiling beside a score."""
    real, noise = result.floor("real", key), result.floor("noise", key)
    if real is None and noise is None:
        return ""
    return (
        f"(real data: {format_value(real, digits=digits)}, "
        f"noise: {format_value(noise, digits=digits)})"
    )


def metric_rows(result: EvalResult) -> list[tuple[str, str, str, str, str]]:
    """(metric, value, interval, real data, noise) per metric, as tables print them."""
    r = result
    digits = {"kid_mean": 4}

    def cell(kind: str, key: str) -> str:
        return format_value(r.floor(kind, key), digits=digits.get(key, 3))

    score = f"{r.score_prefix}_mean"
    return [
        (f"{r.score_label} ↑", format_value(*r.score, 3), "", cell("real", score),
         cell("noise", score)),
        ("FID ↓", format_value(r.fid, digits=3), format_interval(r.fid_interval),
         cell("real", "fid"), cell("noise", "fid")),
        ("KID ↓", format_value(r.kid_mean, digits=4), format_interval(r.kid_interval, 4),
         cell("real", "kid_mean"), cell("noise", "kid_mean")),
        ("precision ↑", format_value(r.precision, digits=3), "",
         cell("real", "precision"), cell("noise", "precision")),
        ("recall ↑", format_value(r.recall, digits=3), "",
         cell("real", "recall"), cell("noise", "recall")),
        ("density ↑", format_value(r.density, digits=3), "",
         cell("real", "density"), cell("noise", "density")),
        ("coverage ↑", format_value(r.coverage, digits=3), "",
         cell("real", "coverage"), cell("noise", "coverage")),
    ]  # fmt: skip


def health_text(result: EvalResult) -> str:
    """``mode collapse: class 8 holds 100% of samples`` or an empty string."""
    health = result.health or {}
    if not health.get("mode_collapse"):
        return ""
    return "mode collapse: " + "; ".join(health.get("reasons", []))


def summary_line(result: EvalResult) -> str:
    """One line with every number and, beside them, the extractor that produced them."""
    r = result
    line = (
        f"step {r.step}  [{r.extractor}, {r.samples} samples vs {r.dataset}/{r.split}]  "
        f"{r.score_label} {format_value(*r.score, 3)}  "
        f"FID {format_value(r.fid, digits=3)} "
        f"{format_interval(r.fid_interval)} {floors_text(r, 'fid')}  "
        f"KID {format_value(r.kid_mean, r.kid_std)}"
        + (
            f"  class accuracy {format_value(r.conditional_accuracy, digits=3)}"
            if r.conditional
            else ""
        )
    )
    if r.precision is not None:
        line += f"  precision {r.precision:.3f}  recall {r.recall:.3f}"
    if r.density is not None:
        line += f"  density {r.density:.3f}  coverage {r.coverage:.3f}"
    if r.memorisation and r.memorisation.get("ratio") is not None:
        line += f"  memorisation ratio {r.memorisation['ratio']:.3f}"
    alert = health_text(r)
    return line + (f"  [{alert}]" if alert else "")
