"""Verdicts from numbers: each claim decided by an interval over seeds, never by hand.

A claim compares two sides (:class:`~ganzoo.tools.reproduce.studies.Side`), each a list of
per-seed values. The difference of their means gets a 95% interval: Welch's t-interval for
two sets of runs, the paired t-interval for two measurements of the same runs. Then
(:data:`VERDICT_RULE`):

- ``less`` (a below b): reproduced when the interval lies below 0, not reproduced when it
  lies above 0, otherwise not significant at this budget; ``greater`` the mirror image;
- ``not_less`` (a no better, i.e. not lower, than b, within a margin m): not reproduced when
  the interval lies below -m (a is lower by more than the margin), reproduced when it lies
  above -m, otherwise not significant at this budget.

Two seeds give wide intervals: "not significant at this budget" is the honest answer of a
small study, and the report says so rather than reading a difference of means as a result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ganzoo.tools.reproduce.study import Claim, Relation, Row

LEVEL = 0.95
REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
NOT_SIGNIFICANT = "not significant at this budget"
VERDICTS: tuple[str, ...] = (REPRODUCED, NOT_REPRODUCED, NOT_SIGNIFICANT)

VERDICT_RULE = (
    "Each claim compares two measured sides over seeds: the difference of their means gets "
    "a 95% t-interval (Welch's for two sets of runs, paired for two measurements of the same "
    "runs). A claim that a is lower (higher) than b is reproduced when the interval lies "
    "wholly below (above) 0 and not reproduced when it lies wholly on the other side; a claim "
    "that a is no better (not lower) than b within a margin m is not reproduced when the "
    "interval lies wholly below -m and reproduced when it lies wholly above -m. Anything "
    "else is 'not significant at this budget': more seeds or a longer budget may decide it."
)
ACROSS_RULE = (
    "A claim measured on several datasets: 'every' holds when it is reproduced on each "
    "dataset and fails when it is not reproduced on one; 'some' (Lucic et al.'s 'not "
    "consistently better') holds when it is reproduced on one dataset and fails only when "
    "it is not reproduced on all."
)


@dataclass(frozen=True)
class Difference:
    """mean(a) - mean(b) with its ``level`` interval (``nan`` bounds: cannot be estimated)."""

    estimate: float
    low: float
    high: float
    method: str  # "welch" or "paired"
    n_a: int
    n_b: int

    @property
    def estimable(self) -> bool:
        """Whether the interval exists (at least two values on each side)."""
        return not (math.isnan(self.low) or math.isnan(self.high))

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``None`` for a bound that cannot be estimated)."""
        return {
            "estimate": _finite(self.estimate),
            "low": _finite(self.low),
            "high": _finite(self.high),
            "method": self.method,
            "level": LEVEL,
        }


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x


def _t(level: float, df: float) -> float:
    from scipy.stats import t

    return float(t.ppf((1 + level) / 2, df))


def _mean_var(values: Sequence[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else float("nan")
    return mean, var


def welch_interval(a: Sequence[float], b: Sequence[float], level: float = LEVEL) -> Difference:
    """Welch's t-interval of mean(a) - mean(b): two independent sets, unequal variances."""
    nan = float("nan")
    if not a or not b:
        return Difference(nan, nan, nan, "welch", len(a), len(b))
    (ma, va), (mb, vb) = _mean_var(a), _mean_var(b)
    estimate = ma - mb
    if len(a) < 2 or len(b) < 2:
        return Difference(estimate, nan, nan, "welch", len(a), len(b))
    sa, sb = va / len(a), vb / len(b)
    se = math.sqrt(sa + sb)
    if se == 0:  # every seed gave the same value on both sides: the difference is exact
        return Difference(estimate, estimate, estimate, "welch", len(a), len(b))
    df = (sa + sb) ** 2 / (sa**2 / (len(a) - 1) + sb**2 / (len(b) - 1))
    half = _t(level, df) * se
    return Difference(estimate, estimate - half, estimate + half, "welch", len(a), len(b))


def paired_interval(a: Sequence[float], b: Sequence[float], level: float = LEVEL) -> Difference:
    """The t-interval of the mean of a_i - b_i: two measurements of the same runs."""
    if len(a) != len(b):
        raise ValueError(f"paired sides need as many values: {len(a)} and {len(b)}")
    nan = float("nan")
    if not a:
        return Difference(nan, nan, nan, "paired", 0, 0)
    mean, var = _mean_var([x - y for x, y in zip(a, b, strict=True)])
    if len(a) < 2:
        return Difference(mean, nan, nan, "paired", 1, 1)
    half = _t(level, len(a) - 1) * math.sqrt(var / len(a)) if var > 0 else 0.0
    return Difference(mean, mean - half, mean + half, "paired", len(a), len(b))


def decide(relation: Relation, difference: Difference, margin: float = 0.0) -> str:
    """The verdict of ``relation`` (a against b) from the interval of mean(a) - mean(b).

    ``margin`` (absolute, >= 0) applies to ``not_less`` only; see :data:`VERDICT_RULE`.
    """
    if not difference.estimable:
        return NOT_SIGNIFICANT
    low, high = difference.low, difference.high
    if relation == "less":
        below, above = high < 0, low > 0
        return REPRODUCED if below else NOT_REPRODUCED if above else NOT_SIGNIFICANT
    if relation == "greater":
        below, above = high < 0, low > 0
        return REPRODUCED if above else NOT_REPRODUCED if below else NOT_SIGNIFICANT
    if relation == "not_less":
        if high < -margin:
            return NOT_REPRODUCED
        return REPRODUCED if low > -margin else NOT_SIGNIFICANT
    raise ValueError(f"unknown relation {relation!r}")


def combine(verdicts: Iterable[str], across: str) -> str | None:
    """One verdict from a claim's verdicts on several datasets (see :data:`ACROSS_RULE`);
    ``None`` when it was measured on none."""
    found = list(verdicts)
    if not found:
        return None
    if across == "every":
        if all(v == REPRODUCED for v in found):
            return REPRODUCED
        return NOT_REPRODUCED if NOT_REPRODUCED in found else NOT_SIGNIFICANT
    if across == "some":
        if REPRODUCED in found:
            return REPRODUCED
        return NOT_REPRODUCED if all(v == NOT_REPRODUCED for v in found) else NOT_SIGNIFICANT
    raise ValueError(f"unknown rule {across!r}")


def summary(values: Sequence[float], level: float = LEVEL) -> dict[str, Any]:
    """Mean, half-width of the 95% t-interval (``None`` for one value), bounds and values."""
    from ganzoo.metrics.stats import t_interval

    if not values:
        return {"mean": None, "half_width": None, "low": None, "high": None, "values": []}
    mean, half = t_interval(list(values), level)
    half_or_none = None if math.isnan(half) else half
    return {
        "mean": mean,
        "half_width": half_or_none,
        "low": None if half_or_none is None else mean - half,
        "high": None if half_or_none is None else mean + half,
        "values": list(values),
    }


def judge(
    claim: Claim,
    dataset: str,
    rows: Mapping[str, Row],
    values: Mapping[tuple[str, str], Sequence[float | None]],
) -> dict[str, Any]:
    """The verdict of ``claim`` on ``dataset`` from per-seed ``values[(row, quantity)]``.

    A side's values are in seed order; a seed without a value (``None``: a run that did not
    log the statistic) is left out, with its pair when the sides are paired.
    """
    relation = claim.relation_on(dataset, rows)
    raw_a = list(values.get((claim.a.row, claim.a.quantity), []))
    raw_b = list(values.get((claim.b.row, claim.b.quantity), []))
    if claim.paired:
        pairs = [
            (x, y) for x, y in zip(raw_a, raw_b, strict=False) if x is not None and y is not None
        ]
        a, b = [float(x) for x, _ in pairs], [float(y) for _, y in pairs]
        difference = paired_interval(a, b)
    else:
        a = [float(x) for x in raw_a if x is not None]
        b = [float(y) for y in raw_b if y is not None]
        difference = welch_interval(a, b)
    margin = claim.margin * abs(sum(b) / len(b)) if b and claim.relation == "not_less" else 0.0
    return {
        "claim": claim.id,
        "dataset": dataset,
        "relation": relation,
        "margin": margin if relation == "not_less" else None,
        "a": {"row": claim.a.row, "quantity": claim.a.quantity, **summary(a)},
        "b": {"row": claim.b.row, "quantity": claim.b.quantity, **summary(b)},
        "difference": difference.as_dict(),
        "verdict": decide(relation, difference, margin),
    }
