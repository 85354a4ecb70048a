"""The docs' figures and real outputs, made by ganzoo itself at build time.

Used two ways:

- by the MkDocs hook ``docs/_scripts/hooks.py``: before the build, :func:`ensure_generated`
  makes sure the figures and texts exist for the current source;
- as a script: ``python docs/_scripts/figures.py generate OUT`` writes them into ``OUT``.

Every figure comes from a ``ganzoo`` command in :data:`COMMANDS` (the same command lines the
pages show; ``tests/docs/test_docs.py`` checks they appear verbatim) or from ganzoo's own Python
API (the loss plugins, :mod:`ganzoo.metrics.theory`). Nothing is pasted in by hand.

The DCGAN tutorial's commands (:data:`MNIST_COMMANDS`) need minutes of CPU at their full
budget, too long for a build: their run is recorded once by ``record_runs.py`` beside this
file into ``docs/_recorded/dcgan-mnist/``, and the build shows that recording, after checking
that it still loads with the current code's readers and answers the page's commands (a clear
failure otherwise). The docs tests still run the page's commands, at a small budget.

Where a sentence states a number or reads a figure, the number comes from the data the
figure was drawn from, and the build fails where the words no longer hold (``FIG1_CLAIMS``,
:func:`check_claims` and the ``raise`` in each text's function). A command's output shown on a
page is its real output (:data:`OUTPUTS`): the page holds a placeholder, the tests hold the
loose pattern (``...`` for timings and losses), and the build checks the output against it.

Results are cached in ``.cache/docs/<key>/`` at the repository root, where ``key`` hashes
the source of ``ganzoo/``, ``plugins/``, this file and the recorded runs: a build after a
change makes them again (a minute or two on two busy CPU cores), an unchanged build reuses
them.
"""

from __future__ import annotations

import contextlib
import doctest
import hashlib
import io
import itertools
import json
import logging
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "docs"
DOCS = ROOT / "docs"
SOURCES = ("ganzoo", "plugins", "docs/_recorded")
#: Runs recorded by ``record_runs.py``, too long for the build: one folder each.
RECORDED = DOCS / "_recorded"

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
    "ganzoo eval runs/cgan --samples 1000",
    "ganzoo compare --models vanilla:nonsat,vanilla:minimax,dcgan:nonsat,vae"
    " --dataset digits --steps 1500 --samples 500 --out runs/zoo-digits",
    "ganzoo train --model dcgan --dataset digits --conditional --steps 3000 --out runs/cdcgan",
    "ganzoo train --model dcgan --dataset digits --conditional -M acgan=true"
    " --steps 3000 --out runs/acgan",
    "ganzoo eval runs/cdcgan --samples 1000",
    "ganzoo eval runs/acgan --samples 1000",
    "ganzoo train --model infogan --dataset digits --steps 1500 --out runs/infogan",
)

#: The shared data folder of ganzoo's CI, as the pages write it.
SHARED_DATA_IN_DOCS = "../shared/data"

#: The DCGAN tutorial's commands (docs/tutorials/dcgan-mnist.md), verbatim, in order; their
#: run is recorded (``record_runs.py``), not made by the build.
MNIST_COMMANDS: tuple[str, ...] = (
    "ganzoo train --model dcgan --loss nonsat --dataset mnist --data-dir ../shared/data"
    " --steps 2000 --eval-every 500 --eval-samples 1000 --out runs/dcgan-mnist",
    "ganzoo eval runs/dcgan-mnist --samples 1000",
)

#: The conditional tutorial's MNIST commands (docs/tutorials/conditional.md), verbatim: the
#: conditional DCGAN with a projection D and with ACGAN, each recorded (``record_runs.py``).
CONDITIONAL_MNIST_COMMANDS: dict[str, tuple[str, ...]] = {
    "cdcgan-mnist": (
        "ganzoo train --model dcgan --dataset mnist --data-dir ../shared/data --conditional"
        " --steps 1500 --eval-every 500 --eval-samples 1000 --out runs/cdcgan-mnist",
        "ganzoo eval runs/cdcgan-mnist --samples 1000",
    ),
    "acgan-mnist": (
        "ganzoo train --model dcgan --dataset mnist --data-dir ../shared/data --conditional"
        " -M acgan=true --steps 3000 --eval-every 1000 --eval-samples 1000"
        " --out runs/acgan-mnist",
        "ganzoo eval runs/acgan-mnist --samples 1000",
    ),
}

#: Figure name in the site -> the recording of CONDITIONAL_MNIST_COMMANDS whose last grid it is.
CONDITIONAL_COPIED: dict[str, str] = {"cdcgan_mnist_samples.png": "cdcgan-mnist"}

#: Figure name in the site -> file in the DCGAN tutorial's recording.
RECORDED_COPIED: dict[str, str] = {
    "dcgan_mnist_samples.png": "samples_last.png",
    "dcgan_mnist_loss_curves.png": "loss_curves.png",
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


def run_shown(line: str) -> tuple[int, str]:
    """Run a command a page shows with its output: its exit code, and stdout then stderr."""
    from ganzoo.cli import main

    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(shlex.split(line)[1:])
        except SystemExit as exc:
            code = (
                exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            )
    return code, out.getvalue() + err.getvalue()


def marker(key: str) -> str:
    """The placeholder a page writes where the generated text ``key`` goes."""
    return f"<!-- docs-gen: {key} -->"


def pycon_output(page: str, key: str) -> str:
    """What a page's ``pycon`` block prints where its output is the placeholder ``key``.

    The block's examples run in order, as the docs tests run them, in the current folder, up
    to the one whose output is the placeholder; that example's printed output is returned.
    """
    text = (DOCS / page).read_text(encoding="utf-8")
    block = next(
        (
            b
            for b in re.findall(r"```pycon\n(.*?)```", text, re.S)
            if marker(key) in b
        ),
        None,
    )
    if block is None:
        raise RuntimeError(f"docs/{page} has no pycon block with {marker(key)}")
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for example in doctest.DocTestParser().get_examples(block):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(example.source, f"docs/{page}", "single"), namespace)
        if example.want.strip() == marker(key):
            return out.getvalue().rstrip("\n")
    raise AssertionError("unreachable: the marker is in the block")


class Shown(NamedTuple):
    """A command's output shown on a page, made by the build (see :data:`OUTPUTS`)."""

    #: the page, under docs/
    page: str
    #: the ``console`` command; None: the ``pycon`` example the placeholder follows
    command: str | None
    #: what the docs tests accept (``...``: anything); never shown
    pattern: str
    #: where it runs: the build's working folder, or the recording of that name
    where: str = "work"


#: Real outputs the pages show: the page's ``console`` command (or ``pycon`` example) is
#: followed by the placeholder ``<!-- docs-gen: KEY -->`` as its whole output. The build runs
#: it (after :data:`COMMANDS`, in their folder) and shows what it printed, after checking it
#: against ``pattern``; the docs tests run the page's command and compare with ``pattern``.
OUTPUTS: dict[str, Shown] = {
    "runs-demo-train": Shown(
        "runs.md",
        "ganzoo train --model vanilla --steps 40 --checkpoint-every 10 --keep-checkpoints 2"
        " --out runs/demo -q",
        "done 40 steps in ...s  d_loss=...  g_loss=...  d_real=...  d_fake=...\n"
        "run folder: runs/demo",
    ),
    "runs-demo-resume": Shown(
        "runs.md",
        "ganzoo train --resume runs/demo --steps 60 -q",
        "resuming runs/demo at step 40 from step_00000040.pt\n"
        "done 60 steps in ...s  d_loss=...  g_loss=...  d_real=...  d_fake=...\n"
        "run folder: runs/demo",
    ),
    "runs-diverged": Shown(
        "runs.md",
        "ganzoo train --model vanilla --lr 1e30 --steps 30 --out runs/diverged -q",
        "Error: training diverged: ... became non-finite at step ... (...); ...; "
        "try a lower --lr",
    ),
    "first-gan-typo": Shown(
        "tutorials/first-gan.md",
        "ganzoo train --model vanila --out runs/typo",
        "Error: unknown model 'vanila' (did you mean 'vanilla'?); valid models: ...",
    ),
    "sample-seed-a": Shown(
        "tutorials/sample-export.md",
        "ganzoo sample runs/first-gan --seed 1 --out a.png",
        "a.png\n64 image(s) from runs/first-gan step ... seed 1)",
    ),
    "sample-seed-b": Shown(
        "tutorials/sample-export.md",
        "ganzoo sample runs/first-gan --seed 1 --out b.png",
        "b.png\n...",
    ),
    "gan-vs-vae-refused": Shown(
        "tutorials/gan-vs-vae.md",
        "ganzoo compare runs/zoo-digits/runs/vae-elbo runs/zoo-digits/runs/dcgan-nonsat"
        " --samples 300 --no-eval --out runs/refused",
        "Error: run vae-elbo has no domain result on 300 samples measured like this "
        "comparison (its newest near match differs in samples: ... stored, ... wanted); "
        "numbers measured differently are not comparable: drop --no-eval to measure it",
    ),
    "quickstart-losses": Shown(
        "quickstart.md", None, "[..., 'minimax', 'nonsat', ...]"
    ),
    "fig1-w1-check": Shown(
        "concepts/distributions.md", None, "W1 = ..., D(x) on [1, 3] in [..., ...]"
    ),
    "dcgan-mnist-fid-line": Shown(
        "tutorials/dcgan-mnist.md",
        None,
        "FID ... with domain-mnist-... on ... samples",
        where="dcgan-mnist",
    ),
}

_CHECKER = doctest.OutputChecker()
_LOOSE = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def shown_output(key: str, shown: Shown) -> str:
    """The real output of :data:`OUTPUTS` entry ``key``, checked against its pattern."""
    if shown.command is None:
        code, text = 0, pycon_output(shown.page, key)
    else:
        code, text = run_shown(shown.command)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    should_fail = any(
        line.startswith("Error: ") for line in shown.pattern.splitlines()
    )
    if (code != 0) != should_fail or not _CHECKER.check_output(
        shown.pattern + "\n", text + "\n", _LOOSE
    ):
        raise RuntimeError(
            f"docs/{shown.page}: the output shown for {shown.command or key!r} (exit {code}) "
            f"no longer fits what the docs tests accept:\n{text}\nexpected (figures.OUTPUTS):"
            f"\n{shown.pattern}"
        )
    return text


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
        # W1 between the drawn curves: the area between their cumulative distributions
        cdf_g = cdf_data = w1 = 0.0
        step = x[1] - x[0]
        total_data = sum(snap["p_data"])
        for pg, pd in zip(p_g, snap["p_data"], strict=True):
            cdf_g += pg / mass
            cdf_data += pd / total_data
            w1 += abs(cdf_g - cdf_data) * step

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
                "w1": w1,
            }
        )
    return rows


#: What the text of docs/concepts/distributions.md says of each panel of Fig. 1 (p_data is
#: N(2, 0.5²)). The build fails if the figure it just made no longer shows it.
FIG1_CLAIMS: dict[str, Any] = {
    "six panels": lambda rows: len(rows) == 6,
    "at steps 0, 80, 160, 240, 320 and 400": lambda rows: (
        [r["step"] for r in rows] == [0, 80, 160, 240, 320, 400]
    ),
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


def fig1_w1_text(rows: list[dict[str, float]]) -> str:
    """How W1 moves across the panels, read from the table's W1 column: steadily or not."""
    w1 = [r["w1"] for r in rows]

    def panel(i: int) -> str:
        return f"({'abcdefghijkl'[i]}, step {rows[i]['step']})"

    best = min(range(len(w1)), key=w1.__getitem__)
    rises = [i for i in range(1, len(w1)) if w1[i] > w1[i - 1]]
    start = (
        f"from {fmt(w1[0], 2)} {panel(0)} to {fmt(w1[-1], 2)} {panel(len(w1) - 1)}"
    )
    if not rises:
        return f"W1 falls at every panel, {start}."
    again = "; and ".join(
        f"from {fmt(w1[i - 1], 2)} {panel(i - 1)} to {fmt(w1[i], 2)} {panel(i)}"
        + (
            " as p_g overshoots to the right of the data"
            if rows[i]["mean"] > 2.2
            else ""
        )
        for i in rises
    )
    return (
        f"W1 falls {start}, but not steadily: it rises again {again}. "
        f"Its smallest value, {fmt(w1[best], 2)}, is at {panel(best)}."
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
        "| panel, step | p_g: mean, std | W1 | D(1), D(3) | D on [1, 3] |",
        "|---|---|---|---|---|",
    ]
    for label, r in zip("abcdefghijkl", rows, strict=False):
        lines.append(
            f"| ({label}) {r['step']} | {fmt(r['mean'], 2)}, {fmt(r['std'], 2)} "
            f"| {fmt(r['w1'], 2)} | {fmt(r['d1'], 2)}, {fmt(r['d3'], 2)} "
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
    from ganzoo.metrics import load_results

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
    vae_log = [
        json.loads(line)
        for line in (work / "runs/first-vae/metrics.jsonl").read_text().splitlines()
        if '"event"' not in line
    ]
    if not vae_log[-1]["loss"] < vae_log[0]["loss"]:
        raise RuntimeError(
            "docs/concepts/gan-vs-vae.md says the VAE's objective falls, but its log went "
            f"from {vae_log[0]['loss']} to {vae_log[-1]['loss']}"
        )
    end = fig1["final"]
    if (
        abs(end["d_loss"] - math.log(4)) > 0.05
        or abs(end["d_real"] - end["d_fake"]) > 0.05
    ):
        raise RuntimeError(
            "docs/concepts/gan.md says the Fig. 1 run's D loss converges to log 4 while D(x) "
            f"and D(G(z)) meet at 1/2; it ended at {end}: rewrite that sentence"
        )
    metrics = (work / "runs/first-gan/metrics.jsonl").read_text().splitlines()
    eval_line = next(line for line in COMMANDS if line.startswith("ganzoo eval "))
    eval_output = "\n".join(
        line.rstrip() for line in printed[eval_line].strip().splitlines()
    )
    texts = {
        "reading-numbers-eval": f"```text\n$ {eval_line}\n{eval_output}\n```",
        "zoo-table": zoo_table(),
        "gan-vs-vae-table": note + "\n\n" + "\n".join(transposed(table)),
        "zoo-digits-table": report_table(work / "runs/zoo-digits/report.md"),
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
    comparison = json.loads((work / "runs/gan-vs-vae/comparison.json").read_text())
    texts.update(
        {
            "gan-vs-vae-reading": gan_vs_vae_reading(comparison),
            "gan-vs-vae-metrics-caption": metrics_bars_caption(comparison),
            "fig1-w1": fig1_w1_text(fig1_rows),
            "runs-checkpoint-default": checkpoint_default(work / "runs/first-gan"),
        }
    )
    texts.update(quickstart_texts(work / "runs/first-gan"))
    texts.update(sample_captions(work, first))
    texts.update(reading_numbers(work / "runs/first-gan", figures / COMPUTED[2]))
    for key, shown in OUTPUTS.items():  # after the commands, in their folder
        if shown.where == "work":
            texts[key] = shown_output(key, shown)
    texts.update(dcgan_mnist_texts(figures))
    texts.update(conditional_texts(work, figures))
    texts.update(infogan_texts(work))
    digits = next(
        r
        for r in load_results(work / "runs/first-gan")
        if r["samples"] == max(READING_COUNTS)
    )
    mnist = load_recording("dcgan-mnist", MNIST_COMMANDS)["last"]
    texts.update(noise_and_real_texts(digits, mnist))
    for (
        key,
        shown,
    ) in OUTPUTS.items():  # in a folder where runs/NAME is the recording
        if shown.where != "work":
            folder = out / "recorded" / shown.where
            (folder / "runs").mkdir(parents=True)
            (folder / "runs" / shown.where).symlink_to(RECORDED / shown.where)
            os.chdir(folder)
            texts[key] = shown_output(key, shown)
            os.chdir(work)
    shutil.rmtree(out / "recorded", ignore_errors=True)
    (out / "texts.json").write_text(
        json.dumps(texts, indent=2, sort_keys=True) + "\n"
    )
    shutil.rmtree(
        work / "runs/first-gan/checkpoints", ignore_errors=True
    )  # keep the cache small


def compared() -> tuple[tuple[str, str, bool], ...]:
    """The metrics the GAN vs VAE page reads: (key, name, higher is better).

    ``ganzoo compare``'s own list (:data:`ganzoo.tools.compare.seeds.SEED_METRICS`), with
    the domain extractor's score under its stored name, first.
    """
    from ganzoo.tools.compare.seeds import SEED_METRICS

    score = ("classifier_score_mean", "classifier score", True)
    return (score, *(m for m in SEED_METRICS if m[0] != "score_mean"))


def gan_vs_vae_reading(comparison: dict[str, Any]) -> str:
    """Which of the GAN and the VAE each metric favours, and whether FID and KID can tell."""
    gan, vae = comparison["runs"]
    if (gan["model"], vae["model"]) != ("vanilla", "vae"):
        raise RuntimeError(
            f"the GAN vs VAE page expects a GAN then a VAE, not {comparison}"
        )
    wins: dict[str, list[str]] = {"GAN": [], "VAE": []}
    for key, name, higher in compared():
        a, b = gan["metrics"][key], vae["metrics"][key]
        if a is None or b is None or a == b:
            raise RuntimeError(
                f"GAN vs VAE: {key} is {a} and {b}; the page needs two values"
            )
        better = "GAN" if (a > b) == higher else "VAE"
        wins[better].append(f"{name} ({fmt(a if better == 'GAN' else b)} against "
                            f"{fmt(b if better == 'GAN' else a)})")  # fmt: skip
    overlaps = [
        name
        for key, name in (("fid_interval", "FID"), ("kid_interval", "KID"))
        if max(gan["metrics"][key][0], vae["metrics"][key][0])
        <= min(gan["metrics"][key][1], vae["metrics"][key][1])
    ]
    most = max(wins, key=lambda k: len(wins[k]))
    other = "VAE" if most == "GAN" else "GAN"
    text = (
        f"Here the {most} does better on {len(wins[most])} of the {len(compared())} "
        f"measures: {and_list(wins[most])}"
    )
    text += f"; the {other} on {and_list(wins[other])}." if wins[other] else "."
    if overlaps:
        text += (
            f" The 95% intervals of {' and '.join(overlaps)} overlap, so on "
            f"{'those' if len(overlaps) > 1 else 'that'} this run does not tell the two apart."
        )
    confident = "VAE" if "classifier score" in " ".join(wins["VAE"]) else "GAN"
    text += (
        f" The domain classifier finds the {confident}'s samples the more confidently "
        "recognisable digits (a higher classifier score: each sample clearly one class, the "
        f"classes varied); by {len(wins[most])} of the {len(compared())} measures the "
        f"{most}'s samples are the closer to real digits after {gan['steps']:,} steps."
    )
    return text


def and_list(items: list[str]) -> str:
    """``a, b and c``."""
    return (
        ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]
    )


def metrics_bars_caption(comparison: dict[str, Any]) -> str:
    """What the bars of ``metrics.png`` and their error bars are, from the stored results.

    The error bars are drawn by :func:`ganzoo.tools.compare.figures.plot_metric_bars`:
    FID's bootstrap interval, the score's and KID's standard deviations.
    """
    m = comparison["runs"][0]["metrics"]
    needed = ("interval_level", "fid_bootstrap_rounds", "isc_splits", "kid_subsets",
              "kid_subset_size")  # fmt: skip
    if missing := [k for k in needed if m.get(k) is None]:
        raise RuntimeError(
            f"the metrics figure's caption needs {missing} in the results"
        )
    return (
        f"Each run's value on {comparison['samples']} generated samples "
        f"(`{comparison['extractor']}`). Error bars: for FID its "
        f"{m['interval_level']:.0%} bootstrap interval ({m['fid_bootstrap_rounds']} "
        "resamplings of the generated and real features); for the classifier score its "
        f"standard deviation over {m['isc_splits']} splits of the samples; for KID its "
        f"standard deviation over {m['kid_subsets']} random subsets of "
        f"{m['kid_subset_size']}. Grey lines: real data (dashed) and noise (dotted)."
    )


def checkpoint_default(run_dir: Path) -> str:
    """``--checkpoint-every``'s and ``--keep-checkpoints``' defaults, and what the run kept."""
    from ganzoo.training.config import TrainConfig, resolve

    saved = json.loads((run_dir / "config.json").read_text())
    resolved = resolve(
        TrainConfig.from_dict(saved["config"]),
        saved["resolved"]["steps_per_epoch"],
        model_defaults=False,
    )
    keep = TrainConfig.keep_checkpoints
    every, total = resolved.checkpoint_every, resolved.total_steps
    kept = sorted(p.name for p in (run_dir / "checkpoints").glob("step_*.pt"))
    expected = [f"step_{s:08d}.pt" for s in range(total, 0, -every)][:keep][::-1]
    if kept != expected:
        raise RuntimeError(
            f"docs/runs.md: the first GAN kept {kept}, but its defaults say {expected}"
        )
    return (
        "`--checkpoint-every N` writes a checkpoint every N steps (default: once per epoch, "
        f"or less often on long runs, so that a run writes about {TrainConfig.MAX_CHECKPOINTS}"
        f": the first GAN above, {total} steps of {resolved.steps_per_epoch} an epoch, wrote "
        f"one every {every} steps), and always at the last step and when a run is "
        f"interrupted.\n- `--keep-checkpoints N` (default {keep}) keeps the newest N"
    )


def quickstart_texts(run_dir: Path) -> dict[str, str]:
    """The quickstart's numbers: default epochs, steps per epoch, grids, from the code."""
    from ganzoo import get_registry
    from ganzoo.training.config import TrainConfig

    digits = get_registry().get("dataset", "digits").record.epochs
    saved = json.loads((run_dir / "config.json").read_text())
    summary = json.loads((run_dir / "summary.json").read_text())
    per_epoch = saved["resolved"]["steps_per_epoch"]
    steps = digits * per_epoch
    seconds = steps / summary["steps"] * summary["seconds"]
    grids = len(list((run_dir / "samples").glob("epoch_*.png")))
    return {
        "quickstart-epochs": (
            f"{digits} for `digits`, whose epoch is only {per_epoch} steps (about "
            f"{steps:,} steps: {seconds:.0f} s at the speed the machine that built these "
            f"pages trained step 2's command), {TrainConfig.DEFAULT_EPOCHS} for the others"
        ),
        "quickstart-grids": (
            f"sample grids ({grids} over its {summary['steps']} steps: ganzoo aims at about "
            f"{TrainConfig.MAX_GRIDS} a run)"
        ),
    }


def sample_captions(work: Path, first: dict[str, Any]) -> dict[str, str]:
    """The captions under the build's sample grids: the step, the model, what to look at."""
    from ganzoo.metrics import load_results
    from ganzoo.metrics.scores import score_label, score_of

    config = json.loads((work / "runs/first-gan/config.json").read_text())
    per_epoch = config["resolved"]["steps_per_epoch"]
    grids = sorted(
        p.name for p in (work / "runs/first-gan/samples").glob("epoch_*.png")
    )
    if grids[0] != "epoch_0001.png":
        raise RuntimeError(
            f"the first GAN's first grid is {grids[0]}, the page says epoch 1"
        )
    result = next(
        r for r in load_results(work / "runs/first-gan") if r["samples"] == 1000
    )
    score, _ = score_of(result)
    measured = (
        f"Measured on 1,000 samples: {score_label(result)} {fmt(score, 2)} (real data "
        f"{fmt(result['floors']['real'][score_prefix_of(result)], 2)}, noise "
        f"{fmt(result['floors']['noise'][score_prefix_of(result)], 2)}), coverage "
        f"{fmt(result['coverage'], 2)} (real data {fmt(result['floors']['real']['coverage'], 2)})."
    )
    gan = f"`vanilla` + `nonsat` on digits, step {first['steps']}"
    cgan = json.loads((work / "runs/cgan/summary.json").read_text())
    accuracy = next(
        r for r in load_results(work / "runs/cgan") if r["samples"] == 1000
    )
    per_class = accuracy["conditional_accuracy_per_class"]
    worst = min(range(len(per_class)), key=per_class.__getitem__)
    if accuracy["conditional_accuracy"] < 0.9:
        raise RuntimeError(
            "docs/tutorials/conditional.md: the caption says each row holds its own digit, "
            f"but the class accuracy is {accuracy['conditional_accuracy']:.3f}"
        )
    return {
        "caption-first-gan-first": (
            f"Epoch 1 (step {per_epoch}): 64 samples of G's moving average, each cell from one "
            "of the 64 fixed noise vectors. Every cell holds the same grey blob: G has found "
            "where ink goes on average, not yet digits, and not yet any variety."
        ),
        "caption-first-gan-last": (
            f"The last grid (epoch {int(grids[-1][6:10])}, step "
            f"{first['steps']}), the same 64 noise vectors: now each cell differs, most are "
            "digit-like strokes, many of them readable (look for 0, 3 and 6), others broken "
            f"or smudged. {measured}"
        ),
        "caption-sample-grid": (
            f"{gan} (the moving average), 100 samples of seed 0, enlarged without smoothing. "
            "Look for all ten digits and for variety within each: ten copies of one shape would "
            f"be mode collapse. {measured}"
        ),
        "caption-sample-walk": (
            f"{gan}: six walks of ten steps, one per row, from one code (left) to another "
            "(right). Each row turns one digit into another through in-between shapes, "
            "without a jump: nearby codes give nearby images."
        ),
        "caption-cgan": (
            f"`vanilla --conditional` on digits, step {cgan['steps']}: row k was asked for "
            "class k (0 at the top), each column is one noise vector. Each row holds its "
            "own digit, and within a row the eight noise vectors change the handwriting "
            "(slant, thickness), not the class. The domain classifier names the class that "
            f"was asked for in {accuracy['conditional_accuracy']:.1%} of 1,000 samples."
        ),
        "cgan-accuracy": (
            f"when these pages were built the command above ({cgan['steps']:,} steps, "
            f"{cgan['seconds']:.0f} s of training on the build machine) scored "
            f"**{fmt(accuracy['conditional_accuracy'])}**, against the classifier's "
            f"{fmt(accuracy['conditional_classifier_test_accuracy'])} on real test digits, "
            f"with its worst class ({worst}) at {fmt(per_class[worst], 2)}"
        ),
        "caption-gan-vs-vae-samples": (
            f"The last grid of each run (step {first['steps']}), 64 samples from fixed noise: "
            "left the GAN (its moving average), right the VAE (its decoder's mean images). "
            "The VAE's digits are smoother and greyer, the GAN's have harder edges and more "
            "broken strokes; the table above says which the classifier prefers."
        ),
    }


#: The conditional tutorial's runs: (row label, where its evaluations are: a run folder of
#: the build, or a recording of CONDITIONAL_MNIST_COMMANDS).
CONDITIONAL_ROWS: tuple[tuple[str, str], ...] = (
    ("digits, `vanilla --conditional`", "runs/cgan"),
    ("digits, `dcgan --conditional` (projection D)", "runs/cdcgan"),
    ("digits, `dcgan --conditional -M acgan=true`", "runs/acgan"),
    ("MNIST, `dcgan --conditional` (projection D)", "cdcgan-mnist"),
    ("MNIST, `dcgan --conditional -M acgan=true`", "acgan-mnist"),
)
#: Dataset names as the conditional page writes them.
NAMES: dict[str, str] = {"digits": "digits", "mnist": "MNIST"}
#: The page says every conditional run it shows obeys its labels: at least this accuracy.
CONDITIONAL_OBEYS = 0.9


def conditional_texts(work: Path, figures: Path) -> dict[str, str]:
    """The conditional tutorial's table of class accuracies, its reading and its MNIST grid,
    from the build's digits runs and the recorded MNIST runs; the build fails where a run
    the page calls obedient is not."""
    from ganzoo.metrics import load_results

    lines = [
        "| run | step | class accuracy | worst class | classifier score | FID (real data) |",
        "|---|---|---|---|---|---|",
    ]
    finals: dict[str, Any] = {}
    notes = []
    for label, where in CONDITIONAL_ROWS:
        if where.startswith("runs/"):
            results = [
                r for r in load_results(work / where) if r["samples"] == 1000
            ]
        else:
            rec = load_recording(where, CONDITIONAL_MNIST_COMMANDS[where])
            results = rec["results"]
            notes.append(recording_note(rec, where))
        by_step = {r["step"]: r for r in results if r.get("conditional")}
        for step in sorted(by_step):
            r = by_step[step]
            per = r["conditional_accuracy_per_class"]
            worst = min(range(len(per)), key=per.__getitem__)
            score = r[score_prefix_of(r)]
            real = r["floors"]["real"]["fid"]
            lines.append(
                f"| {label} | {step:,} | **{fmt(r['conditional_accuracy'])}** | "
                f"{worst}: {fmt(per[worst], 2)} | {fmt(score, 2)} | "
                f"{fmt(r['fid'])} ({fmt(real)}) |"
            )
        finals[label] = by_step[max(by_step)]
    weak = {k: v["conditional_accuracy"] for k, v in finals.items()
            if v["conditional_accuracy"] < CONDITIONAL_OBEYS}  # fmt: skip
    if weak:
        raise RuntimeError(
            "docs/tutorials/conditional.md says every conditional run it shows draws the "
            f"class asked for at least {CONDITIONAL_OBEYS:.0%} of the time; these did not: {weak}"
        )
    low = min(finals.items(), key=lambda kv: kv[1]["conditional_accuracy"])
    judge = {
        r["dataset"]: r["conditional_classifier_test_accuracy"]
        for r in finals.values()
    }
    reading = (
        f"At its last evaluation every run draws the class it is asked for in at least "
        f"{fmt(low[1]['conditional_accuracy'])} of the samples (the lowest: {low[0]}); the "
        "judges themselves score "
        + " and ".join(
            f"{fmt(v)} on real {NAMES.get(k, k)} test images"
            for k, v in sorted(judge.items())
        )
        + "."
    )
    for figure, name in CONDITIONAL_COPIED.items():
        shutil.copyfile(RECORDED / name / "samples_last.png", figures / figure)
    mnist = load_recording(
        "cdcgan-mnist", CONDITIONAL_MNIST_COMMANDS["cdcgan-mnist"]
    )
    last = mnist["last"]
    return {
        "conditional-table": "\n".join(lines),
        "conditional-reading": reading,
        "conditional-mnist-runs": "\n\n".join(notes),
        "caption-cdcgan-mnist": (
            f"`dcgan --conditional` (projection D) on MNIST, the recorded run's last grid "
            f"(step {mnist['summary']['steps']:,}): row k was asked for digit k, each column "
            "is one noise vector, so a column keeps one handwriting across the ten digits. "
            f"The classifier names the asked digit in {last['conditional_accuracy']:.1%} of "
            f"1,000 samples."
        ),
    }


def infogan_texts(work: Path) -> dict[str, str]:
    """How far the conditional page's InfoGAN run's c1 agrees with the digit, measured now
    beside an untrained InfoGAN's (chance), and the recorded MNIST benchmark's figure."""
    import torch
    from ganzoo.host.build import create_model
    from ganzoo.metrics.codes import CodeAgreement
    from ganzoo.runs.loading import load_run_model

    run = work / "runs/infogan"
    summary = json.loads((run / "summary.json").read_text())
    model = load_run_model(run)
    judge = CodeAgreement("digits")
    trained = judge(model, per_value=100, seed=0)["code_accuracy"]
    torch.manual_seed(0)
    untrained = create_model("infogan", model.data_info, None, {}).eval()
    chance = judge(untrained, per_value=100, seed=0)["code_accuracy"]
    if not trained > 2 * chance:
        raise RuntimeError(
            "docs/tutorials/conditional.md says InfoGAN's c1 comes to name the digit; the "
            f"build's run agrees {trained:.3f}, an untrained one {chance:.3f}"
        )
    text = (
        f"When these pages were built the run above ({summary['steps']:,} steps, "
        f"{summary['seconds']:.0f} s of training on the build machine) agreed "
        f"**{fmt(trained, 2)}**, an untrained InfoGAN {fmt(chance, 2)}."
    )
    bench = ROOT / "benchmarks" / "results" / "infogan-mnist.json"
    if bench.exists():
        b = json.loads(bench.read_text())
        text += (
            f" On MNIST, `benchmarks/bench_infogan.py` (recorded: {b['steps']:,} steps, "
            f"{b['epochs']} epochs, {b['seconds']:.0f} s on a CPU) measured "
            f"**{fmt(b['generated_agreement'], 2)}** on generated digits and "
            f"{fmt(b['q_real_test_agreement'], 2)} for Q on real test digits, against the paper's "
            f"{fmt(b['paper_agreement'], 2)} after full training."
        )
    else:
        text += (
            " The paper's 95% (5% error) is for MNIST after full training; "
            "`benchmarks/bench_infogan.py` measures how far MNIST gets in a CPU budget."
        )
    return {"infogan-agreement": text}


def score_prefix_of(result: Any) -> str:
    """The stored name of a result's score mean (``classifier_score_mean``, ...)."""
    from ganzoo.metrics.scores import score_prefix

    return score_prefix(result) + "_mean"


def report_table(path: Path) -> str:
    """A comparison report's note and table, turned so that each run is a column.

    The floors' two columns become a line below, so that four runs fit the page.
    """
    report = path.read_text().splitlines()
    note = next(line for line in report if line.startswith("All numbers"))
    table = transposed([line for line in report if line.startswith("|")])
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in table]
    if not cells[0][-2].startswith("real data") or not cells[0][-1].startswith(
        "noise"
    ):
        raise RuntimeError(
            f"{path}: expected the floors in the last two columns: {cells[0]}"
        )
    floors = [
        f"{row[0].split(' [')[0].rstrip(' ↑↓')} {row[-2]} and {row[-1]}"
        for row in cells[2:]
        if row[-2]
    ]
    lines = ["| " + " | ".join(row[:-2]) + " |" for row in cells]
    lines[1] = "|---" * (len(cells[0]) - 2) + "|"
    real, noise = (c.split(" (", 1)[1].rstrip(")") for c in cells[0][-2:])
    return (
        note
        + "\n\n"
        + "\n".join(lines)
        + f"\n\nReal data ({real}) and noise ({noise}), measured alike: "
        + "; ".join(floors)
        + "."
    )


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


def noise_and_real_texts(digits: Any, mnist: Any) -> dict[str, str]:
    """What "Reading the numbers" says of the floors: FID's scale, and noise fooling precision.

    ``digits`` and ``mnist`` are results whose floors the page's tables show. The page says
    that precision alone can be fooled by noise on MNIST: the build fails where that no
    longer holds.
    """
    fid_real, fid_noise = (
        digits["floors"]["real"]["fid"],
        digits["floors"]["noise"]["fid"],
    )
    r, n = mnist["floors"]["real"], mnist["floors"]["noise"]
    if not n["precision"] > 0.5 > n["coverage"]:
        raise RuntimeError(
            "docs/concepts/reading-numbers.md says uniform noise fools precision on MNIST, "
            f"but its floors now read precision {n['precision']:.3f}, coverage "
            f"{n['coverage']:.3f}: rewrite the section"
        )
    higher = n["precision"] > r["precision"]
    return {
        "reading-numbers-fid-scale": (
            f"A domain FID of 2 is therefore poor on digits: noise scores {fmt(fid_noise, 2)}, "
            f"real data {fmt(fid_real, 2)}."
        ),
        "reading-numbers-noise-precision": (
            f"with MNIST's domain classifier, uniform noise scores a precision of "
            f"{fmt(n['precision'])} (real data: {fmt(r['precision'])}) and a recall of "
            f"{fmt(n['recall'])}, because the classifier maps noise into the wide ball of an "
            "outlying digit (the MNIST table above)"
        ),
        "reading-numbers-noise-coverage": (
            "On MNIST, noise scores a "
            + (
                "*higher* precision than real data"
                if higher
                else "precision near real data's"
            )
            + f" ({fmt(n['precision'])} against {fmt(r['precision'])}): the classifier maps "
            "it into the wide balls of a few outlying digits. Density falls to "
            f"{fmt(n['density'], 2)} (real data: {fmt(r['density'], 2)})"
            + (
                ", but does not vanish, because each noise sample still sits in some of those "
                "balls"
                if n["density"] > 0.1
                else ""
            )
            + f". Coverage exposes it: the noise touches {n['coverage']:.1%} of the real "
            f"images' balls, against {r['coverage']:.0%} for real data."
        ),
    }


def eval_table(run_dir: Path) -> str:
    """The evaluations a run made, one row each, from its ``eval/`` files, with the floors."""
    from ganzoo.metrics import load_results
    from ganzoo.metrics.scores import score_label, score_of

    results = sorted(load_results(run_dir), key=lambda r: r["step"])
    extractors = sorted({r["extractor"] for r in results})
    last = results[-1]
    lines = [
        f"Extractor `{', '.join(extractors)}`, {last['samples']} generated against "
        f"{last['real_samples']} real test images:",
        "",
        f"| step | {score_label(last)} ↑ | FID ↓ | KID ↓ | density ↑ | coverage ↑ |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        mean, std = score_of(r)
        lines.append(
            f"| {r['step']} | {fmt(mean, 2)} ± {fmt(std, 2)} | {fmt(r['fid'], 2)} | "
            f"{fmt(r['kid_mean'], 4)} ± {fmt(r['kid_std'], 4)} | {fmt(r['density'], 2)} | "
            f"{fmt(r['coverage'], 2)} |"
        )
    real, noise = last["floors"]["real"], last["floors"]["noise"]
    lines += [
        "",
        f"For scale, at the same count: real MNIST ({real['source']}) scores FID "
        f"{fmt(real['fid'], 2)}, coverage {fmt(real['coverage'], 2)}; uniform noise "
        f"FID {fmt(noise['fid'], 2)}, coverage {fmt(noise['coverage'], 2)}.",
    ]
    return "\n".join(lines)


#: What a recording's ``record.json`` and ``summary.json`` hold that the pages read.
RECORD_KEYS: tuple[str, ...] = ("commands", "commit", "local_changes", "date", "machine",
                                "seconds", "ganzoo", "last_grid")  # fmt: skip
SUMMARY_KEYS: tuple[str, ...] = (
    "steps",
    "epochs",
    "seconds",
    "images_per_second",
    "eval",
)
FINAL_KEYS: tuple[str, ...] = ("d_real", "d_fake", "d_loss", "g_loss")


def load_recording(name: str, commands: tuple[str, ...]) -> dict[str, Any]:
    """A recorded run (``docs/_recorded/NAME``), checked against the current code.

    Fails, saying how to record it again, unless: it was made by ``commands`` (the page's
    commands as they are now); ``config.json`` is a config this ganzoo accepts;
    ``summary.json`` has the keys the pages read; every ``eval/*.json`` loads with
    :func:`ganzoo.metrics.load_results` (the current result format), as does the summary's
    last evaluation; each command's output and each figure is there.
    """
    from ganzoo.metrics import load_results
    from ganzoo.metrics.results import EvalResult
    from ganzoo.training.config import TrainConfig
    from PIL import Image

    folder = RECORDED / name

    def fail(why: str) -> None:
        raise RuntimeError(
            f"docs/_recorded/{name}: {why}. The page shows this recorded run; record it again "
            f"with the current code: python docs/_scripts/record_runs.py {name}"
        )

    def read(file: str) -> Any:
        try:
            return json.loads((folder / file).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            fail(f"{file} does not load ({exc})")

    record = read("record.json")
    if missing := [k for k in RECORD_KEYS if k not in record]:
        fail(f"record.json lacks {', '.join(missing)}")
    if record["commands"] != list(commands):
        fail(
            f"it was recorded with {record['commands']}, the page now shows {list(commands)}"
        )
    outputs = read("outputs.json")
    if list(outputs) != list(commands):
        fail("outputs.json does not hold one output per command")
    config = read("config.json")
    try:
        TrainConfig.from_dict(config["config"])
    except Exception as exc:  # any refusal: the format moved on
        fail(f"config.json is not a config this ganzoo reads ({exc})")
    summary = read("summary.json")
    missing = [k for k in SUMMARY_KEYS if k not in summary]
    missing += [
        f"final.{k}" for k in FINAL_KEYS if k not in summary.get("final", {})
    ]
    if missing:
        fail(f"summary.json lacks {', '.join(missing)}")
    files = sorted((folder / "eval").glob("*.json"))
    with warnings.catch_warnings():
        warnings.simplefilter(
            "error"
        )  # a file load_results would skip fails the build
        try:
            results = load_results(folder)
            last = EvalResult.from_dict(summary["eval"])
        except (UserWarning, ValueError, TypeError) as exc:
            fail(
                f"its evaluation results do not load with the current reader ({exc})"
            )
    if not files or len(results) != len(files):
        fail(f"{len(files)} files in eval/, {len(results)} of them load")
    for figure in {*RECORDED_COPIED.values()}:
        try:
            with Image.open(folder / figure) as image:
                image.verify()
        except OSError as exc:
            fail(f"{figure} is not a readable image ({exc})")
    return {"folder": folder, "record": record, "outputs": outputs, "config": config,
            "summary": summary, "results": results, "last": last}  # fmt: skip


def recording_note(rec: dict[str, Any], name: str) -> str:
    """Which commands, commit, date and machine made a recording, as an admonition."""
    record = rec["record"]
    m = record["machine"]
    machine = f"{m['cpu']} ({m['cores']} cores), " + (
        f"GPU {m['gpu']}" if m.get("gpu") else "no GPU"
    )
    changes = (
        " with local changes to `ganzoo/` or `plugins/`"
        if record["local_changes"]
        else ""
    )
    session = "".join(
        f"    $ {line}\n    ({record['seconds'][line]:.0f} s)\n"
        for line in record["commands"]
    )
    amp = rec["config"]["config"].get("amp", "none")
    precision = (
        "\n\n    It trained in float32 (`amp: none` in its `config.json`). Today's default, "
        "`--amp auto`,\n    trains these commands in bf16 autocast on a CPU with AMX tiles, "
        "at the FID per update of\n    float32 within the seeds' spread (`benchmarks/README.md`, "
        '"bf16 on a CPU with AMX").'
        if amp == "none"
        else f"\n\n    It trained under {amp} autocast (`amp: {amp}` in its `config.json`)."
    )
    return (
        '!!! note "A recorded run: its full budget is too long for every build"\n'
        "    The figures, tables and outputs on this page come from one run of this page's "
        "commands,\n    verbatim and at their full budget, recorded by "
        f"`python docs/_scripts/record_runs.py {name}`\n"
        f"    on {record['date'][:10]} at commit `{record['commit'][:12]}`{changes}, on "
        f"{machine};\n    {m['os']}, Python {m['python']}, torch {m['torch']}, ganzoo "
        f"{record['ganzoo']}:\n\n    ```text\n{session}    ```\n\n"
        "    Every build of these pages checks that the recording still loads with the "
        "current code's\n    readers and was made by the commands shown here; the docs "
        "tests run the commands\n    themselves, at a small budget." + precision
    )


#: What the page says the recorded DCGAN grid shows, written by looking at it: tied to the
#: recording's date, so a new recording fails the build until its grid is looked at again.
DCGAN_GRID_WORDS: dict[str, str] = {
    "2026-12-06T19:14:59+00:00": (
        "Most cells are handwritten digits you can name (0, 2, 5, 6, 7, 8 and 9 among "
        "them), thick-stroked and in varied styles; a few are strokes that are no digit."
    ),
}


def dcgan_trend(rec: dict[str, Any]) -> str:
    """How far apart D keeps real and generated images, and how FID moved meanwhile."""
    final = rec["summary"]["final"]
    steps = sorted(
        (r for r in rec["results"] if r["extractor"].startswith("domain")),
        key=lambda r: r["step"],
    )
    fids = [r["fid"] for r in steps]
    path = ", ".join(f"{fmt(r['fid'], 2)} (step {r['step']})" for r in steps)
    ahead = final["d_real"] - final["d_fake"] > 0.3
    falls = all(b < a for a, b in itertools.pairwise(fids))
    return (
        (
            "D stays well ahead of G to the end (its loss far below log 4), "
            if ahead
            else ""
        )
        + (
            "and yet FID falls at every evaluation: "
            if ahead and falls
            else "FID: "
        )
        + path
        + "."
    )


def dcgan_mnist_texts(figures: Path) -> dict[str, str]:
    """The DCGAN tutorial's figures and texts, from its recording."""
    from ganzoo.metrics.scores import score_label, score_of, score_prefix

    rec = load_recording("dcgan-mnist", MNIST_COMMANDS)
    folder, record, summary = rec["folder"], rec["record"], rec["summary"]
    for name, source in RECORDED_COPIED.items():
        shutil.copyfile(folder / source, figures / name)
    final, last = summary["final"], rec["last"]
    real, noise = last["floors"]["real"], last["floors"]["noise"]
    score, _ = score_of(last)
    real_score = real.get(score_prefix(last) + "_mean")
    works = (
        last["fid"] < noise["fid"] / 10
        and last["coverage"] > noise["coverage"] * 10
    )
    if not works:
        raise RuntimeError(
            "docs/tutorials/dcgan-mnist.md promises a DCGAN that works, but its recorded run "
            f"ends with FID {last['fid']:.2f} (noise: {noise['fid']:.2f}) and coverage "
            f"{last['coverage']:.2f} (noise: {noise['coverage']:.2f}); record a longer run"
        )
    words = DCGAN_GRID_WORDS.get(record["date"])
    if words is None:
        raise RuntimeError(
            f"docs/_recorded/dcgan-mnist was recorded again ({record['date']}): look at its "
            "samples_last.png and write what it shows into DCGAN_GRID_WORDS in "
            "docs/_scripts/figures.py, keyed by the new date"
        )
    eval_line = record["commands"][1]
    eval_output = "\n".join(
        line.rstrip() for line in rec["outputs"][eval_line].strip().splitlines()
    )
    model = rec["config"]["config"]
    return {
        "dcgan-mnist-run": recording_note(rec, "dcgan-mnist"),
        "dcgan-mnist-evals": eval_table(folder),
        "dcgan-mnist-samples-caption": (
            f"Step {summary['steps']} ({summary['epochs']:.1f} epochs), `{model['model']}` + "
            f"`{model['loss']}` on MNIST: the last grid of the recorded run, 64 samples of "
            f"G's moving average from the same fixed noise as every grid of the run. {words} "
            f"Measured on {last['samples']:,} samples: {score_label(last)} {fmt(score, 2)} "
            f"(real data "
            f"{fmt(real_score, 2)}), FID {fmt(last['fid'], 2)} (real data {fmt(real['fid'], 2)}, "
            f"noise {fmt(noise['fid'], 2)})."
        ),
        "dcgan-mnist-curves-caption": (
            f"The recorded run's curves over its {summary['steps']} steps; its last log "
            f"line: D(x) = {fmt(final['d_real'])}, D(G(z)) = {fmt(final['d_fake'])}, D loss = "
            f"{fmt(final['d_loss'])}, G loss = {fmt(final['g_loss'])}. {dcgan_trend(rec)}"
        ),
        "dcgan-mnist-eval-output": (
            f"On the recorded run it printed:\n\n```text\n$ {eval_line}\n{eval_output}\n```"
        ),
        "reading-numbers-floors-mnist": floors_table(
            [
                (
                    f"MNIST, domain (the recorded DCGAN run, {record['date'][:10]})",
                    last,
                )
            ]
        ),
    }


# --- cache ---------------------------------------------------------------------------------


def source_key() -> str:
    """A hash of everything the figures depend on: ganzoo's and the plugins' code, this file,
    the pages whose blocks it runs, and the recorded runs."""
    h = hashlib.sha256()
    files = [Path(__file__).resolve()]
    files += sorted({DOCS / shown.page for shown in OUTPUTS.values()})
    for top in SOURCES:
        files += sorted(
            p
            for p in (ROOT / top).rglob("*")
            if p.is_file()
            and (top == "docs/_recorded" or p.suffix in (".py", ".tmpl"))
        )
    for path in files:
        if "__pycache__" in path.parts:
            continue
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
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
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "generate", str(tmp)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(
            f"generating the docs' figures failed:\n{proc.stdout}\n{proc.stderr}"
        )
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    for old in CACHE.iterdir():  # only the newest generation is kept
        if old.is_dir() and old != target and old.name != "ganzoo-cache":
            shutil.rmtree(old, ignore_errors=True)
    log.info("ganzoo figures: done in %.0f s", time.perf_counter() - start)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "generate":
        sys.exit("usage: python docs/_scripts/figures.py generate OUT")
    generate(Path(sys.argv[2]).resolve())
