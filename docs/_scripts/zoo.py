"""The model zoo page's tables, generated from the registry when the docs are built.

``docs/zoo.md`` holds ``<!-- zoo: models -->``, ``<!-- zoo: losses -->``,
``<!-- zoo: regularisers -->`` and ``<!-- zoo: augmentations -->``; the docs hook
(``hooks.py``) replaces each with a table of every registered component of that kind: its
paper, what it is for, its registered defaults and its options (from its factory's
signature) with their defaults.

``<!-- zoo: measured -->`` becomes the recorded ``benchmarks/bench_zoo.py`` tables, read from
``benchmarks/results/zoo-*.json`` (one file per dataset, as the benchmark printed it), with
the command, date and machine that measured them. A recorded row whose model, loss or
regulariser is no longer registered fails the build: the page never shows a measurement of
something ganzoo cannot train.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

PLACEHOLDER = re.compile(
    r"<!-- zoo: (models|losses|regularisers|augmentations|measured) -->"
)
#: the recorded benchmark figures, one JSON file per dataset (bench_zoo.py's stdout)
RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
DATASET_NAMES = {"mnist": "MNIST at 32 px", "digits": "digits (8×8)"}
KIND = {
    "models": "model",
    "losses": "loss",
    "regularisers": "regulariser",
    "augmentations": "augmentation",
}

#: registration keywords that set a run's defaults, in the order the page shows them
DEFAULTS = (
    "loss",
    "lr",
    "lr_d",
    "betas",
    "d_steps",
    "dataset_settings",
    "dataset_options",
    "critic_options",
)
#: what ganzoo sets itself, never a user option
INTERNAL = {"self", "info", "data_info", "latent_dim", "num_classes"}


def paper_link(paper: str | None) -> str:
    """``"Miyato et al. 2018, https://..."`` -> a markdown link named by its citation."""
    if not paper:
        return ""
    url = re.search(r"https?://\S+", paper)
    cite = paper[: url.start()].strip(" ,") if url else paper
    return f"[{cite or url[0]}]({url[0]})" if url else cite


def options_of(component: Any) -> str:
    """``name=default`` for each option of the component's factory."""
    try:
        params = inspect.signature(component.load()).parameters.values()
    except (TypeError, ValueError):
        return ""
    shown = [
        f"`{p.name}={p.default!r}`"
        if p.default is not inspect.Parameter.empty
        else f"`{p.name}`"
        for p in params
        if p.name not in INTERNAL and p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    return ", ".join(shown) or "(none)"


def defaults_of(component: Any) -> str:
    """The run defaults a model registers (``loss="hinge"``, ``betas=(0.0, 0.9)``, ...)."""
    meta = component.meta  # the keywords given at registration, as a dict
    shown = [f"`{key}={meta[key]!r}`" for key in DEFAULTS if key in meta]
    flags = [
        f"`{key}`"
        for key in ("conditional", "per_sample_critic")
        if getattr(component.record, key, False)
    ]
    return ", ".join(shown + flags) or "—"


def table(kind: str) -> str:
    """The markdown table of every registered component of ``kind``."""
    from ganzoo.host.plugins import get_registry

    rows = [
        "| name | paper | what it is for | registered defaults | options |",
        "|---|---|---|---|---|",
    ]
    for c in get_registry().components(kind):
        cells = [f"`{c.name}`", paper_link(c.record.paper), c.description,
                 defaults_of(c), options_of(c)]  # fmt: skip
        rows.append(
            "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
        )
    return "\n".join(rows)


def cell(summary: dict[str, Any] | None, digits: int) -> str:
    """``mean ± ci95`` of one metric over seeds (the mean alone for a single seed)."""
    if summary is None:
        return "—"
    half = summary.get("ci95")
    mean = f"{summary['mean']:.{digits}f}"
    return mean if half is None else f"{mean} ± {half:.{digits}f}"


def mean_of(summary: dict[str, Any] | None) -> str:
    """The mean over seeds alone (the page is too narrow for every interval)."""
    return "—" if summary is None else f"{summary['mean']:.2f}"


def components_of(run: dict[str, Any]) -> set[tuple[str, str]]:
    """The (kind, name) pairs a recorded run trained with (model, loss, regularisers)."""
    resolved = run["resolved"]
    pairs = {("model", resolved["model"]), ("loss", resolved["loss"])}
    pairs |= {("regulariser", name) for name in resolved.get("reg", []) or []}
    return pairs


def measured() -> str:
    """The recorded zoo benchmark, one table per dataset, checked against the registry."""
    from ganzoo.host.plugins import get_registry

    files = sorted(RESULTS.glob("zoo-*.json"))
    if not files:
        raise RuntimeError(f"no recorded zoo benchmark in {RESULTS} (zoo-*.json)")
    registry = get_registry()
    known = {
        (kind, c.name) for kind in KIND.values() for c in registry.components(kind)
    }
    parts = []
    for path in files:
        figures = json.loads(path.read_text())
        datasets = sorted({row["dataset"] for row in figures["rows"]})
        title = ", ".join(DATASET_NAMES.get(d, d) for d in datasets)
        parts += [
            f"### {title}",
            "",
            f"{figures['steps']:,} generator updates at batch {figures['batch_size']}, "
            f"{figures['seeds']} seeds, {figures['samples']:,} samples against the test split "
            "with the domain extractor; FID is the mean ± the half-width of the 95% "
            "t-interval over seeds, the others (higher is better) their means "
            "(every interval is in `benchmarks/README.md` and the JSON). "
            f"Measured {figures['date']} on {figures['machine']} "
            f"({figures['threads']} torch threads, torch {figures['torch']}) with "
            f"`{figures['command']}`.",
            "",
            "| row | FID ↓ | precision / recall | density / coverage | img/s |",
            "|---|---|---|---|---|",
        ]
        for row in figures["rows"]:
            needed: set[tuple[str, str]] = set()
            for run in row["runs"]:
                needed |= components_of(run)
            if missing := needed - known:
                raise RuntimeError(
                    f"{path.name}: row {row['row']!r} uses {sorted(missing)}, "
                    "which ganzoo no longer registers: record the benchmark again"
                )
            pr, dc = (
                " / ".join(mean_of(row.get(k)) for k in pair)
                for pair in (("precision", "recall"), ("density", "coverage"))
            )
            parts.append(
                f"| `{row['row']}` | {cell(row['fid'], 2)} | {pr} | {dc} "
                f"| {row['images_per_s']:,.0f} |"
            )
        parts += ["", *papers_order(figures["rows"]), ""]
    return "\n".join(parts)


#: the published order these tables are read against: (better, worse, who reported it)
PAPERS_ORDER = (
    ("sngan+hinge", "dcgan+nonsat", "SNGAN ahead of DCGAN (Miyato et al. 2018; StudioGAN, "
     "CIFAR-10 FID 13.25 against 49.03)"),
    ("dcgan+wgan-gp", "dcgan+nonsat", "WGAN-GP ahead of DCGAN (StudioGAN, CIFAR-10 FID 25.85 "
     "against 49.03)"),
    ("dcgan-sn+hinge", "dcgan+nonsat", "spectral norm with the hinge loss ahead of the plain "
     "DCGAN (Miyato et al. 2018, the standard CNN)"),
)  # fmt: skip


def papers_order(rows: list[dict[str, Any]]) -> list[str]:
    """One bullet per published ordering: whether this table agrees, from its own FIDs."""
    fid = {row["row"]: row["fid"] for row in rows}
    lines = []
    for better, worse, claim in PAPERS_ORDER:
        if better not in fid or worse not in fid:
            continue
        a, b = fid[better], fid[worse]
        high_a = a["mean"] + (a["ci95"] or 0.0)  # the better row's upper end
        low_b = b["mean"] - (b["ci95"] or 0.0)
        if a["mean"] < b["mean"]:
            verdict = "agrees" + (
                ", and the 95% intervals do not overlap"
                if high_a < low_b
                else ", but the 95% intervals overlap: not separated at this budget"
            )
        else:
            verdict = "does **not** agree at this budget"
        lines.append(
            f"- {claim}: `{better}` {cell(a, 2)} against `{worse}` {cell(b, 2)}, {verdict}."
        )
    return lines


def render(markdown: str) -> str:
    """``markdown`` with each ``<!-- zoo: KIND -->`` replaced by its table."""
    return PLACEHOLDER.sub(
        lambda m: measured() if m[1] == "measured" else table(KIND[m[1]]), markdown
    )
