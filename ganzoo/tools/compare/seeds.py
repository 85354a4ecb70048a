"""A comparison's rows, and configurations trained with several seeds pooled into intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ganzoo.metrics.results import EvalResult
from ganzoo.tools.compare.runs import RunRow


@dataclass
class Comparison:
    """Rows that were measured alike, and the settings they share."""

    rows: list[RunRow]
    dataset: str
    extractor: str
    samples: int
    floors: dict[str, Any] = field(default_factory=dict)  # real data and noise, as measured
    provenance: dict[str, Any] = field(default_factory=dict)  # the fields every row shares

    def groups(self) -> list[SeedGroup]:
        """Rows of one configuration (model, loss, and everything but the seed), seeds pooled."""
        found: dict[str, list[RunRow]] = {}
        for row in self.rows:
            found.setdefault(row.configuration, []).append(row)
        return [SeedGroup(name, rows) for name, rows in found.items()]

    @property
    def seeded(self) -> bool:
        """Whether some configuration was run with several seeds (mean ± interval shown)."""
        return any(len(g.rows) > 1 for g in self.groups())

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (the report's ``comparison.json``)."""
        out = {
            "dataset": self.dataset,
            "extractor": self.extractor,
            "samples": self.samples,
            "floors": self.floors,
            "provenance": self.provenance,
            "runs": [r.as_dict() for r in self.rows],
        }
        if self.seeded:
            groups = self.groups()
            out["configurations"] = [g.as_dict() for g in groups]
            out["differences"] = differences(groups)
            out["difference_rule"] = DIFFERENCE_RULE
        return out


#: Metrics pooled over seeds: (EvalResult field, label, higher is better)
SEED_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("fid", "FID", False),
    ("kid_mean", "KID", False),
    ("precision", "precision", True),
    ("recall", "recall", True),
    ("density", "density", True),
    ("coverage", "coverage", True),
    ("score_mean", "score", True),  # named per extractor by seed_metrics()
)
DIFFERENCE_RULE = (
    "a difference between two configurations is supported when their 95% t-intervals over "
    "seeds do not overlap; overlapping intervals mark it 'not supported' (conservative: "
    "non-overlap implies a significant difference, overlap does not prove there is none)"
)


@dataclass
class SeedGroup:
    """One configuration trained with several seeds: per metric, mean and 95% t-interval."""

    name: str
    rows: list[RunRow]

    def summary(self, key: str) -> tuple[float, float] | None:
        """(mean, half-width) of ``key`` over the seeds; ``None`` if unavailable."""
        from ganzoo.metrics.stats import t_interval

        values = [getattr(r.metrics, key) for r in self.rows]
        if any(v is None for v in values):
            return None
        return t_interval([float(v) for v in values])

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form: seeds, runs, and each metric's mean, half-width and values."""
        metrics = {}
        for key, _, _ in seed_metrics(self.rows[0].metrics):
            found = self.summary(key)
            if found is not None:
                metrics[key] = {
                    "mean": found[0],
                    "half_width": None if math.isnan(found[1]) else found[1],
                    "values": [getattr(r.metrics, key) for r in self.rows],
                }
        return {
            "configuration": self.name,
            "seeds": [r.seed for r in self.rows],
            "runs": [r.name for r in self.rows],
            "metrics": metrics,
        }


def seed_metrics(metrics: EvalResult) -> list[tuple[str, str, bool]]:
    """:data:`SEED_METRICS` with the score keyed and named for the extractor of ``metrics``:
    ``inception_score_mean`` "IS", or ``classifier_score_mean`` "classifier score"."""
    score = (f"{metrics.score_prefix}_mean", metrics.score_label, True)
    return [score if key == "score_mean" else (key, label, h) for key, label, h in SEED_METRICS]


def differences(groups: list[SeedGroup]) -> list[dict[str, Any]]:
    """Each pair of configurations on each metric: which is better, and whether the seeds'
    intervals support it (see :data:`DIFFERENCE_RULE`)."""
    out = []
    for i, a in enumerate(groups):
        for b in groups[i + 1 :]:
            for key, label, higher in seed_metrics(a.rows[0].metrics):
                sa, sb = a.summary(key), b.summary(key)
                if sa is None or sb is None:
                    continue
                better = a if (sa[0] > sb[0]) == higher else b
                if any(math.isnan(x[1]) for x in (sa, sb)):
                    supported = False
                else:
                    supported = sa[0] + sa[1] < sb[0] - sb[1] or sb[0] + sb[1] < sa[0] - sa[1]
                out.append(
                    {"metric": label, "key": key, "a": a.name, "b": b.name,
                     "better": better.name, "supported": bool(supported)}
                )  # fmt: skip
    return out
