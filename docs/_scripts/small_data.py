"""The few-images tutorial's recorded study: table and grids from ``bench_small_data.py``.

``docs/tutorials/few-images.md`` holds ``<!-- small-data: table -->``,
``<!-- small-data: reading -->`` (what the table says, computed from it) and
``<!-- small-data: grids -->``; the docs hook (``hooks.py``) replaces them with the recorded
run of ``benchmarks/bench_small_data.py --record benchmarks/results``: the JSON
``benchmarks/results/small-data.json`` and the grids ``benchmarks/results/small-data/*.png``
(which join the site as ``figures/small-data/NAME.png``). Nothing is typed in by hand.

Where the study has not been recorded, each placeholder becomes a note saying so, with the
command that records it, and the build goes on (as ``figures.py`` does where MNIST is
absent): the page never shows a number nobody measured.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
RECORD = RESULTS / "small-data.json"
PLACEHOLDER = re.compile(r"<!-- small-data: (table|grids|reading) -->")
RECORD_COMMAND = "python benchmarks/bench_small_data.py --record benchmarks/results"
DATASET_NAMES = {"mnist": "MNIST (32 px)", "digits": "digits (8×8)"}
#: The same in the table, whose columns must fit the page (its caption gives the sizes).
SHORT_NAMES = {"mnist": "MNIST", "digits": "digits"}


def recorded() -> dict[str, Any] | None:
    """The recorded study, or ``None`` where it has not been recorded."""
    return json.loads(RECORD.read_text()) if RECORD.is_file() else None


def grid_files() -> list[tuple[str, Path]]:
    """(site path, file) of every recorded grid."""
    return [
        (f"figures/small-data/{p.name}", p)
        for p in sorted(RESULTS.glob("small-data/*.png"))
    ]


def _cell(summary: dict[str, Any] | None, digits: int) -> str:
    if not summary:
        return "n/a"
    half = summary.get("ci95")
    return f"{summary['mean']:.{digits}f}" + (
        "" if half is None else f" ± {half:.{digits}f}"
    )


def table(figures: dict[str, Any]) -> str:
    """The study as a Markdown table, with how and where it was measured."""
    lines = [
        f"DCGAN + non-saturating loss, {figures['steps']:,} generator updates at batch "
        f"{figures['batch_size']} (MNIST at 32 px, the digits at 8×8), "
        f"{figures['seeds']} seeds (every seed on the same images, "
        f"picked by `--data-seed {figures['data_seed']}`), {figures['samples']:,} samples "
        "against the full test split with the domain extractor; mean ± half-width of the 95% "
        f"t-interval over seeds. Measured {figures['date']} on {figures['machine']} "
        f"(torch {figures['torch']}) with `{figures['command']}`.",
        "",
        "NN ratio: about 1 for new images, towards 0 for copies; closer: 0.5 for new images; "
        "Z_U: below −3 means copying.",
        "",
        "| data (images) | DiffAug. | FID ↓ | NN ratio | closer | Z_U |",
        "|---|---|---|---|---|---|",
    ]
    for c in figures["cells"]:
        lines.append(
            f"| {SHORT_NAMES.get(c['dataset'], c['dataset'])} {c['fraction']:.0%} "
            f"({c['images']:,}) | {'yes' if c['augment'] else 'no'} | {_cell(c.get('fid'), 2)} "
            f"| {_cell(c.get('ratio'), 2)} | {_cell(c.get('closer_fraction'), 2)} "
            f"| {_cell(c.get('z_u'), 1)} |"
        )
    return "\n".join(lines) + "\n"


def grids(figures: dict[str, Any]) -> str:
    """Each cell's grid (its first seed), without and with DiffAugment side by side."""
    lines = [
        f"Each cell: 64 samples of the first seed's generator (its moving average) after "
        f"{figures['steps']:,} updates, DCGAN + non-saturating loss; left without, right with "
        "DiffAugment. Look for digits you can name and for variety: a grid of near-copies of "
        "a few training images is what memorisation looks like.",
        "",
        "| data | without DiffAugment | with DiffAugment |",
        "|---|---|---|",
    ]
    cells: dict[tuple[str, float], dict[bool, str]] = {}
    for c in figures["cells"]:
        grid = (c["runs"][0] or {}).get("grid")
        if grid:
            cells.setdefault((c["dataset"], c["fraction"]), {})[c["augment"]] = grid
    for (dataset, fraction), by in cells.items():
        shown = [
            f"![{dataset} {fraction:.0%}{' with DiffAugment' if a else ''}]"
            f"(../figures/{by[a]})" if a in by else "" for a in (False, True)
        ]  # fmt: skip
        name = DATASET_NAMES.get(dataset, dataset)
        lines.append(f"| {name}, {fraction:.0%} | " + " | ".join(shown) + " |")
    return "\n".join(lines) + "\n"


def _interval(summary: dict[str, Any]) -> tuple[float, float]:
    half = summary.get("ci95") or 0.0
    return summary["mean"] - half, summary["mean"] + half


def reading(figures: dict[str, Any]) -> str:
    """What the table says, cell pair by cell pair, computed from its numbers: whether
    DiffAugment's FID interval lies below, above or across the plain run's, and whether any
    cell shows copying (NN ratio under 0.9 with Z_U under -3, the page's own thresholds)."""
    pairs: dict[tuple[str, float], dict[bool, dict[str, Any]]] = {}
    for c in figures["cells"]:
        pairs.setdefault((c["dataset"], c["fraction"]), {})[c["augment"]] = c
    sentences = []
    for (dataset, fraction), by in pairs.items():
        if set(by) != {False, True} or not all(by[a].get("fid") for a in by):
            continue
        plain, aug = by[False]["fid"], by[True]["fid"]
        (p_low, p_high), (a_low, a_high) = _interval(plain), _interval(aug)
        name = f"{DATASET_NAMES.get(dataset, dataset)} at {fraction:.0%}"
        if a_high < p_low:
            verdict = "lowered FID"
        elif a_low > p_high:
            verdict = "raised FID"
        else:
            verdict = "changed FID by less than chance (the intervals overlap)"
        sentences.append(
            f"{name} ({by[False]['images']:,} images): DiffAugment {verdict} "
            f"({plain['mean']:.2f} without, {aug['mean']:.2f} with)."
        )
    copying = [
        f"{DATASET_NAMES.get(c['dataset'], c['dataset'])} at {c['fraction']:.0%}"
        + (" with DiffAugment" if c["augment"] else "")
        for c in figures["cells"]
        if c.get("ratio") and c.get("z_u")
        and c["ratio"]["mean"] < 0.9 and c["z_u"]["mean"] < -3
    ]  # fmt: skip
    ratios = [c["ratio"]["mean"] for c in figures["cells"] if c.get("ratio")]
    if copying:
        sentences.append(
            "Copying (NN ratio under 0.9, Z_U under −3): "
            + ", ".join(copying)
            + "."
        )
    elif ratios:
        sentences.append(
            f"No cell copies its training images: NN ratios from {min(ratios):.2f} to "
            f"{max(ratios):.2f} and every Z_U above −3; at "
            f"{figures['steps']:,} updates the samples are, if anything, farther from the "
            "training images than real test digits are (ratio above 1: undertrained, not "
            "memorised)."
            if min(ratios) > 1
            else f"No cell copies its training images (NN ratios {min(ratios):.2f} to "
            f"{max(ratios):.2f}, every Z_U above −3)."
        )
    return " ".join(sentences) + "\n"


def not_recorded(kind: str) -> str:
    """The note that stands where the study's table or grids would be."""
    if kind == "grids":
        return "*(No grids yet: the study has not been recorded; see the note above.)*\n"
    if kind == "reading":
        return ""
    return (
        '!!! warning "Not recorded yet"\n'
        "    The study this page describes has not been run on a quiet machine yet, so its "
        "table\n    and grids are missing rather than made up. Record it with\n"
        f"    `{RECORD_COMMAND}` (hours on a CPU); the next build of these pages shows it.\n"
    )


def render(markdown: str) -> str:
    """``markdown`` with each ``<!-- small-data: ... -->`` replaced (see the module docstring)."""
    figures = recorded()
    if figures is None:
        return PLACEHOLDER.sub(lambda m: not_recorded(m[1]), markdown)
    made = {"table": table, "grids": grids, "reading": reading}
    return PLACEHOLDER.sub(lambda m: made[m[1]](figures), markdown)
