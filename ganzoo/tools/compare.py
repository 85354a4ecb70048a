"""Compare finished runs fairly: same data, same extractor, same sample count.

    table = compare_runs(["runs/a", "runs/b"], EvalSpec(samples=1000, feature_extractor="domain"))
    write_report(table, "runs/compare")

Every run is measured with the same metric settings (evaluating where a result is missing);
runs on different datasets, or stored numbers from different extractors or sample counts,
are refused rather than shown side by side.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.metrics.spec import EvalSpec
from ganzoo.runs.plotting import is_number, pyplot, save_figure
from ganzoo.runs.rundir import RunDir, atomic_write_json, atomic_write_text, timestamped_folder

METRIC_KEYS = ("score_mean", "fid", "kid_mean")  # score: IS or the domain classifier score


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

    options: str = ""  # what else distinguishes the configuration (not the seed)

    @property
    def configuration(self) -> str:
        """``model+loss`` (and options): runs that differ only in their seed share it."""
        return f"{self.model}+{self.loss}" + (f" {self.options}" if self.options else "")

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        d = dict(vars(self))
        d["path"] = str(self.path)
        d["configuration"] = self.configuration
        return d


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


#: Metrics pooled over seeds: (result key, label, higher is better)
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

        values = [r.metrics.get(key) for r in self.rows]
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
                    "values": [r.metrics[key] for r in self.rows],
                }
        return {
            "configuration": self.name,
            "seeds": [r.seed for r in self.rows],
            "runs": [r.name for r in self.rows],
            "metrics": metrics,
        }


def seed_metrics(metrics: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """:data:`SEED_METRICS` with the score keyed and named for the extractor of ``metrics``:
    ``inception_score_mean`` "IS", or ``classifier_score_mean`` "classifier score"."""
    from ganzoo.metrics.scores import score_label, score_prefix

    score = (f"{score_prefix(metrics)}_mean", score_label(metrics), True)
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
    from ganzoo.tools.checks import check_runs_usable

    check_runs_usable(paths, need_checkpoint=evaluate_missing)  # all, before measuring any
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

    _name_variants(rows)
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
    shared = check_same_provenance(rows)
    floors = next((r.metrics["floors"] for r in rows if r.metrics.get("floors")), {})
    return Comparison(rows, dataset, extractor_names.pop(), samples, floors, shared)


def check_same_provenance(rows: list[RunRow]) -> dict[str, Any]:
    """The provenance fields every row shares; a :class:`UsageError` naming the first that
    differs (see :data:`ganzoo.metrics.provenance.COMPARABLE`)."""
    from ganzoo.metrics.provenance import COMPARABLE, field_value, first_difference

    first = rows[0]
    for row in rows[1:]:
        name = first_difference(first.metrics.get("provenance"), row.metrics.get("provenance"))
        if name is not None:
            if name == "provenance":
                raise UsageError(
                    f"the results of {first.name} and {row.name} cannot be checked for "
                    "comparability: one was stored before ganzoo recorded provenance; "
                    "evaluate again (drop --no-eval)"
                )
            have = field_value(first.metrics["provenance"], name)
            other = field_value(row.metrics["provenance"], name)
            raise UsageError(
                f"the results of {first.name} and {row.name} differ in provenance field "
                f"{name} ({have!r} vs {other!r}); their numbers are not comparable"
            )
    record = first.metrics.get("provenance") or {}
    shared = {
        k: record[k] for k in record if k.split(".")[0] in {c.split(".")[0] for c in COMPARABLE}
    }
    shared["versions"] = field_value(record, "versions")
    return shared


#: Config fields that make two runs of one model and loss different configurations.
VARIANT_FIELDS = (
    "lr", "batch_size", "d_steps", "latent_dim", "ema", "amp", "steps", "epochs",
    "time_budget", "model_options", "loss_options",
)  # fmt: skip


def _name_variants(rows: list[RunRow]) -> None:
    """Set ``options`` of rows whose model and loss agree but whose configs differ elsewhere
    (not in the seed): they are different configurations, not seeds of one."""
    configs = {r.name: RunDir.open(r.path).read_config()["config"] for r in rows}
    by_pair: dict[tuple[str, str], list[RunRow]] = {}
    for row in rows:
        by_pair.setdefault((row.model, row.loss), []).append(row)
    for group in by_pair.values():
        varying = [
            f
            for f in VARIANT_FIELDS
            if len({json.dumps(configs[r.name].get(f)) for r in group}) > 1
        ]
        for row in group:
            row.options = ", ".join(f"{f}={configs[row.name].get(f)}" for f in varying)


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
            different = _provenance_differs(result)
        if not different:
            return result, ""
        if len(different) < nearest[0]:
            field_name = different[0]
            have = result.get(field_name) if field_name != "extractor" else result.get("extractor")
            want = wanted.get(field_name) if field_name != "extractor" else extractor()
            if field_name.startswith("provenance"):
                have, want = _provenance_values(result, field_name)
            nearest = (len(different), f"its newest near match differs in {field_name}: "
                       f"{have!r} stored, {want!r} wanted")  # fmt: skip
    return None, nearest[1]


def _provenance_differs(result: dict[str, Any]) -> list[str]:
    """``["provenance.<field>"]`` if ``result`` was computed by other code than this one's
    (or stored before provenance was recorded), else ``[]``."""
    from ganzoo.metrics.provenance import field_value, versions

    record = result.get("provenance")
    if not isinstance(record, dict):
        return ["provenance"]
    now = versions()
    for name in ("ganzoo", "torch", "torch_fidelity"):
        if field_value(record, f"versions.{name}") != now[name]:
            return [f"provenance.versions.{name}"]
    return []


def _provenance_values(result: dict[str, Any], field_name: str) -> tuple[Any, Any]:
    """(stored, current) of a provenance field named by :func:`_provenance_differs`."""
    from ganzoo.metrics.provenance import field_value, versions

    if field_name == "provenance":
        return "none (stored before provenance was recorded)", "a provenance record"
    name = field_name.removeprefix("provenance.versions.")
    return field_value(result.get("provenance") or {}, f"versions.{name}"), versions()[name]


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


def table_rows(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    """The comparison table (header, rows) that the report and the CLI both print.

    One row per run, then the real-data floor and the noise ceiling measured like them. With
    several seeds per configuration, one row per configuration: mean ± 95% t-interval half-width.
    """
    from ganzoo.metrics.results import floor_value, format_interval
    from ganzoo.metrics.scores import score_label, score_prefix

    first = comparison.rows[0].metrics
    score, prefix = f"{score_label(first)} ↑", score_prefix(first)
    keys = (f"{prefix}_mean", "fid", "kid_mean", "precision", "recall", "density", "coverage")
    header = ["run", "model", "loss", score, "FID ↓ [95%]", "KID ↓", "precision ↑",
              "recall ↑", "density ↑", "coverage ↑", "steps", "time (s)", "parameters"]  # fmt: skip
    rows = []
    if comparison.seeded:
        header = ["configuration", "seeds", score, "FID ↓", "KID ↓", "precision ↑", "recall ↑",
                  "density ↑", "coverage ↑"]  # fmt: skip
        for group in comparison.groups():
            cells = [group.name, ",".join(str(r.seed) for r in group.rows)]
            for key in keys:
                found = group.summary(key)
                cells.append("n/a" if found is None else format_mean_pm(*found))
            rows.append(cells)
    else:
        conditional = any(r.metrics.get("conditional") for r in comparison.rows)
        if conditional:  # samples asked for class k, labelled k by the domain classifier
            header.insert(10, "class acc. ↑")
        for r in comparison.rows:
            m = r.metrics
            accuracy = [format_number(m.get("conditional_accuracy"))] if conditional else []
            rows.append([
                r.name, r.model, r.loss, format_pm(m, prefix),
                f"{format_number(m.get('fid'))} {format_interval(m.get('fid_interval'))}".strip(),
                format_pm(m, "kid"), format_number(m.get("precision")),
                format_number(m.get("recall")), format_number(m.get("density")),
                format_number(m.get("coverage")), *accuracy, str(r.steps), f"{r.seconds:.1f}",
                f"{r.parameters:,}",
            ])  # fmt: skip
    fake = {"floors": comparison.floors}
    for kind, label in (("real", "real data"), ("noise", "noise")):
        if floor_value(fake, kind, "fid") is None:
            continue
        source = comparison.floors[kind].get("source", "")
        values = [format_number(floor_value(fake, kind, k)) for k in keys]
        name = f"{label} ({source}, {comparison.floors[kind].get('samples')})"
        lead = [name, ""] if comparison.seeded else [name, "", ""]
        rows.append(lead + values + ([] if comparison.seeded else [""] * (len(header) - 10)))
    return header, rows


def format_mean_pm(mean: float, half: float) -> str:
    """``2.86 ± 0.31`` (a 95% half-width), or the mean alone for one seed."""
    if math.isnan(half):
        return format_number(mean)
    return f"{format_number(mean)} ± {format_number(half)}"


def render_markdown(comparison: Comparison) -> str:
    """The report's text: settings, the table with floors, differences, provenance, figures."""
    from ganzoo.metrics.provenance import markdown as provenance_markdown

    header, rows = table_rows(comparison)
    lines = [
        f"# Comparison on `{comparison.dataset}`",
        "",
        f"All numbers: feature extractor **{comparison.extractor}**, "
        f"**{comparison.samples}** generated samples per run. Numbers from another extractor "
        "or sample count are not comparable with these.",
        "",
        "The last rows are the scale: **real data** (real images of the other split, measured "
        "like a model: the best any model can score at this sample count) and **noise** "
        "(uniform noise images: a model that learned nothing). FID's interval is a bootstrap "
        "95% interval; KID's ± is its spread over subsets.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if comparison.seeded:
        lines += ["", "## Differences", "", f"Rule: {DIFFERENCE_RULE}.", ""]
        for d in differences(comparison.groups()):
            verdict = "supported" if d["supported"] else "**not supported**"
            lines.append(f"- {d['metric']}: {d['better']} better than "
                         f"{d['b'] if d['better'] == d['a'] else d['a']} — {verdict}")  # fmt: skip
        lines += ["", "Runs:", ""]
        lines += [f"- {r.name}: {r.configuration}, seed {r.seed}" for r in comparison.rows]
    warnings_ = sorted({w for r in comparison.rows for w in r.metrics.get("warnings", [])})
    alerts = [(r.name, r.metrics.get("health") or {}) for r in comparison.rows]
    alerts = [(n, h) for n, h in alerts if h.get("mode_collapse")]
    if warnings_ or alerts:
        lines += ["", "## Warnings", ""]
        lines += [f"- {w}" for w in warnings_]
        lines += [f"- {n}: mode collapse: {'; '.join(h['reasons'])}" for n, h in alerts]
    lines += [
        "",
        "## Provenance",
        "",
        *provenance_markdown(comparison.provenance),
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
    """The score (IS or the domain classifier score), FID and KID as bars, one per run: FID
    with its interval, the others with their std; grey lines at real data and noise."""
    from ganzoo.metrics.scores import score_label, score_prefix

    plt = pyplot()
    first = comparison.rows[0].metrics
    panels = [
        (score_prefix(first), f"{score_label(first)} ↑"),
        ("fid", "FID ↓"),
        ("kid", "KID ↓"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    names = [r.name for r in comparison.rows]
    for ax, (key, title) in zip(axes, panels, strict=True):
        means, low, high = [], [], []
        for r in comparison.rows:
            m = r.metrics
            mean = m.get(key) if key == "fid" else m.get(f"{key}_mean")
            means.append(mean if mean is not None else 0.0)
            interval = m.get("fid_interval") if key == "fid" else None
            if interval and mean is not None:  # FID: its bootstrap interval
                low.append(mean - interval[0])
                high.append(interval[1] - mean)
            else:  # IS and KID: their standard deviation
                low.append(m.get(f"{key}_std") or 0.0)
                high.append(m.get(f"{key}_std") or 0.0)
        ax.bar(range(len(names)), means, yerr=[low, high], color="tab:blue", capsize=3)
        floor_key = key if key == "fid" else f"{key}_mean"
        for kind, style in (("real", "--"), ("noise", ":")):
            value = (comparison.floors.get(kind) or {}).get(floor_key)
            if value is not None:
                ax.axhline(value, color="gray", linestyle=style, linewidth=1)
                ax.annotate("real data" if kind == "real" else "noise", (0, value),
                            xycoords=("axes fraction", "data"), fontsize=7, color="gray",
                            va="bottom")  # fmt: skip
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        available = any(
            (r.metrics.get(key) if key == "fid" else r.metrics.get(f"{key}_mean")) is not None
            for r in comparison.rows
        )
        ax.set_title(title if available else f"{title} (unavailable)")
    fig.suptitle(f"{comparison.extractor}, {comparison.samples} samples", fontsize=9)
    save_figure(fig, path)
