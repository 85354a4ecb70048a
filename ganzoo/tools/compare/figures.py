"""Figures of a comparison's report: sample grids side by side, loss curves, metric bars."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ganzoo.runs.plotting import is_number, pyplot, save_figure
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.compare.runs import RunRow

if TYPE_CHECKING:
    from ganzoo.tools.compare.seeds import Comparison


def plot_sample_grids(rows: list[RunRow], path: Path) -> None:
    """Each run's last sample figure, side by side under its name."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(rows), figsize=(3.2 * len(rows), 3.6), squeeze=False)
    for ax, row in zip(axes[0], rows, strict=True):
        grids = sorted((row.path / "samples").glob("epoch_*.png"))
        if grids:
            ax.imshow(plt.imread(grids[-1]), cmap="gray")
        ax.set_title(f"{row.name}\n{row.model} + {row.loss}", fontsize=9)
        ax.axis("off")
    save_figure(fig, path)


def plot_loss_curves_side_by_side(rows: list[RunRow], path: Path) -> None:
    """One panel per run with its logged losses against the step."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(rows), figsize=(3.6 * len(rows), 3.0), squeeze=False)
    for ax, row in zip(axes[0], rows, strict=True):
        records = RunDir(row.path).read_metrics()
        keys = sorted({k for r in records for k in r if k.endswith("loss")})
        for key in keys:
            pts = [(r["step"], r[key]) for r in records if is_number(r.get(key))]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=key)
        ax.set_title(row.name, fontsize=9)
        ax.set_xlabel("step")
        ax.legend(fontsize=7)
    save_figure(fig, path)


def plot_metric_bars(comparison: Comparison, path: Path) -> None:
    """The score (IS or the domain classifier score), FID and KID as bars, one per run: FID
    with its interval, the others with their std; grey lines at real data and noise."""
    plt = pyplot()
    first = comparison.rows[0].metrics
    #: (the mean's field, its spread's field, title): FID's spread is its interval
    panels = [
        (f"{first.score_prefix}_mean", f"{first.score_prefix}_std", f"{first.score_label} ↑"),
        ("fid", None, "FID ↓"),
        ("kid_mean", "kid_std", "KID ↓"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.6))
    names = [r.name for r in comparison.rows]
    results = [r.metrics for r in comparison.rows]
    for ax, (key, spread, title) in zip(axes, panels, strict=True):
        means = [getattr(m, key) for m in results]
        low, high = [], []
        for m, mean in zip(results, means, strict=True):
            if (
                spread is None and m.fid_interval and mean is not None
            ):  # FID: its bootstrap interval
                low.append(mean - m.fid_interval[0])
                high.append(m.fid_interval[1] - mean)
            else:  # IS and KID: their standard deviation
                std = (getattr(m, spread) if spread else None) or 0.0
                low.append(std)
                high.append(std)
        heights = [mean if mean is not None else 0.0 for mean in means]
        ax.bar(range(len(names)), heights, yerr=[low, high], color="tab:blue", capsize=3)
        for kind, style in (("real", "--"), ("noise", ":")):
            value = (comparison.floors.get(kind) or {}).get(key)
            if value is not None:
                ax.axhline(value, color="gray", linestyle=style, linewidth=1)
                ax.annotate("real data" if kind == "real" else "noise", (0, value),
                            xycoords=("axes fraction", "data"), fontsize=8, color="gray",
                            va="bottom")  # fmt: skip
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=9)
        available = any(mean is not None for mean in means)
        ax.set_title(title if available else f"{title} (unavailable)")
    fig.suptitle(f"{comparison.extractor}, {comparison.samples} samples", fontsize=10)
    save_figure(fig, path)
