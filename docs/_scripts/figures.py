"""The docs' figures and real outputs, made by ganzoo itself at build time.

Used two ways:

- by the MkDocs hook ``docs/_scripts/hooks.py``: before the build, :func:`ensure_generated`
  makes sure the figures and texts exist for the current source;
- as a script: ``python docs/_scripts/figures.py generate OUT`` writes them into ``OUT``.

Every figure comes from a ``ganzoo`` command in :data:`COMMANDS` (the same command lines the
pages show; ``tests/docs/test_docs.py`` checks they appear verbatim) or from ganzoo's own Python
API (the loss plugins, :mod:`ganzoo.metrics.theory`). Nothing is pasted in by hand.

The DCGAN tutorial's commands (:data:`MNIST_COMMANDS`) need real MNIST in
``../shared/data`` and run with a tenth of their budget (:data:`MNIST_SCALE`), in a second
process alongside the others. Where MNIST is absent the tutorial's outputs are replaced by a
note saying so, and the build goes on.

Results are cached in ``.cache/docs/<key>/`` at the repository root, where ``key`` hashes
the source of ``ganzoo/``, ``plugins/`` and this file, and whether MNIST is there: a build
after a code change makes them again (a minute or two on two busy CPU cores), an unchanged
build reuses them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "docs"
SOURCES = ("ganzoo", "plugins")

#: The commands whose outputs the docs show, in order, run from one working folder.
COMMANDS: tuple[str, ...] = (
    "ganzoo train --model vanilla --loss nonsat --dataset digits --steps 1500 --out runs/first-gan",
    "ganzoo train --model vae --dataset digits --steps 1500 --out runs/first-vae",
    "ganzoo compare runs/first-gan runs/first-vae --samples 500 --out runs/gan-vs-vae",
    "ganzoo train --model vanilla --dataset gaussian1d --batch-size 1000 --lr 1e-4 --ema 0"
    " --steps 400 --out runs/fig1",
    "ganzoo plot-dynamics runs/fig1 --panels 6",
    "ganzoo sample runs/first-gan --n 100 --nrow 10 --out first-gan-grid.png",
    "ganzoo sample runs/first-gan --interpolate 10 --n 6 --out first-gan-walk.png",
    "ganzoo train --model vanilla --dataset digits --conditional --steps 3000 --out runs/cgan",
    "ganzoo eval runs/first-gan --samples 1000",
)

#: The shared data folder of ganzoo's CI, as the pages write it and where it is
#: (``GANZOO_DOCS_SHARED_DATA`` to point elsewhere, or at nothing to try the fallback).
SHARED_DATA_IN_DOCS = "../shared/data"
SHARED_DATA = Path(
    os.environ.get("GANZOO_DOCS_SHARED_DATA", ROOT.parent / "shared" / "data")
)

#: The DCGAN tutorial's commands (docs/tutorials/dcgan-mnist.md), verbatim, in order.
MNIST_COMMANDS: tuple[str, ...] = (
    "ganzoo train --model dcgan --loss nonsat --dataset mnist --data-dir ../shared/data"
    " --steps 2000 --eval-every 500 --eval-samples 1000 --out runs/dcgan-mnist",
    "ganzoo eval runs/dcgan-mnist --samples 1000",
)
#: The build runs :data:`MNIST_COMMANDS` with these options divided by 10: the same
#: schedule, a tenth of the compute (a DCGAN step takes most of a second on a busy CPU).
MNIST_SCALE: dict[str, int] = {"--steps": 10, "--eval-every": 10}

#: Figure name in the site -> file in the MNIST working folder (made only where MNIST is).
MNIST_COPIED: dict[str, str] = {
    "dcgan_mnist_samples.png": "runs/dcgan-mnist/samples/{last}",
    "dcgan_mnist_loss_curves.png": "runs/dcgan-mnist/loss_curves.png",
}

#: Figure name in the site (``figures/NAME``) -> file in the working folder.
COPIED: dict[str, str] = {
    "first_gan_samples_first.png": "runs/first-gan/samples/epoch_0001.png",
    "first_gan_samples_last.png": "runs/first-gan/samples/{last}",
    "first_gan_loss_curves.png": "runs/first-gan/loss_curves.png",
    "gan_vs_vae_samples.png": "runs/gan-vs-vae/samples.png",
    "gan_vs_vae_metrics.png": "runs/gan-vs-vae/metrics.png",
    "gan_vs_vae_loss_curves.png": "runs/gan-vs-vae/loss_curves.png",
    "dynamics.png": "runs/fig1/dynamics.png",
    "fig1_loss_curves.png": "runs/fig1/loss_curves.png",
    "sample_grid.png": "first-gan-grid.png",
    "sample_walk.png": "first-gan-walk.png",
    "sample_walk.gif": "first-gan-walk.gif",
    "cgan_samples_last.png": "runs/cgan/samples/{last}",
}

#: Figures computed with ganzoo's Python API rather than copied from a run.
COMPUTED: tuple[str, ...] = (
    "gan_losses.png",
    "d_star.png",
    "reading_numbers_samples.png",
)
#: Sample counts of the "reading the numbers" figure (digits' test split has 359 images).
READING_COUNTS: tuple[int, ...] = (50, 100, 200, 400, 800)

log = logging.getLogger("mkdocs.hooks.ganzoo_figures")


# --- generation (runs in its own process: torch stays out of MkDocs) ----------------------


def run_command(line: str) -> str:
    """Run one ``ganzoo ...`` command line in-process; return its stdout, raise if it fails."""
    from ganzoo.cli import main

    args = shlex.split(line)
    assert args[0] == "ganzoo", line
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            main(args[1:])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise RuntimeError(
                f"{line!r} exited with {exc.code}\n{out.getvalue()}"
            ) from None
    sys.stdout.write(out.getvalue())
    return out.getvalue()


def scaled(line: str, scale: dict[str, int]) -> str:
    """``line`` with each option of ``scale`` divided by its factor (at least 1)."""
    args = shlex.split(line)
    for i, arg in enumerate(args[:-1]):
        if arg in scale:
            args[i + 1] = str(max(1, int(args[i + 1]) // scale[arg]))
    return shlex.join(args)


def mnist_available() -> bool:
    """Whether real MNIST is in ``../shared/data`` (the test suite's rule too)."""
    return (SHARED_DATA / "MNIST" / "raw").is_dir()


def generator_losses_figure(path: Path) -> None:
    """The two generator losses and their gradients against D(G(z)), from the loss plugins."""
    import torch
    from ganzoo.host.build import create_loss
    from ganzoo.runs.plotting import pyplot, save_figure

    d = torch.linspace(0.002, 0.998, 400, dtype=torch.float64)
    curves = {}
    for name in ("minimax", "nonsat"):
        loss = create_loss(name, {})
        values, grad_d, grad_logit = [], [], []
        for p in d:
            p = p.clone().requires_grad_(True)
            logit = torch.log(p) - torch.log1p(-p)  # D(G(z)) = sigmoid(logit)
            logit.retain_grad()
            value = loss.generator_loss(logit.reshape(1))
            value.backward()
            values.append(value.item())
            grad_d.append(p.grad.item())
            grad_logit.append(logit.grad.item())
        curves[name] = (values, grad_d, grad_logit)
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.6))
    style = {
        "minimax": ("C3", "minimax: log(1 - D(G(z)))"),
        "nonsat": ("C0", "nonsat: -log D(G(z))"),
    }
    titles = (
        "generator loss (what G minimises)",
        "slope d loss / d D(G(z))",
        "gradient reaching G: |d loss / d logit|",
    )
    for i, ax in enumerate(axes):
        for name, (color, label) in style.items():
            ys = curves[name][i]
            ax.plot(
                d, [abs(y) for y in ys] if i == 2 else ys, color=color, label=label
            )
        ax.set_title(titles[i], fontsize=10)
        ax.set_xlabel("D(G(z))")
        ax.axvspan(0, 0.1, color="0.9", zorder=0)
    axes[0].text(0.02, 0.05, "early training:\nD rejects fakes", fontsize=8,
                 transform=axes[0].transAxes)  # fmt: skip
    axes[1].set_ylim(-20, 5)
    axes[2].set_ylim(0, 1.05)
    axes[0].legend(fontsize=9)
    save_figure(fig, path)


def optimal_discriminator_figure(path: Path) -> dict[str, float]:
    """D trained against a fixed G (the setting of ``tests/metrics/test_theory.py``) against D*."""
    import torch
    from ganzoo.api.models import GAN
    from ganzoo.host.build import create_loss, create_model, load_dataset
    from ganzoo.metrics.theory import (
        discriminator_curve,
        optimal_discriminator,
        train_discriminator,
    )
    from ganzoo.runs.plotting import pyplot, save_figure
    from torch import nn

    torch.manual_seed(0)
    data = load_dataset("gaussian1d", None)
    model = create_model("vanilla", data.info, 1, {})
    generator = nn.Linear(1, 1)  # G(z) = 0.8 z + 1.5: p_g = N(1.5, 0.8²) exactly
    with torch.no_grad():
        generator.weight.fill_(0.8)
        generator.bias.fill_(1.5)
    fixed = GAN(generator.requires_grad_(False), model.discriminator, 1, data.info)
    g = torch.Generator().manual_seed(0)

    def real_batch() -> torch.Tensor:
        return data.samples[torch.randint(len(data), (512,), generator=g)]

    train_discriminator(
        fixed, create_loss("minimax", {}), real_batch, 1500, 512, lr=2e-3
    )
    xs = torch.linspace(-1.0, 5.0, 241)
    p_data = data.density(xs.unsqueeze(1)).reshape(-1)
    p_g = torch.exp(-0.5 * ((xs - 1.5) / 0.8) ** 2) / (0.8 * (2 * torch.pi) ** 0.5)
    d_star = optimal_discriminator(p_data, p_g)
    d = discriminator_curve(fixed, xs)
    inside = (xs >= 0.5) & (xs <= 3.5)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    ax.plot(xs, p_data, "k:", lw=2, label="p_data = N(2, 0.5²)")
    ax.plot(xs, p_g, "g-", lw=1.5, label="p_g = N(1.5, 0.8²), G fixed")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    twin = ax.twinx()
    twin.plot(
        xs,
        d_star,
        color="0.4",
        lw=3,
        alpha=0.5,
        label="D*(x) = p_data / (p_data + p_g)",
    )
    twin.plot(xs, d, "b--", lw=1.5, label="D(x) after 1500 steps")
    twin.set_ylim(0, 1)
    twin.set_ylabel("D(x)", color="b")
    handles = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(
        handles[0] + more[0], handles[1] + more[1], fontsize=7, loc="upper left"
    )
    save_figure(fig, path)
    return {"d_star_max_error": float((d - d_star)[inside].abs().max())}


def trained_generator_checks(run_dir: Path) -> dict[str, float]:
    """The numbers ``tests/metrics/test_theory.py`` asserts, measured on the docs' own 1-D run."""
    import torch
    from ganzoo.host.build import create_model, load_dataset
    from ganzoo.metrics.theory import discriminator_curve, wasserstein1
    from ganzoo.runs.loading import load_run_model

    model = load_run_model(run_dir)
    data = load_dataset("gaussian1d", None, split="test")
    fake = model.sample(5000, generator=torch.Generator().manual_seed(1))
    untrained = create_model("vanilla", data.info, None, {})
    torch.manual_seed(0)
    d = discriminator_curve(model, torch.linspace(1.0, 3.0, 41))
    return {
        "w1_trained": wasserstein1(fake, data.samples),
        "w1_untrained": wasserstein1(untrained.sample(5000), data.samples),
        "d_min": float(d.min()),
        "d_max": float(d.max()),
    }


def dynamics_panels(run_dir: Path, panels: int) -> list[dict[str, float]]:
    """What each panel of ``plot-dynamics --panels N`` shows, measured on its snapshot.

    The snapshots are picked as ``ganzoo plot-dynamics`` picks them: evenly spaced from the
    first to the last. For each: p_g's mean and standard deviation (from its density on the
    grid) and D(x) at x = 1 and x = 3, and its range on [1, 3], the data's central 95%.
    """
    snapshots = [json.loads(line) for line in (run_dir / "dynamics.jsonl").open()]
    count = min(panels, len(snapshots))
    picks = [
        snapshots[round(i * (len(snapshots) - 1) / max(count - 1, 1))]
        for i in range(count)
    ]
    rows = []
    for snap in picks:
        x, p_g, d = snap["x"], snap["p_g"], snap["d"]
        mass = sum(p_g)
        mean = sum(a * b for a, b in zip(x, p_g, strict=True)) / mass
        var = sum((a - mean) ** 2 * b for a, b in zip(x, p_g, strict=True)) / mass
        inside = [v for a, v in zip(x, d, strict=True) if 1 <= a <= 3]

        def d_at(target: float, x=x, d=d) -> float:
            return d[min(range(len(x)), key=lambda i: abs(x[i] - target))]

        rows.append(
            {
                "step": snap["step"],
                "mean": mean,
                "std": var**0.5,
                "d1": d_at(1.0),
                "d3": d_at(3.0),
                "d_min": min(inside),
                "d_max": max(inside),
            }
        )
    return rows


#: What the text of docs/concepts/distributions.md says of each panel of Fig. 1 (p_data is
#: N(2, 0.5²)). The build fails if the figure it just made no longer shows it.
FIG1_CLAIMS: dict[str, Any] = {
    "six panels": lambda rows: len(rows) == 6,
    "(a): p_g a narrow lump near 0, D(x) flat near ½": lambda rows: (
        abs(rows[0]["mean"]) < 0.5
        and rows[0]["std"] < 0.25
        and abs(rows[0]["d_max"] - 0.5) < 0.1
        and abs(rows[0]["d_min"] - 0.5) < 0.1
    ),
    "(b): p_g left of the data, D(x) rising from left to right": lambda rows: (
        rows[1]["mean"] < 1.8 and rows[1]["d3"] - rows[1]["d1"] > 0.2
    ),
    "(c): p_g overshoots to the right and is too wide, D(x) below ½ on the data": lambda rows: (
        rows[2]["mean"] > 2.3 and rows[2]["std"] > 0.65 and rows[2]["d_max"] < 0.5
    ),
    "(d): p_g back on the data with a heavier right tail, D(x) lower on the right": lambda rows: (
        abs(rows[3]["mean"] - 2) < 0.15
        and rows[3]["std"] > 0.55
        and rows[3]["d1"] > rows[3]["d3"]
    ),
    "(e), (f): p_g on p_data, D(x) within 0.05 of ½ on [1, 3]": lambda rows: all(
        abs(r["mean"] - 2) < 0.15
        and abs(r["std"] - 0.5) < 0.06
        and abs(r["d_min"] - 0.5) < 0.05
        and abs(r["d_max"] - 0.5) < 0.05
        for r in rows[4:]
    ),
}


def check_fig1_claims(rows: list[dict[str, float]]) -> None:
    """Fail loudly where the page's text no longer describes the figure."""
    broken = [claim for claim, holds in FIG1_CLAIMS.items() if not holds(rows)]
    if broken:
        raise RuntimeError(
            "docs/concepts/distributions.md describes Fig. 1 in words that no longer match "
            f"the figure just made; rewrite them ({'; '.join(broken)}). Per panel: {rows}"
        )


def transposed(table: list[str]) -> list[str]:
    """A markdown table with rows and columns swapped: a few runs, many metrics, fit a page."""
    cells = [
        [c.strip() for c in line.strip().strip("|").split("|")] for line in table
    ]
    rows = [r for r in cells if not all(set(c) <= set("-: ") for c in r)]
    columns = list(zip(*rows, strict=True))
    lines = ["| " + " | ".join(columns[0]) + " |", "|---" * len(columns[0]) + "|"]
    lines += ["| " + " | ".join(col) + " |" for col in columns[1:]]
    return lines


def fig1_panels_table(rows: list[dict[str, float]]) -> str:
    lines = [
        "| panel, step | p_g mean | p_g std | D(1) | D(3) | D on [1, 3] |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in zip("abcdefghijkl", rows, strict=False):
        lines.append(
            f"| ({label}) {r['step']} | {fmt(r['mean'], 2)} | {fmt(r['std'], 2)} "
            f"| {fmt(r['d1'], 2)} | {fmt(r['d3'], 2)} "
            f"| {fmt(r['d_min'], 2)}–{fmt(r['d_max'], 2)} |"
        )
    lines.append("")
    lines.append("p_data, for comparison: mean 2, standard deviation 0.5.")
    return "\n".join(lines)


def run_tree(run_dir: Path) -> str:
    """The files a run left, as an indented listing (samples and checkpoints abridged)."""
    lines = [f"{run_dir.name}/"]
    for path in sorted(run_dir.iterdir()):
        if path.name.startswith("."):
            lines.append(f"  {path.name}")
            continue
        if path.is_dir():
            children = sorted(p.name for p in path.iterdir())
            shown = (
                children
                if len(children) <= 4
                else [*children[:2], "...", *children[-2:]]
            )
            lines.append(f"  {path.name}/")
            lines += [f"    {c}" for c in shown]
        else:
            lines.append(f"  {path.name}")
    return "\n".join(lines)


def zoo_table() -> str:
    """ganzoo's own components with their descriptions, from the registry itself."""
    from ganzoo import get_registry
    from ganzoo.host.plugins import CORE_DISTRIBUTION

    registry = get_registry()
    lines = ["| kind | name | family or shape | description |", "|---|---|---|---|"]
    for kind in ("model", "loss", "dataset"):
        for c in registry.components(kind):
            if c.provider.distribution != CORE_DISTRIBUTION:
                continue  # a third-party plugin installed on the build machine
            shape = c.meta.get("shape")
            if kind != "dataset":
                extra = c.family
            else:  # as `ganzoo list` shows it: 1×28×28, or C×S×S for a folder of images
                extra = (
                    "×".join(map(str, shape))
                    if isinstance(shape, list | tuple)
                    else shape
                )
            description = c.description.replace("|", "\\|")
            lines.append(f"| {kind} | `{c.name}` | {extra} | {description} |")
    return "\n".join(lines)


def fmt(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


def generate(out: Path) -> None:
    """Run :data:`COMMANDS` in ``out/work`` and write figures and texts into ``out``."""
    work = out / "work"
    figures = out / "figures"
    work.mkdir(parents=True)
    figures.mkdir()
    os.chdir(work)
    timings, trees, printed = {}, {}, {}
    for line in COMMANDS:
        start = time.perf_counter()
        printed[line] = run_command(line)
        timings[line] = round(time.perf_counter() - start, 1)
        if (
            line == COMMANDS[0]
        ):  # the folder as training left it, before any evaluation
            trees["first-gan"] = run_tree(work / "runs/first-gan")
    for name, source in COPIED.items():
        folder = (work / source).parent  # {last}: that run's newest grid
        last = (
            sorted(p.name for p in folder.glob("epoch_*.png"))[-1]
            if "{last}" in source
            else ""
        )
        shutil.copyfile(work / source.format(last=last), figures / name)
    generator_losses_figure(figures / COMPUTED[0])
    theory = optimal_discriminator_figure(figures / COMPUTED[1])
    theory.update(trained_generator_checks(work / "runs/fig1"))

    first = json.loads((work / "runs/first-gan/summary.json").read_text())
    vae = json.loads((work / "runs/first-vae/summary.json").read_text())
    report = (work / "runs/gan-vs-vae/report.md").read_text().splitlines()
    table = [line for line in report if line.startswith("|")]
    note = next(line for line in report if line.startswith("All numbers"))
    fig1 = json.loads((work / "runs/fig1/summary.json").read_text())
    panels = int(shlex.split(COMMANDS[4])[-1])
    fig1_rows = dynamics_panels(work / "runs/fig1", panels)
    check_fig1_claims(fig1_rows)
    metrics = (work / "runs/first-gan/metrics.jsonl").read_text().splitlines()
    eval_line = next(line for line in COMMANDS if line.startswith("ganzoo eval "))
    eval_output = "\n".join(
        line.rstrip() for line in printed[eval_line].strip().splitlines()
    )
    texts = {
        "reading-numbers-eval": f"```text\n$ {eval_line}\n{eval_output}\n```",
        "zoo-table": zoo_table(),
        "gan-vs-vae-table": note + "\n\n" + "\n".join(transposed(table)),
        "first-gan-summary": (
            f"It ran {first['steps']} steps "
            f"({first['epochs']:.1f} epochs) in {first['seconds']:.1f} s "
            f"({first['images_per_second']:.0f} images/s) on the CPU of the machine that built "
            f"these pages. Its last log line: D(x) = {fmt(first['final']['d_real'])}, "
            f"D(G(z)) = {fmt(first['final']['d_fake'])}, D loss = "
            f"{fmt(first['final']['d_loss'])}, G loss = {fmt(first['final']['g_loss'])}."
        ),
        "first-gan-curves": first_gan_curves(first),
        "first-vae-summary": (
            f"The VAE ran {vae['steps']} steps in {vae['seconds']:.1f} s; last loss "
            f"{fmt(vae['final']['loss'], 2)} (reconstruction {fmt(vae['final']['recon'], 2)}, "
            f"KL {fmt(vae['final']['kl'], 2)})."
        ),
        "first-gan-metrics-line": [m for m in metrics if '"event"' not in m][-1],
        "first-gan-tree": trees["first-gan"],
        "fig1-summary": (
            f"After {fig1['steps']} steps ({fig1['seconds']:.1f} s on the build machine): "
            f"W1(p_g, p_data) = {fmt(theory['w1_trained'])} (an untrained generator: "
            f"{fmt(theory['w1_untrained'], 2)}); D(x) on the data's central 95% "
            f"(x in [1, 3]) stays within [{fmt(theory['d_min'])}, {fmt(theory['d_max'])}]; "
            f"the D loss ended at {fmt(fig1['final']['d_loss'], 4)} against "
            f"log 4 = {fmt(1.3862944, 4)} at the game's optimum."
        ),
        "fig1-panels": fig1_panels_table(fig1_rows),
        "d-star-summary": (
            "Largest gap between the trained D and D* where both densities carry mass "
            f"(x in [0.5, 3.5]): {fmt(theory['d_star_max_error'])}."
        ),
        "docs-build-timings": "\n".join(
            f"| `{line}` | {seconds:.1f} |" for line, seconds in timings.items()
        ),
    }
    texts.update(reading_numbers(work / "runs/first-gan", figures / COMPUTED[2]))
    (out / "texts.json").write_text(
        json.dumps(texts, indent=2, sort_keys=True) + "\n"
    )
    shutil.rmtree(
        work / "runs/first-gan/checkpoints", ignore_errors=True
    )  # keep the cache small


def first_gan_curves(summary: dict[str, Any]) -> str:
    """What the first GAN's curves end at, read against the lines the figure draws."""
    final = summary["final"]
    gap = final["d_real"] - final["d_fake"]
    share = final["d_loss"] / math.log(4)
    side = "below" if share < 1 else "above"
    reading = (
        "D can hardly tell real from generated"
        if abs(gap) <= 0.05
        else "D still tells real from generated apart"
        if gap > 0
        else "D scores generated images above real ones"
    )
    return (
        f"*When these pages were built the run ended (step {summary['steps']}) with D(x) = "
        f"{fmt(final['d_real'])} and D(G(z)) = {fmt(final['d_fake'])}: a gap of {fmt(gap)} "
        f"({reading}); its loss, {fmt(final['d_loss'])}, "
        f"is {abs(1 - share):.0%} {side} log 4.*"
    )


def floors_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """One table per (dataset and extractor, result): what real data and noise score.

    A column each for real data and noise, a row per number, so the table fits the page.
    """
    from ganzoo.metrics.scores import score_prefix

    tables = []
    for label, result in rows:
        real, noise = result["floors"]["real"], result["floors"]["noise"]
        score = score_prefix(result) + "_mean"
        lines = [
            f"| {label}, {real['samples']} vs {result['real_samples']} samples "
            f"| real data ({real['source']}) | noise ({noise['source']}) |",
            "|---|---|---|",
        ]
        for name, key, digits in (
            ("FID", "fid", 3),
            ("KID", "kid_mean", 4),
            ("precision", "precision", 3),
            ("recall", "recall", 3),
            ("density", "density", 3),
            ("coverage", "coverage", 3),
            ("classifier score (domain IS)", score, 2),
        ):
            cells = [
                "n/a" if f.get(key) is None else fmt(f[key], digits)
                for f in (real, noise)
            ]
            lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
        tables.append("\n".join(lines))
    return "\n\n".join(tables)


def reading_numbers(run_dir: Path, figure: Path) -> dict[str, str]:
    """The first GAN measured at several sample counts: FID with its interval, floors, noise.

    Shows what the "reading the numbers" page claims: FID depends on the sample count (its
    bias shrinks as samples grow), and so do the real-data floor and the interval's width.
    """
    from ganzoo.metrics import EvalSpec, evaluate_run
    from ganzoo.runs.plotting import pyplot, save_figure

    results = [evaluate_run(run_dir, EvalSpec(samples=n)) for n in READING_COUNTS]
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    n = [r["samples"] for r in results]
    fid = [r["fid"] for r in results]
    low = [r["fid"] - r["fid_interval"][0] for r in results]
    high = [r["fid_interval"][1] - r["fid"] for r in results]
    left.errorbar(
        n,
        fid,
        yerr=[low, high],
        fmt="o-",
        capsize=3,
        label="the GAN (95% interval)",
    )
    left.plot(
        n, [r["floors"]["real"]["fid"] for r in results], "s--", label="real data"
    )
    left.plot(
        n, [r["floors"]["noise"]["fid"] for r in results], "^:", label="noise"
    )
    left.set_xscale("log")
    left.set_xlabel("generated samples")
    left.set_ylabel("FID (domain features)")
    left.legend(fontsize=8)
    left.set_title("FID, its floor and its ceiling depend on the count", fontsize=9)
    right.plot(n, [h + lo for h, lo in zip(high, low, strict=True)], "o-")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("generated samples")
    right.set_ylabel("width of FID's 95% interval")
    right.set_title(
        "the interval narrows (the real side stops at 359 images)", fontsize=9
    )
    for ax in (left, right):
        ax.minorticks_off()
        ax.set_xticks(n, [str(x) for x in n])
    save_figure(fig, figure)
    rows = [
        "| samples (generated vs real) | FID [95% interval] | real data | noise | "
        "precision | recall |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r['samples']} vs {r['real_samples']} | {fmt(r['fid'])} "
            f"[{fmt(r['fid_interval'][0])}, {fmt(r['fid_interval'][1])}] | "
            f"{fmt(r['floors']['real']['fid'])} | {fmt(r['floors']['noise']['fid'])} | "
            f"{fmt(r['precision'])} | {fmt(r['recall'])} |"
        )
    largest = next(r for r in results if r["samples"] == max(READING_COUNTS))
    return {
        "reading-numbers-counts": "\n".join(rows),
        "reading-numbers-floors": floors_table([("digits, domain", largest)]),
    }


def eval_table(run_dir: Path) -> str:
    """The evaluations a run made while training, one row each, from its ``eval/`` files."""
    from ganzoo.metrics import load_results
    from ganzoo.metrics.scores import score_label, score_of

    results = sorted(load_results(run_dir), key=lambda r: r["step"])
    extractors = sorted({r["extractor"] for r in results})
    lines = [
        f"Extractor `{', '.join(extractors)}`, {results[-1]['samples']} generated against "
        f"{results[-1]['real_samples']} real test images:",
        "",
        f"| step | {score_label(results[-1])} ↑ | FID ↓ | KID ↓ |",
        "|---|---|---|---|",
    ]
    for r in results:
        mean, std = score_of(r)
        lines.append(
            f"| {r['step']} | {fmt(mean, 2)} ± {fmt(std, 2)} | {fmt(r['fid'], 2)} | "
            f"{fmt(r['kid_mean'], 4)} ± {fmt(r['kid_std'], 4)} |"
        )
    return "\n".join(lines)


def mnist_texts_absent() -> dict[str, str]:
    """The DCGAN tutorial's texts where MNIST was not there to make them."""
    note = (
        '!!! warning "Outputs not shown: no MNIST when these pages were built"\n'
        f"    The build found no MNIST in `{SHARED_DATA_IN_DOCS}` (`MNIST/raw/`), so it could "
        "not run this\n    page's commands; the figures and numbers that go here are "
        "missing. Build the site\n    where MNIST is, and they appear."
    )
    absent = (
        "*(Not shown: no MNIST when these pages were built; see the note above.)*"
    )
    return {
        "dcgan-mnist-run": note,
        "dcgan-mnist-evals": absent,
        "dcgan-mnist-figures": absent,
        "dcgan-mnist-eval-output": absent,
        "dcgan-mnist-results-line": absent,
        "docs-build-timings-mnist": "",
        "reading-numbers-floors-mnist": (
            "*(MNIST's row is not shown: there was no MNIST when these pages were built.)*"
        ),
    }


def generate_mnist(out: Path) -> None:
    """Run :data:`MNIST_COMMANDS`, scaled, in ``out/work``; figures and texts into ``out``."""
    work, figures = out / "work", out / "figures"
    work.mkdir(parents=True)
    figures.mkdir()
    if not mnist_available():
        texts = mnist_texts_absent()
        (out / "texts.json").write_text(
            json.dumps(texts, indent=2, sort_keys=True) + "\n"
        )
        return
    os.chdir(work)
    timings, printed = {}, {}
    lines = [scaled(line, MNIST_SCALE) for line in MNIST_COMMANDS]
    for line in lines:
        start = time.perf_counter()
        printed[line] = run_command(
            line.replace(SHARED_DATA_IN_DOCS, str(SHARED_DATA))
        )
        timings[line] = round(time.perf_counter() - start, 1)
    run_dir = work / "runs/dcgan-mnist"
    last = sorted(p.name for p in (run_dir / "samples").glob("epoch_*.png"))[-1]
    for name, source in MNIST_COPIED.items():
        shutil.copyfile(work / source.format(last=last), figures / name)
    summary = json.loads((run_dir / "summary.json").read_text())
    final, result = summary["final"], summary["eval"]
    eval_output = "\n".join(
        line.rstrip() for line in printed[lines[1]].strip().splitlines()
    )
    texts = {
        "dcgan-mnist-run": (
            '!!! note "The outputs on this page are real, from a tenth of the budget"\n'
            "    The figures and numbers below were made while these pages were built, by "
            "this page's\n    commands with a tenth of their budget, to keep the build "
            "short:\n\n    ```text\n"
            + "".join(f"    {line}\n" for line in lines)
            + "    ```\n\n"
            f"    Training took {summary['seconds']:.0f} s "
            f"({summary['images_per_second']:.0f} images/s, {summary['epochs']:.2f} epochs) "
            "on the\n    build machine's CPU. The full budget trains ten times longer: expect "
            "better numbers\n    from it than these."
        ),
        "dcgan-mnist-evals": eval_table(run_dir),
        "dcgan-mnist-figures": (
            f"After {summary['steps']} steps, the sample grid (the same 64 noise vectors "
            "every time) and the loss curves; its last log line: "
            f"D(x) = {fmt(final['d_real'])}, D(G(z)) = {fmt(final['d_fake'])}, "
            f"D loss = {fmt(final['d_loss'])}, G loss = {fmt(final['g_loss'])}.\n\n"
            "[![DCGAN samples on MNIST after "
            f'{summary["steps"]} steps](../figures/dcgan_mnist_samples.png){{ width="300" }}]'
            "(../figures/dcgan_mnist_samples.png)\n"
            "[![loss curves of the DCGAN run](../figures/dcgan_mnist_loss_curves.png)]"
            "(../figures/dcgan_mnist_loss_curves.png)"
        ),
        "dcgan-mnist-eval-output": (
            "When these pages were built, on the run above, it printed:\n\n"
            f"```text\n$ {lines[1]}\n{eval_output}\n```"
        ),
        "dcgan-mnist-results-line": (
            "On the run these pages were built with, the last line reads: "
            f"`FID {result['fid']:.2f} with {result['extractor']} on "
            f"{result['samples']} samples`."
        ),
        "docs-build-timings-mnist": "\n".join(
            f"| `{line}` (MNIST; alongside the others) | {seconds:.1f} |"
            for line, seconds in timings.items()
        ),
        "reading-numbers-floors-mnist": floors_table([("MNIST, domain", result)]),
    }
    (out / "texts.json").write_text(
        json.dumps(texts, indent=2, sort_keys=True) + "\n"
    )
    shutil.rmtree(
        run_dir / "checkpoints", ignore_errors=True
    )  # keep the cache small


# --- cache ---------------------------------------------------------------------------------


def source_key() -> str:
    """A hash of everything the figures depend on: ganzoo's and the plugins' code, this file."""
    h = hashlib.sha256()
    files = [Path(__file__).resolve()]
    for top in SOURCES:
        files += sorted(
            p for p in (ROOT / top).rglob("*") if p.suffix in (".py", ".tmpl")
        )
    for path in files:
        if "__pycache__" in path.parts:
            continue
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    h.update(
        f"mnist={mnist_available()}".encode()
    )  # MNIST arriving: the tutorial's outputs
    return h.hexdigest()[:16]


def ensure_generated() -> Path:
    """The cache folder for the current source, generating it first if needed."""
    target = CACHE / source_key()
    if (target / "texts.json").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = CACHE / f".tmp-{target.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    env = dict(os.environ)
    env.setdefault(
        "OMP_NUM_THREADS", "1"
    )  # tiny models: one thread is faster, and polite
    env["GANZOO_CACHE_DIR"] = str(
        CACHE / "ganzoo-cache"
    )  # the domain classifier, trained once
    env.setdefault(
        "COLUMNS", "88"
    )  # the width of a command's printed output on the pages
    log.info("ganzoo figures: generating into %s (a minute or two)", target)
    if not mnist_available():
        log.info(
            "ganzoo figures: no MNIST in %s; the DCGAN tutorial will say its outputs are missing",
            SHARED_DATA,
        )
    start = time.perf_counter()
    # Two processes, one thread each: the DCGAN run alongside everything else.
    procs = {
        what: subprocess.Popen(
            [sys.executable, __file__, what, str(folder)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for what, folder in (("generate", tmp), ("generate-mnist", tmp / "mnist"))
    }
    outputs = {what: proc.communicate() for what, proc in procs.items()}
    failed = [what for what, proc in procs.items() if proc.returncode != 0]
    if failed:
        shutil.rmtree(tmp, ignore_errors=True)
        report = "\n".join(
            f"{what}:\n{outputs[what][0]}\n{outputs[what][1]}" for what in failed
        )
        raise RuntimeError(f"generating the docs' figures failed:\n{report}")
    texts = json.loads((tmp / "texts.json").read_text())
    texts.update(json.loads((tmp / "mnist" / "texts.json").read_text()))
    (tmp / "texts.json").write_text(
        json.dumps(texts, indent=2, sort_keys=True) + "\n"
    )
    for path in (tmp / "mnist" / "figures").glob("*.png"):
        os.replace(path, tmp / "figures" / path.name)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    for old in CACHE.iterdir():  # only the newest generation is kept
        if old.is_dir() and old != target and old.name != "ganzoo-cache":
            shutil.rmtree(old, ignore_errors=True)
    log.info("ganzoo figures: done in %.0f s", time.perf_counter() - start)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("generate", "generate-mnist"):
        sys.exit(
            "usage: python docs/_scripts/figures.py generate|generate-mnist OUT"
        )
    (generate if sys.argv[1] == "generate" else generate_mnist)(
        Path(sys.argv[2]).resolve()
    )
