"""How ganzoo writes a number for a person: one module, so tables, cards and reports agree.

``ganzoo eval``'s table, ``ganzoo compare``'s report and an export's model card all print
metrics; each formatter here is the one way its kind of number is written, and ``n/a``
always stands for a metric that could not be measured (``None`` or not finite).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "format_interval",
    "format_mean_pm",
    "format_number",
    "format_pm",
    "format_stat",
    "format_value",
]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def format_value(mean: float | None, std: float | None = None, digits: int = 4) -> str:
    """``12.3456``, ``8.1234 ± 0.0567`` or ``n/a``: a metric with a fixed number of decimals."""
    if _missing(mean):
        return "n/a"
    text = f"{mean:.{digits}f}"
    return f"{text} ± {std:.{digits}f}" if std is not None else text


def format_number(value: float | None, digits: int = 3) -> str:
    """A metric for a comparison table: fixed decimals, significant digits below 0.001.

    ``n/a`` when unavailable (e.g. IS without a classifier layer).
    """
    if value is None:
        return "n/a"
    return f"{value:.{digits}g}" if abs(value) < 1e-3 else f"{value:.{digits}f}"


def format_pm(mean: float | None, std: float | None) -> str:
    """``mean ± std`` (e.g. KID's mean and its spread over subsets), ``n/a`` without a mean."""
    if mean is None:
        return "n/a"
    return format_number(mean) + (f" ± {format_number(std)}" if std is not None else "")


def format_mean_pm(mean: float, half: float) -> str:
    """``2.86 ± 0.31`` (a 95% half-width), or the mean alone for one seed."""
    if math.isnan(half):
        return format_number(mean)
    return f"{format_number(mean)} ± {format_number(half)}"


def format_interval(interval: Any, digits: int = 3) -> str:
    """``[2.512, 3.204]``, or an empty string without an interval."""
    if not interval or any(v is None for v in interval):
        return ""
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def format_stat(value: Any) -> Any:
    """A training statistic or a duration: 4 significant digits; anything else as it is."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return value
