"""Sample quality (IS, FID, KID) through torch-fidelity, online or offline.

    from ganzoo.metrics import evaluate_run, load_results
    result = evaluate_run("runs/dcgan-nonsat-mnist", EvalSpec(samples=1000))
    result.fid, result.extractor   # every number travels with its extractor's name

Importing this package is cheap (no torch): the functions below load their modules on
first use. Numbers from different extractors (``result.extractor``) are not comparable.
"""

from __future__ import annotations

import importlib
from typing import Any

from ganzoo.metrics.spec import (
    DEFAULT_EXTRACTOR,
    DEFAULT_SAMPLES,
    EXTRACTORS,
    MIN_SAMPLES,
    SPLITS,
    EvalSpec,
)

__all__ = [
    "DEFAULT_EXTRACTOR",
    "DEFAULT_SAMPLES",
    "EXTRACTORS",
    "MIN_SAMPLES",
    "SPLITS",
    "EvalResult",
    "EvalSpec",
    "Evaluator",
    "evaluate",
    "evaluate_run",
    "load_results",
    "save_result",
]

_LAZY = {
    "Evaluator": "ganzoo.metrics.fidelity",
    "evaluate": "ganzoo.metrics.evaluation",
    "evaluate_run": "ganzoo.metrics.evaluation",
    "EvalResult": "ganzoo.metrics.results",
    "load_results": "ganzoo.metrics.results",
    "save_result": "ganzoo.metrics.results",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganzoo.metrics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
