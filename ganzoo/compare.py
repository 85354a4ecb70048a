"""Compare finished runs fairly: same data, same extractor, same sample count.

    table = compare_runs(["runs/a", "runs/b"], EvalSpec(samples=1000, feature_extractor="domain"))
    write_report(table, "runs/compare")

Every run is measured with the same metric settings (evaluating where a result is missing);
runs on different datasets, or stored numbers from different extractors or sample counts,
are refused rather than shown side by side.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.errors import UsageError
from ganzoo.metrics.spec import EvalSpec
from ganzoo.plotting import is_number, pyplot, save_figure
from ganzoo.rundir import RunDir, atomic_write_json, atomic_write_text, timestamped_folder

METRIC_KEYS = ("inception_score_mean", "fid", "kid_mean")


@dataclass
class RunRow:
    """One run in a comparison: what it is, what it cost, and how it scored."""

    name: str
    path: Path
    model: str
    loss: str
    dataset: str
    seed: int
    steps: int
    seconds: float
    parameters: int
    metrics: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        d = dict(vars(self))
        d["path"] = str(self.path)
        return d


@dataclass
class Comparison:
    """Rows that were measured alike, and the settings they share."""

    rows: list[RunRow]
    dataset: str
    extractor: str
    samples: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (the report's ``comparison.json``)."""
        return {
            "dataset": self.dataset,
            "extractor": self.extractor,
            "samples": self.samples,
            "runs": [r.as_dict() for r in self.rows],
        }


def describe_run(path: str | Path) -> RunRow:
    """A finished run's identity and cost, from its ``config.json`` and ``summary.json``."""
    run = RunDir.open(path)
    stored = run.read_config()
    summary = run.read_summary()
    if not summary:
        raise UsageError(f"run {run.path} has not finished (no summary.json); nothing to compare")
    config = stored["config"]
    dataset = _dataset_identity(config)
    latest = run.latest_checkpoint()
    step = _step_of(latest) if latest is not None else summary["steps"]
    if step != summary["steps"]:
        raise UsageError(
            f"run {run.path} has a checkpoint at step {step} but finished at step "
            f"{summary['steps']}: it was resumed and not finished; finish it with "
            f"ganzoo train --resume {run.path}"
        )
    return RunRow(
        name=run.path.name,
        path=run.path,
        model=config["model"],
        loss=config["loss"],
        dataset=dataset,
        seed=config["seed"],
        steps=summary["steps"],
        seconds=summary["seconds"],
        parameters=sum(stored.get("resolved", {}).get("parameters", {}).values()),
    )


def _step_of(checkpoint: Path) -> int | None:
    match = re.fullmatch(r"step_(\d+)\.pt", checkpoint.name)
    return int(match.group(1)) if match else None


def _dataset_identity(config: dict[str, Any]) -> str:
    options = config.get("dataset_options") or {}
    if not options:
        return config["dataset"]
    return config["dataset"] + "(" + ", ".join(f"{k}={v}" for k, v in sorted(options.items())) + ")"


def check_same_dataset(rows: list[RunRow]) -> str:
    """The dataset every row was trained on, or a :class:`UsageError` naming the mismatch."""
    datasets = {r.dataset for r in rows}
    if len(datasets) > 1:
        listing = ", ".join(f"{r.name} ({r.dataset})" for r in rows)
        raise UsageError(f"cannot compare runs trained on different datasets: {listing}")
    return datasets.pop()


def compare_runs(
    paths: list[str | Path],
    spec: EvalSpec | None = None,
    *,
    evaluate_missing: bool = True,
) -> Comparison:
    """Measure every run with one extractor and sample count; refuse what is not comparable.

    ``spec.dataset`` is left unset: each run is measured on its own dataset (which must be
    the same for all).
    """
    spec = (spec or EvalSpec()).validate()
    samples = spec.samples
    if len(paths) < 2:
        raise UsageError("compare needs at least two runs")
    if len({Path(p).resolve() for p in paths}) < len(paths):
        raise UsageError("the same run is named twice")
    rows = [describe_run(p) for p in paths]
    dataset = check_same_dataset(rows)

    from ganzoo import metrics

    current_extractor: list[str] = []  # the extractor's full name (with its weights hash)

    def extractor_name() -> str:
        if not current_extractor:
            from ganzoo.metrics.extractors import resolve_extractor

            config = RunDir.open(rows[0].path).read_config()["config"]
            current_extractor.append(
                resolve_extractor(
                    spec.feature_extractor,
                    dataset=config["dataset"],
                    data_dir=spec.data_dir or config.get("data_dir"),
                    dataset_options=config.get("dataset_options") or {},
                    inception_weights=spec.inception_weights,
                ).name
            )
        return current_extractor[0]

    extractor_names: set[str] = set()
    for row in rows:
        stored = metrics.load_results(row.path)
        result, differs = _stored_result(stored, _wanted(row, spec), extractor_name)
        if result is None:
            if not evaluate_missing:
                raise UsageError(
                    f"run {row.name} has no {spec.feature_extractor} result on {spec.samples} "
                    f"samples measured like this comparison ({differs}); numbers measured "
                    "differently are not comparable: drop --no-eval to measure it"
                )
            result = metrics.evaluate_run(row.path, spec)
        row.metrics = result
        extractor_names.add(result["extractor"])
    if len(extractor_names) > 1:
        raise UsageError(
            "runs were measured by different extractors ("
            + ", ".join(sorted(extractor_names))
            + "); their numbers are not comparable"
        )
    return Comparison(rows, dataset, extractor_names.pop(), samples)


#: what a stored result must share with a comparison to be reused, beside the extractor
MATCHED_FIELDS = ("step", "split", "seed", "samples", "dataset", "dataset_options", "ema")


def _wanted(row: RunRow, spec: EvalSpec) -> dict[str, Any]:
    config = RunDir.open(row.path).read_config()["config"]
    return {
        "step": row.steps,
        "split": spec.split,
        "seed": spec.seed,
        "samples": spec.samples,
        "dataset": config["dataset"],
        "dataset_options": config.get("dataset_options") or {},
        "ema": bool(config.get("ema")),  # a run trained with --ema is measured with it
    }


def _stored_result(
    results: list[dict[str, Any]], wanted: dict[str, Any], extractor: Any
) -> tuple[dict[str, Any] | None, str]:
    """The newest stored result measured exactly as ``wanted``, or why none is.

    A result is reused only when the checkpoint step, split, seed, sample count, dataset
    and its options all match, and the extractor is the same one (name and weights hash,
    so a retrained classifier or another weights file never reuses old numbers).
    ``extractor()`` gives the current extractor's full name; it is asked only when a
    stored result matches on everything else. Results stored before a field existed
    count as not matching it, except ``dataset_options``: every result in a run folder was
    measured on the run's own dataset options.
    """
    if not results:
        return None, "it has no stored results"
    nearest: tuple[int, str] = (len(MATCHED_FIELDS) + 2, "")
    for result in reversed(results):
        stored = {k: result.get(k) for k in MATCHED_FIELDS}
        stored["dataset_options"] = result.get("dataset_options", wanted["dataset_options"])
        stored["ema"] = bool(result.get("ema", False))
        different = [k for k in MATCHED_FIELDS if stored[k] != wanted[k]]
        if not different and result.get("extractor") != extractor():
            different = ["extractor"]
        if not different:
            return result, ""
        if len(different) < nearest[0]:
            field_name = different[0]
            have = result.get(field_name) if field_name != "extractor" else result.get("extractor")
            want = wanted.get(field_name) if field_name != "extractor" else extractor()
            nearest = (len(different), f"its newest near match differs in {field_name}: "
                       f"{have!r} stored, {want!r} wanted")  # fmt: skip
    return None, nearest[1]


def default_report_dir(root: Path = Path("runs")) -> Path:
    """``runs/compare-<timestamp>``, never an existing folder."""
    return timestamped_folder(root, "compare")


def write_report(comparison: Comparison, out: str | Path) -> Path:
    """A report folder: ``report.md``, ``comparison.json`` and the figures it shows.

    ``out`` may exist (``compare --models`` keeps its runs inside it) but must not hold a
    report already: nothing is overwritten.
    """

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    if (out / "comparison.json").exists() or (out / "report.md").exists():
        raise UsageError(f"--out {out} holds a report already; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "comparison.json", comparison.as_dict())
    plot_sample_grids(comparison.rows, out / "samples.png")
    plot_loss_curves_side_by_side(comparison.rows, out / "loss_curves.png")
    plot_metric_bars(comparison, out / "metrics.png")
    atomic_write_text(out / "report.md", render_markdown(comparison))
    return out


def render_markdown(comparison: Comparison) -> str:
    """The report's text: settings, the table, and the figures."""
    lines = [
        f"# Comparison on `{comparison.dataset}`",
        "",
        f"All numbers: feature extractor **{comparison.extractor}**, "
        f"**{comparison.samples}** generated samples per run. Numbers from another extractor "
        "or sample count are not comparable with these.",
        "",
        "| run | model | loss | IS ↑ | FID ↓ | KID ↓ | steps | train time (s) | parameters |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in comparison.rows:
        m = r.metrics
        lines.append(
            f"| {r.name} | {r.model} | {r.loss} | {format_pm(m, 'inception_score')} | "
            f"{format_number(m.get('fid'))} | {format_pm(m, 'kid')} | {r.steps} | "
            f"{r.seconds:.1f} | {r.parameters:,} |"
        )
    lines += [
        "",
        "## Samples",
        "",
        "![samples](samples.png)",
        "",
        "## Training curves",
        "",
        "![loss curves](loss_curves.png)",
        "",
        "## Metrics",
        "",
        "![metrics](metrics.png)",
        "",
        "Raw figures: [comparison.json](comparison.json).",
        "",
    ]
    return "\n".join(lines)


def format_number(value: float | None, digits: int = 3) -> str:
    """A metric for a table; ``n/a`` when unavailable (e.g. IS without a classifier layer)."""
    if value is None:
        return "n/a"
    return f"{value:.{digits}g}" if abs(value) < 1e-3 else f"{value:.{digits}f}"


def format_pm(metrics: dict[str, Any], key: str) -> str:
    """``mean ± std`` of ``key`` (e.g. ``kid``) from ``key_mean`` and ``key_std``."""
    mean, std = metrics.get(f"{key}_mean"), metrics.get(f"{key}_std")
    if mean is None:
        return "n/a"
    return format_number(mean) + (f" ± {format_number(std)}" if std is not None else "")


def load_comparison(path: str | Path) -> dict[str, Any]:
    """A report's ``comparison.json``."""
    return json.loads((Path(path) / "comparison.json").read_text())


# Figures of the report: sample grids side by side, loss curves, metric bars.


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
    """IS, FID and KID as bar charts, one bar per run (error bars where there is a std)."""
    plt = pyplot()
    panels = [
        ("inception_score", "IS ↑"),
        ("fid", "FID ↓"),
        ("kid", "KID ↓"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    names = [r.name for r in comparison.rows]
    for ax, (key, title) in zip(axes, panels, strict=True):
        means, errors = [], []
        for r in comparison.rows:
            m = r.metrics
            mean = m.get(key) if key == "fid" else m.get(f"{key}_mean")
            means.append(mean if mean is not None else 0.0)
            errors.append(m.get(f"{key}_std") or 0.0)
        ax.bar(range(len(names)), means, yerr=errors, color="tab:blue", capsize=3)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        available = any(
            (r.metrics.get(key) if key == "fid" else r.metrics.get(f"{key}_mean")) is not None
            for r in comparison.rows
        )
        ax.set_title(title if available else f"{title} (unavailable)")
    fig.suptitle(f"{comparison.extractor}, {comparison.samples} samples", fontsize=9)
    save_figure(fig, path)
