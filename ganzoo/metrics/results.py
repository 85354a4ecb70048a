"""Evaluation results in a run folder: ``RUN/eval/<step>-<extractor>-n<samples>-...json``.

One JSON file per evaluation, written atomically beside (never over) the training files.
Torch-free, so that ``compare`` and scripts read results cheaply.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

from ganzoo.metrics.scores import score_label, score_of, score_prefix, to_stored_names
from ganzoo.runs.rundir import atomic_write_json

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


def result_path(run_dir: str | Path, result: dict[str, Any]) -> Path:
    """Where ``result`` is stored: its name says step, extractor, sample count, split, seed."""
    step = result.get("step")
    stem = f"step_{step:08d}" if isinstance(step, int) else "step_unknown"
    name = (
        f"{stem}-{result['extractor']}-n{result['samples']}-{result['split']}"
        f"-seed{result.get('seed', 0)}.json"
    )
    return Path(run_dir) / EVAL_DIR / name


def save_result(run_dir: str | Path, result: dict[str, Any]) -> Path:
    """Write ``result`` atomically under ``RUN/eval/``; return its path."""
    result = to_stored_names(dict(result))  # an old-shape domain result: its score renamed
    missing = [k for k in REQUIRED_KEYS if k not in result]
    missing += [k for k in ("_mean", "_std") if score_prefix(result) + k not in result]
    if missing:
        raise ValueError(f"evaluation result lacks {', '.join(missing)}")
    path = result_path(run_dir, result)
    atomic_write_json(path, result)
    return path


def load_results(run_dir: str | Path) -> list[dict[str, Any]]:
    """Every evaluation stored in ``run_dir``, ordered by step, extractor and sample count.

    A file that is not a valid result is skipped with a warning naming it.
    """
    results = []
    for path in sorted((Path(run_dir) / EVAL_DIR).glob("*.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            warnings.warn(f"skipping unreadable evaluation {path}: {exc}", stacklevel=2)
            continue
        if not isinstance(result, dict) or any(k not in result for k in REQUIRED_KEYS):
            warnings.warn(f"skipping {path}: not a ganzoo evaluation result", stacklevel=2)
            continue
        results.append(to_stored_names(result))  # an older file's domain IS is renamed

    def order(r: dict[str, Any]) -> tuple[int, str, int]:
        return (r["step"] if isinstance(r["step"], int) else -1, r["extractor"], r["samples"])

    return sorted(results, key=order)


def format_value(mean: float | None, std: float | None = None, digits: int = 4) -> str:
    """``12.3456``, ``8.1234 ± 0.0567`` or ``n/a``."""
    if mean is None or (isinstance(mean, float) and not math.isfinite(mean)):
        return "n/a"
    text = f"{mean:.{digits}f}"
    return f"{text} ± {std:.{digits}f}" if std is not None else text


def format_interval(interval: Any, digits: int = 3) -> str:
    """``[2.512, 3.204]``, or an empty string without an interval."""
    if not interval or any(v is None for v in interval):
        return ""
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def floor_value(result: dict[str, Any], kind: str, key: str) -> float | None:
    """What ``kind`` (``real`` or ``noise``) scores on ``key`` in ``result``'s floors."""
    return ((result.get("floors") or {}).get(kind) or {}).get(key)


def floors_text(result: dict[str, Any], key: str, digits: int = 3) -> str:
    """``(real data: 0.071, noise: 6.339)``: the floor and ceiling beside a score."""
    real, noise = floor_value(result, "real", key), floor_value(result, "noise", key)
    if real is None and noise is None:
        return ""
    return (
        f"(real data: {format_value(real, digits=digits)}, "
        f"noise: {format_value(noise, digits=digits)})"
    )


def metric_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(metric, value, interval, real data, noise) per metric, as tables print them."""
    digits = {"kid_mean": 4}

    def cell(kind: str, key: str) -> str:
        return format_value(floor_value(result, kind, key), digits=digits.get(key, 3))

    score = f"{score_prefix(result)}_mean"
    return [
        (f"{score_label(result)} ↑", format_value(*score_of(result), 3), "", cell("real", score),
         cell("noise", score)),
        ("FID ↓", format_value(result["fid"], digits=3),
         format_interval(result.get("fid_interval")), cell("real", "fid"), cell("noise", "fid")),
        ("KID ↓", format_value(result["kid_mean"], digits=4),
         format_interval(result.get("kid_interval"), 4), cell("real", "kid_mean"),
         cell("noise", "kid_mean")),
        ("precision ↑", format_value(result.get("precision"), digits=3), "",
         cell("real", "precision"), cell("noise", "precision")),
        ("recall ↑", format_value(result.get("recall"), digits=3), "",
         cell("real", "recall"), cell("noise", "recall")),
        ("density ↑", format_value(result.get("density"), digits=3), "",
         cell("real", "density"), cell("noise", "density")),
        ("coverage ↑", format_value(result.get("coverage"), digits=3), "",
         cell("real", "coverage"), cell("noise", "coverage")),
    ]  # fmt: skip


def health_text(result: dict[str, Any]) -> str:
    """``mode collapse: class 8 holds 100% of samples`` or an empty string."""
    health = result.get("health") or {}
    if not health.get("mode_collapse"):
        return ""
    return "mode collapse: " + "; ".join(health.get("reasons", []))


def summary_line(result: dict[str, Any]) -> str:
    """One line with every number and, beside them, the extractor that produced them."""
    line = (
        f"step {result['step']}  [{result['extractor']}, {result['samples']} samples vs "
        f"{result['dataset']}/{result['split']}]  "
        f"{score_label(result)} {format_value(*score_of(result), 3)}  "
        f"FID {format_value(result['fid'], digits=3)} "
        f"{format_interval(result.get('fid_interval'))} {floors_text(result, 'fid')}  "
        f"KID {format_value(result['kid_mean'], result['kid_std'])}"
        + (
            f"  class accuracy {format_value(result['conditional_accuracy'], digits=3)}"
            if result.get("conditional")
            else ""
        )
    )
    if result.get("precision") is not None:
        line += f"  precision {result['precision']:.3f}  recall {result['recall']:.3f}"
    if result.get("density") is not None:
        line += f"  density {result['density']:.3f}  coverage {result['coverage']:.3f}"
    alert = health_text(result)
    return line + (f"  [{alert}]" if alert else "")
