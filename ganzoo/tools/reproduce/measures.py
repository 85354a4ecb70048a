"""The quantities a claim compares, read from a finished run's own records.

``metrics.jsonl`` holds the loop's log lines (D(x), D(G(z)), G's gradient norm, ...) and
``eval/`` the in-training evaluations of ``--eval-every``; the final FID is measured by the
study itself (:func:`ganzoo.tools.compare.compare_runs`) and added by the caller. A quantity
a run cannot give (a VAE has no D) is ``None``: a claim leaves that seed out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ganzoo.runs.rundir import RunDir


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _distance_from_half(line: dict[str, Any]) -> float | None:
    """How far D's mean outputs on real and generated batches are from ½, averaged."""
    real, fake = line.get("d_real"), line.get("d_fake")
    if real is None or fake is None:
        return None
    return (abs(real - 0.5) + abs(fake - 0.5)) / 2


def log_quantities(lines: Sequence[dict[str, Any]], steps: int) -> dict[str, float | None]:
    """``g_grad_early``, ``d_fake_early``, ``d_dist_peak`` and ``d_dist_late`` of a run's log.

    Training is cut into quarters by step; a log line belongs to the quarter its step ends.
    Early: the first quarter. Late: the last. Peak: the largest quarter-mean of the
    distance from ½ among the first three quarters, so that "back towards ½" is measured
    from where D led most, not from the untrained D's ½ at step 0.
    """
    logged = [m for m in lines if "event" not in m and isinstance(m.get("step"), int)]
    quarter = steps / 4
    quarters: list[list[dict[str, Any]]] = [[], [], [], []]
    for m in logged:
        index = min(3, max(0, int((m["step"] - 1) // quarter))) if quarter > 0 else 3
        quarters[index].append(m)
    early = quarters[0]

    def mean_of(key: str, part: list[dict[str, Any]]) -> float | None:
        return _mean([float(m[key]) for m in part if m.get(key) is not None])

    def distance(part: list[dict[str, Any]]) -> float | None:
        return _mean([d for d in map(_distance_from_half, part) if d is not None])

    peaks = [d for d in map(distance, quarters[:3]) if d is not None]
    return {
        "g_grad_early": mean_of("g_grad_norm", early),
        "d_fake_early": mean_of("d_fake", early),
        "d_dist_peak": max(peaks) if peaks else None,
        "d_dist_late": distance(quarters[3]),
    }


def eval_quantities(run_dir: Path, seed: int, extractor_kind: str) -> dict[str, float | None]:
    """``fid_first`` and ``fid_last``: FID at the first and last in-training evaluation.

    In-training evaluations are the run's own (sampled with the run's seed, under the
    extractor asked for); with fewer than two there is no "first" to set against the last.
    """
    from ganzoo.metrics.results import load_results

    found = [
        r
        for r in load_results(run_dir)
        if r.seed == seed
        and r.extractor_kind == extractor_kind
        and isinstance(r.step, int)
        and r.fid is not None
    ]
    found.sort(key=lambda r: r.step)
    if len(found) < 2:
        return {"fid_first": None, "fid_last": None}
    return {"fid_first": float(found[0].fid), "fid_last": float(found[-1].fid)}


def run_quantities(run_dir: str | Path, extractor_kind: str) -> dict[str, float | None]:
    """Every quantity of :data:`~ganzoo.tools.reproduce.studies.QUANTITIES` a finished run's
    records give (all but ``fid``, which the study measures)."""
    run = RunDir.open(run_dir)
    steps = int(run.read_summary()["steps"])
    seed = int(run.read_config()["config"]["seed"])
    return {
        **log_quantities(run.read_metrics(), steps),
        **eval_quantities(run.path, seed, extractor_kind),
    }
