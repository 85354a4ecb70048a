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

from ganzoo.rundir import atomic_write_json

EVAL_DIR = "eval"
#: Keys every result has (``compare`` relies on them). IS is ``None`` when unavailable.
REQUIRED_KEYS: tuple[str, ...] = (
    "extractor",
    "samples",
    "dataset",
    "split",
    "step",
    "inception_score_mean",
    "inception_score_std",
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
    missing = [k for k in REQUIRED_KEYS if k not in result]
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
        results.append(result)

    def order(r: dict[str, Any]) -> tuple[int, str, int]:
        return (r["step"] if isinstance(r["step"], int) else -1, r["extractor"], r["samples"])

    return sorted(results, key=order)


def format_value(mean: float | None, std: float | None = None, digits: int = 4) -> str:
    """``12.3456``, ``8.1234 ± 0.0567`` or ``n/a``."""
    if mean is None or (isinstance(mean, float) and not math.isfinite(mean)):
        return "n/a"
    text = f"{mean:.{digits}f}"
    return f"{text} ± {std:.{digits}f}" if std is not None else text


def summary_line(result: dict[str, Any]) -> str:
    """One line with every number and, beside them, the extractor that produced them."""
    return (
        f"step {result['step']}  [{result['extractor']}, {result['samples']} samples vs "
        f"{result['dataset']}/{result['split']}]  "
        f"IS {format_value(result['inception_score_mean'], result['inception_score_std'], 3)}  "
        f"FID {format_value(result['fid'], digits=3)}  "
        f"KID {format_value(result['kid_mean'], result['kid_std'])}"
        + (
            f"  class accuracy {format_value(result['conditional_accuracy'], digits=3)}"
            if result.get("conditional")
            else ""
        )
    )
