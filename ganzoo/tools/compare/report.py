"""A comparison's report: the table the CLI prints too, ``report.md`` and ``comparison.json``."""

from __future__ import annotations

from pathlib import Path

from ganzoo.api.errors import UsageError
from ganzoo.metrics.numbers import format_interval, format_mean_pm, format_number, format_pm
from ganzoo.runs.files import atomic_write_json, atomic_write_text
from ganzoo.tools.compare.figures import (
    plot_loss_curves_side_by_side,
    plot_metric_bars,
    plot_sample_grids,
)
from ganzoo.tools.compare.runs import RunRow
from ganzoo.tools.compare.seeds import DIFFERENCE_RULE, Comparison, SeedGroup, differences


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


#: the metrics of a row, as EvalResult fields (and floor keys), in the table's order; the
#: score is ``inception_score_mean`` or ``classifier_score_mean`` (see :func:`table_metrics`)
TABLE_METRICS = ("score_mean", "fid", "kid_mean", "precision", "recall", "density", "coverage")


def table_metrics(comparison: Comparison) -> list[str]:
    """:data:`TABLE_METRICS` with the score keyed for the comparison's extractor."""
    score = f"{comparison.rows[0].metrics.score_prefix}_mean"
    return [score if key == "score_mean" else key for key in TABLE_METRICS]


def table_rows(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    """The comparison table (header, rows) that the report and the CLI both print.

    One row per run, then the real-data floor and the noise ceiling measured like them. With
    several seeds per configuration, one row per configuration: mean ± 95% t-interval half-width.
    """
    keys = table_metrics(comparison)
    score = f"{comparison.rows[0].metrics.score_label} ↑"
    if comparison.seeded:
        header = ["configuration", "seeds", score, "FID ↓", "KID ↓", "precision ↑", "recall ↑",
                  "density ↑", "coverage ↑"]  # fmt: skip
        rows = [_seed_row(group, keys) for group in comparison.groups()]
    else:
        header = ["run", "model", "loss", score, "FID ↓ [95%]", "KID ↓", "precision ↑",
                  "recall ↑", "density ↑", "coverage ↑", "steps", "time (s)",
                  "parameters"]  # fmt: skip
        conditional = any(r.metrics.conditional for r in comparison.rows)
        if conditional:  # samples asked for class k, labelled k by the domain classifier
            header.insert(10, "class acc. ↑")
        rows = [_run_row(r, conditional) for r in comparison.rows]
    for kind, label in (("real", "real data"), ("noise", "noise")):
        floor = comparison.floors.get(kind) or {}
        if floor.get("fid") is None:
            continue
        values = [format_number(floor.get(k)) for k in keys]
        name = f"{label} ({floor.get('source', '')}, {floor.get('samples')})"
        lead = [name, ""] if comparison.seeded else [name, "", ""]
        rows.append(lead + values + ([] if comparison.seeded else [""] * (len(header) - 10)))
    return header, rows


def _seed_row(group: SeedGroup, keys: list[str]) -> list[str]:
    """A configuration's seeds pooled: mean ± 95% t-interval half-width per metric."""
    cells = [group.name, ",".join(str(r.seed) for r in group.rows)]
    for key in keys:
        found = group.summary(key)
        cells.append("n/a" if found is None else format_mean_pm(*found))
    return cells


def _run_row(row: RunRow, conditional: bool) -> list[str]:
    """One run: what it is, its scores, what it cost."""
    m = row.metrics
    accuracy = [format_number(m.conditional_accuracy)] if conditional else []
    return [
        row.name, row.model, row.loss, format_pm(*m.score),
        f"{format_number(m.fid)} {format_interval(m.fid_interval)}".strip(),
        format_pm(m.kid_mean, m.kid_std), format_number(m.precision), format_number(m.recall),
        format_number(m.density), format_number(m.coverage), *accuracy, str(row.steps),
        f"{row.seconds:.1f}", f"{row.parameters:,}",
    ]  # fmt: skip


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
    warnings_ = sorted({w for r in comparison.rows for w in r.metrics.warnings or []})
    alerts = [(r.name, r.metrics.health or {}) for r in comparison.rows]
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
