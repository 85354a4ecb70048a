"""A study's report: ``report.json`` (every number, with how it was measured) and
``report.md`` (the table with 95% intervals, the paper's figures beside it, a verdict per
claim), both built from the measurements alone.

``render_markdown`` reads nothing but ``report.json``'s content, so the docs page renders a
recorded report with the same function that wrote it (``docs/_scripts/reproduce.py``).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganzoo.runs.files import atomic_write_json, atomic_write_text
from ganzoo.tools.reproduce.study import QUANTITIES, Study
from ganzoo.tools.reproduce.verdicts import ACROSS_RULE, VERDICT_RULE, combine, judge, summary

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
FORMAT = 1  # of report.json; a reader refuses another


def extractor_note(kind: str, name: str, samples: int) -> str:
    """The sentence that says how this study's FID differs from the paper's."""
    if kind == "inception":
        return (
            f"These FIDs use Inception-v3 features ({name}) as the papers do, but on {samples:,} "
            "samples and a CPU budget far below the papers': the paper's figures stand beside "
            "the table, never inside a computed verdict."
        )
    return (
        f"The extractor differs from the paper's: these FIDs use ganzoo's domain extractor "
        f"({name}, a small classifier trained on the dataset's training split) on "
        f"{samples:,} samples, the papers' use Inception-v3 features. The two scales are not "
        "comparable, so the paper's figures stand beside the table and never enter a verdict; "
        "the verdicts compare ganzoo's rows with each other. Inception features, as in the "
        "papers, are an option for those with the time: --extractor inception."
    )


def build_report(
    study: Study,
    settings: Mapping[str, Any],
    measured: Mapping[str, Any],
    out: Path,
    seconds: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The report of ``study`` from :func:`~ganzoo.tools.reproduce.protocol.measure`'s
    output; run folders are given relative to ``out``, so a recorded folder can move."""
    import ganzoo

    rows = study.rows_by_name
    datasets, claims = [], []
    for dataset, m in measured.items():
        comparison = m.comparison
        floors = comparison.floors or {}
        table = []
        for r in m.rows:
            fids = m.values[(r.row.name, "fid")]
            runs = []
            for path, fid in zip(r.runs, fids, strict=True):
                row_run = next(x for x in comparison.rows if x.path.resolve() == path.resolve())
                runs.append(
                    {
                        "seed": row_run.seed,
                        "path": _relative(path, out),
                        "fid": fid,
                        "fid_interval": row_run.metrics.fid_interval,
                        "seconds": row_run.seconds,
                    }
                )
            figure = r.row.paper.get(dataset)
            table.append(
                {
                    "row": r.row.name,
                    "label": r.row.label,
                    "model": r.row.model,
                    "loss": r.row.loss,
                    "params": r.params,
                    "search": None
                    if r.search is None
                    else {
                        "study_name": r.search.study_name,
                        "trials": len(r.search.trials),
                        "best_fid": r.search.value,
                        "trial_list": [
                            {
                                **t,
                                "run_dir": t.get("run_dir") and _relative(Path(t["run_dir"]), out),
                            }
                            for t in r.search.trials
                        ],
                    },
                    "runs": runs,
                    "fid": summary([v for v in fids if v is not None]),
                    "quantities": {
                        q: m.values.get((r.row.name, q), [])
                        for q in QUANTITIES
                        if q != "fid"
                        and any(v is not None for v in m.values.get((r.row.name, q), []))
                    },
                    "paper": None if figure is None else {"fid": figure, "source": r.row.source},
                }
            )
        datasets.append(
            {
                "dataset": dataset,
                "extractor": comparison.extractor,
                "floors": {k: (v or {}).get("fid") for k, v in floors.items()},
                "rows": table,
            }
        )
    for claim in study.claims:
        if claim.a.row not in rows or claim.b.row not in rows:
            continue
        verdicts = [judge(claim, d, rows, m.values) for d, m in measured.items()]
        claims.append(
            {
                "id": claim.id,
                "text": claim.text,
                "source": claim.source,
                "a": {"row": claim.a.row, "quantity": claim.a.quantity},
                "b": {"row": claim.b.row, "quantity": claim.b.quantity},
                "paired": claim.paired,
                "across": claim.across,
                "on": verdicts,
                "verdict": combine([v["verdict"] for v in verdicts], claim.across),
            }
        )
    extractors = sorted({d["extractor"] for d in datasets})
    return {
        "format": FORMAT,
        "study": study.name,
        "title": study.title,
        "paper": study.paper,
        "protocol": study.protocol,
        "settings": dict(settings),
        "extractor_note": extractor_note(
            str(settings["extractor"]), ", ".join(extractors), int(settings["samples"])
        ),
        "verdict_rule": VERDICT_RULE,
        "across_rule": ACROSS_RULE,
        "quantities": {q: QUANTITIES[q] for q in QUANTITIES},
        "datasets": datasets,
        "paper_only": [
            {"label": p.label, "paper": dict(p.paper), "source": p.source, "why": p.why}
            for p in study.paper_only
        ],
        "claims": claims,
        "left_out": [{"row": row.name, "label": row.label} for row in study.left_out],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "ganzoo": ganzoo.__version__,
        "training_seconds": dict(seconds or {}),  # the searches' and the re-runs' training
    }


def _relative(path: Path, out: Path) -> str:
    try:
        return str(path.resolve().relative_to(out.resolve()))
    except ValueError:
        return str(path)


# --- rendering ------------------------------------------------------------------------------

DATASET_NAMES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "digits": "digits (8×8)"}


def _num(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}" if abs(x) >= 0.01 or x == 0 else f"{x:.2g}"


def _mean_pm(s: Mapping[str, Any] | None, digits: int = 2) -> str:
    if not s or s.get("mean") is None:
        return "n/a"
    half = s.get("half_width")
    return _num(s["mean"], digits) + ("" if half is None else f" ± {_num(half, digits)}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _trials(search: Mapping[str, Any]) -> str:
    """``4 trials``, or ``4 trials; not counted: 2 interrupted`` where a kill stopped trials
    that were then redone: the budget is the counted trials, the same for every row."""
    listed = search.get("trial_list") or []
    if not listed:
        return _count(search["trials"], "trial")
    counted = [t for t in listed if t.get("counted", True)]
    reasons = Counter(
        str(t.get("error") or "unfinished").split()[0] for t in listed if not t.get("counted", True)
    )
    text = _count(len(counted), "trial")
    if reasons:
        text += "; not counted: " + ", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
    return text


def _setting(params: Mapping[str, Any]) -> str:
    if not params:
        return "the zoo's defaults"
    shown = []
    for key, value in sorted(params.items()):
        text = f"{value:.3g}" if isinstance(value, float) else str(value)
        shown.append(f"{key}={text}")
    return ", ".join(shown)


def _side(record: Mapping[str, Any]) -> str:
    name = record["row"] + ("" if record["quantity"] == "fid" else f" {record['quantity']}")
    return f"{name} {_mean_pm(record, 3)}"


def _difference(record: Mapping[str, Any]) -> str:
    d = record["difference"]
    if d["low"] is None:
        return f"{_num(d['estimate'], 3)} (no interval: fewer than two seeds)"
    return f"{_num(d['estimate'], 3)} [{_num(d['low'], 3)}, {_num(d['high'], 3)}]"


RELATION_WORDS = {"less": "a < b", "greater": "a > b", "not_less": "a not < b"}


def left_out_sentence(report: Mapping[str, Any]) -> str:
    """`` Rows left out ...: A, B; ...``: the rows of the study this report does not cover
    (``--rows``), or nothing."""
    left_out = report.get("left_out") or []
    if not left_out:
        return ""
    labels = ", ".join(r["label"] for r in left_out)
    return f" Rows of the study left out (`--rows`): {labels}; the claims on them are not judged."


def render_markdown(report: Mapping[str, Any]) -> str:
    """``report.md`` from a report (see :func:`build_report`): a title, then sections."""
    return "\n".join(render_lines(report, title=True)) + "\n"


def render_lines(
    report: Mapping[str, Any], title: bool = True, level: int = 2, figures_at: str = ""
) -> list[str]:
    """The report as Markdown lines. ``title=False`` leaves out the title and the protocol
    (a docs page says those itself); ``level`` is the depth of the section headings;
    ``figures_at`` is prefixed to each figure's file name (where the page finds them)."""
    h = "#" * level
    s = report["settings"]
    lines: list[str] = []
    if title:
        lines += [f"# Reproducing {report['title']}", "", report["paper"], ""]
        lines += [f"{h} Protocol", "", report["protocol"], ""]
    seeds = ", ".join(map(str, s["seeds"]))
    if s["budget"]:
        trials = _count(s["budget"], "search trial")
        plan = f"{trials} per row, then the best setting re-run with seeds {seeds}"
    else:
        plan = f"no search (the zoo's defaults), trained with seeds {seeds}"
    lines += [
        f"This run: {plan}; {s['steps']:,} steps per run; FID on "
        f"{s['samples']:,} samples against the test split. ganzoo {report['ganzoo']}, "
        f"{report['created']}."
        + (f" Made with `{report['command']}`." if report.get("command") else "")
        + left_out_sentence(report),
        "",
        f"**{report['extractor_note']}**",
        "",
    ]
    for d in report["datasets"]:
        name = DATASET_NAMES.get(d["dataset"], d["dataset"])
        lines += [
            f"{h} {name}",
            "",
            "| row | best setting | FID ↓ (mean ± 95% half-width) | seeds' FIDs "
            "| paper's FID (Inception) |",
            "|---|---|---|---|---|",
        ]
        for r in d["rows"]:
            values = ", ".join(_num(v) for v in r["fid"]["values"])
            paper = "—" if r["paper"] is None else _num(r["paper"]["fid"], 1)
            found = r["search"]
            searched = "" if found is None else f" ({_trials(found)})"
            lines.append(
                f"| {r['label']} ({r['model']}+{r['loss']}) | {_setting(r['params'])}{searched} "
                f"| {_mean_pm(r['fid'])} | {values} | {paper} |"
            )
        floors = d.get("floors") or {}
        sources = sorted({r["paper"]["source"] for r in d["rows"] if r["paper"]})
        lines += [
            "",
            f"Measured by {d['extractor']}. Real data (the other split, measured like a model): "
            f"FID {_num(floors.get('real'))}; uniform noise: {_num(floors.get('noise'))}.",
        ]
        if sources:
            lines.append("Paper's figures: " + "; ".join(sources) + ".")
        others = [
            f"{p['label']} {_num(p['paper'][d['dataset']], 1)} ({p['why']})"
            for p in report.get("paper_only", [])
            if d["dataset"] in p["paper"]
        ]
        if others:
            lines.append("In the paper's table but not trained here: " + "; ".join(others) + ".")
        figure = (report.get("figures") or {}).get(d["dataset"])
        if figure:
            lines += ["", f"![FID on {name}: ganzoo's rows and the paper's]({figures_at}{figure})"]
        lines.append("")
    lines += [f"{h} Claims", ""]
    if not report["claims"]:
        lines += ["No claim of the study compares two of the rows run.", ""]
    for c in report["claims"]:
        verdict = c["verdict"] or "not measured"
        lines += [
            f"- **{verdict}** — {c['text']} *({c['source']})*",
        ]
        for v in c["on"]:
            name = DATASET_NAMES.get(v["dataset"], v["dataset"])
            margin = f", margin {_num(v['margin'], 3)}" if v.get("margin") else ""
            lines.append(
                f"    - {name}: a = {_side(v['a'])}, b = {_side(v['b'])}; "
                f"{RELATION_WORDS[v['relation']]}{margin}; a − b = {_difference(v)}: "
                f"{v['verdict']}"
            )
    lines += ["", f"{h} How the verdicts are computed", "", report["verdict_rule"], ""]
    lines += [report["across_rule"], ""]
    return lines


def figure_name(dataset: str) -> str:
    """The file of a dataset's figure in the report folder."""
    return f"fid-{dataset}.png"


def plot_fids(report: Mapping[str, Any], out: Path) -> dict[str, str]:
    """One figure per dataset: ganzoo's FID per row with its 95% interval over seeds, and,
    in a panel of its own (another scale), the paper's figures. Returns dataset -> file."""
    from ganzoo.runs.plotting import pyplot, save_figure

    plt = pyplot()
    made = {}
    for d in report["datasets"]:
        rows = d["rows"]
        paper = [(r["label"], r["paper"]["fid"]) for r in rows if r["paper"]]
        paper += [(p["label"], p["paper"][d["dataset"]]) for p in report.get("paper_only", [])
                  if d["dataset"] in p["paper"]]  # fmt: skip
        panels = 2 if paper else 1
        fig, axes = plt.subplots(1, panels, figsize=(4.6 * panels, 0.45 * len(rows) + 1.6))
        axes = [axes] if panels == 1 else list(axes)
        labels = [r["label"] for r in rows]
        means = [r["fid"]["mean"] if r["fid"]["mean"] is not None else 0.0 for r in rows]
        halves = [r["fid"]["half_width"] or 0.0 for r in rows]
        ax = axes[0]
        ax.barh(range(len(rows)), means, xerr=halves, color="tab:blue", capsize=3)
        for i, r in enumerate(rows):
            ax.plot(r["fid"]["values"], [i] * len(r["fid"]["values"]), "k.", markersize=4)
        ax.set_yticks(range(len(rows)), labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_xlim(left=0)  # FID's lower bound (two seeds' intervals can reach below it)
        ax.set_xlabel("FID ↓ (mean, 95% interval, seeds as dots)", fontsize=9)
        ax.set_title(f"ganzoo: {d['extractor']}", fontsize=9)
        if paper:
            ax = axes[1]
            ax.barh(range(len(paper)), [v for _, v in paper], color="tab:gray")
            ax.set_yticks(range(len(paper)), [name for name, _ in paper], fontsize=9)
            ax.invert_yaxis()
            ax.set_xlabel("FID ↓ (Inception features)", fontsize=9)
            ax.set_title("the paper's figures (another scale)", fontsize=9)
        name = DATASET_NAMES.get(d["dataset"], d["dataset"])
        fig.suptitle(f"{report['title']}: {name}", fontsize=10)
        save_figure(fig, Path(out) / figure_name(d["dataset"]))
        made[d["dataset"]] = figure_name(d["dataset"])
    return made


def write_report(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """``report.json``, ``report.md`` and the figures in ``out`` (replaced: they are made from
    the runs, which the folder keeps); ``report["figures"]`` names the figures."""
    out = Path(out)
    report["figures"] = plot_fids(report, out)
    atomic_write_json(out / REPORT_JSON, dict(report))
    atomic_write_text(out / REPORT_MD, render_markdown(report))
    return out / REPORT_JSON, out / REPORT_MD
