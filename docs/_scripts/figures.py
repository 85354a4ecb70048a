"""The docs' figures and real outputs, made by ganzoo itself at build time.

Used two ways:

- by the MkDocs hook ``docs/_scripts/hooks.py``: before the build, :func:`ensure_generated`
  makes sure the figures and texts exist for the current source;
- as a script: ``python docs/_scripts/figures.py generate OUT`` writes them into ``OUT``.

Every figure comes from a ``ganzoo`` command in :data:`COMMANDS` (the same command lines the
pages show; ``tests/test_docs.py`` checks they appear verbatim) or from ganzoo's own Python
API (the loss plugins, :mod:`ganzoo.theory`). Nothing is pasted in by hand.

Results are cached in ``.cache/docs/<key>/`` at the repository root, where ``key`` hashes
the source of ``ganzoo/``, ``plugins/`` and this file: a build after a code change makes
them again (about a minute on two busy CPU cores), an unchanged build reuses them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "docs"
SOURCES = ("ganzoo", "plugins")

#: The commands whose outputs the docs show, in order, run from one working folder.
COMMANDS: tuple[str, ...] = (
    "ganzoo train --model vanilla --loss nonsat --dataset digits --steps 1500 --out runs/first-gan",
    "ganzoo train --model vae --dataset digits --steps 1500 --out runs/first-vae",
    "ganzoo compare runs/first-gan runs/first-vae --samples 500 --out runs/gan-vs-vae",
    "ganzoo train --model vanilla --dataset gaussian1d --batch-size 1000 --lr 1e-4 --steps 400"
    " --out runs/fig1",
    "ganzoo plot-dynamics runs/fig1 --panels 5",
)

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
}

#: Figures computed with ganzoo's Python API rather than copied from a run.
COMPUTED: tuple[str, ...] = ("gan_losses.png", "d_star.png")

log = logging.getLogger("mkdocs.hooks.ganzoo_figures")


# --- generation (runs in its own process: torch stays out of MkDocs) ----------------------


def run_command(line: str) -> None:
    """Run one ``ganzoo ...`` command line in-process; raise if it fails."""
    from ganzoo.cli import main

    args = shlex.split(line)
    assert args[0] == "ganzoo", line
    try:
        main(args[1:])
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise RuntimeError(f"{line!r} exited with {exc.code}") from None


def generator_losses_figure(path: Path) -> None:
    """The two generator losses and their gradients against D(G(z)), from the loss plugins."""
    import torch

    from ganzoo.build import create_loss
    from ganzoo.plotting import pyplot, save_figure

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
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
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
            ax.plot(d, [abs(y) for y in ys] if i == 2 else ys, color=color, label=label)
        ax.set_title(titles[i], fontsize=9)
        ax.set_xlabel("D(G(z))")
        ax.axvspan(0, 0.1, color="0.9", zorder=0)
    axes[0].text(0.02, 0.05, "early training:\nD rejects fakes", fontsize=7,
                 transform=axes[0].transAxes)  # fmt: skip
    axes[1].set_ylim(-20, 5)
    axes[2].set_ylim(0, 1.05)
    axes[0].legend(fontsize=8)
    save_figure(fig, path)


def optimal_discriminator_figure(path: Path) -> dict[str, float]:
    """D trained against a fixed G (the setting of ``tests/test_theory.py``) against D*."""
    import torch
    from torch import nn

    from ganzoo.build import create_loss, create_model, load_dataset
    from ganzoo.models import GAN
    from ganzoo.plotting import pyplot, save_figure
    from ganzoo.theory import discriminator_curve, optimal_discriminator, train_discriminator

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

    train_discriminator(fixed, create_loss("minimax", {}), real_batch, 1500, 512, lr=2e-3)
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
    twin.plot(xs, d_star, color="0.4", lw=3, alpha=0.5, label="D*(x) = p_data / (p_data + p_g)")
    twin.plot(xs, d, "b--", lw=1.5, label="D(x) after 1500 steps")
    twin.set_ylim(0, 1)
    twin.set_ylabel("D(x)", color="b")
    handles = ax.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], fontsize=7, loc="upper left")
    save_figure(fig, path)
    return {"d_star_max_error": float((d - d_star)[inside].abs().max())}


def trained_generator_checks(run_dir: Path) -> dict[str, float]:
    """The numbers ``tests/test_theory.py`` asserts, measured on the docs' own 1-D run."""
    import torch

    from ganzoo.build import create_model, load_dataset, load_run_model
    from ganzoo.theory import discriminator_curve, wasserstein1

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


def run_tree(run_dir: Path) -> str:
    """The files a run left, as an indented listing (samples and checkpoints abridged)."""
    lines = [f"{run_dir.name}/"]
    for path in sorted(run_dir.iterdir()):
        if path.name.startswith("."):
            lines.append(f"  {path.name}")
            continue
        if path.is_dir():
            children = sorted(p.name for p in path.iterdir())
            shown = children if len(children) <= 4 else [*children[:2], "...", *children[-2:]]
            lines.append(f"  {path.name}/")
            lines += [f"    {c}" for c in shown]
        else:
            lines.append(f"  {path.name}")
    return "\n".join(lines)


def zoo_table() -> str:
    """ganzoo's own components with their descriptions, from the registry itself."""
    from ganzoo import get_registry
    from ganzoo.plugins import CORE_DISTRIBUTION

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
                extra = "×".join(map(str, shape)) if isinstance(shape, list | tuple) else shape
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
    timings, trees = {}, {}
    for line in COMMANDS:
        start = time.perf_counter()
        run_command(line)
        timings[line] = round(time.perf_counter() - start, 1)
        if line == COMMANDS[0]:  # the folder as training left it, before any evaluation
            trees["first-gan"] = run_tree(work / "runs/first-gan")
    last = sorted(p.name for p in (work / "runs/first-gan/samples").glob("epoch_*.png"))[-1]
    for name, source in COPIED.items():
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
    metrics = (work / "runs/first-gan/metrics.jsonl").read_text().splitlines()
    texts = {
        "zoo-table": zoo_table(),
        "gan-vs-vae-table": note + "\n\n" + "\n".join(table),
        "first-gan-summary": (
            f"It ran {first['steps']} steps "
            f"({first['epochs']:.1f} epochs) in {first['seconds']:.1f} s "
            f"({first['images_per_second']:.0f} images/s) on the CPU of the machine that built "
            f"these pages. Its last log line: D(x) = {fmt(first['final']['d_real'])}, "
            f"D(G(z)) = {fmt(first['final']['d_fake'])}, D loss = "
            f"{fmt(first['final']['d_loss'])}, G loss = {fmt(first['final']['g_loss'])}."
        ),
        "first-vae-summary": (
            f"The VAE ran {vae['steps']} steps in {vae['seconds']:.1f} s; last loss "
            f"{fmt(vae['final']['loss'], 2)} (reconstruction {fmt(vae['final']['recon'], 2)}, "
            f"KL {fmt(vae['final']['kl'], 2)})."
        ),
        "first-gan-metrics-line": metrics[-1],
        "first-gan-tree": trees["first-gan"],
        "fig1-summary": (
            f"After {fig1['steps']} steps ({fig1['seconds']:.1f} s on the build machine): "
            f"W1(p_g, p_data) = {fmt(theory['w1_trained'])} (an untrained generator: "
            f"{fmt(theory['w1_untrained'], 2)}); D(x) on the data's central 95% "
            f"(x in [1, 3]) stays within [{fmt(theory['d_min'])}, {fmt(theory['d_max'])}]; "
            f"the D loss ended at {fmt(fig1['final']['d_loss'], 4)} against "
            f"log 4 = {fmt(1.3862944, 4)} at the game's optimum."
        ),
        "d-star-summary": (
            "Largest gap between the trained D and D* where both densities carry mass "
            f"(x in [0.5, 3.5]): {fmt(theory['d_star_max_error'])}."
        ),
        "docs-build-timings": "\n".join(
            f"| `{line}` | {seconds:.1f} |" for line, seconds in timings.items()
        ),
    }
    (out / "texts.json").write_text(json.dumps(texts, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(work / "runs/first-gan/checkpoints", ignore_errors=True)  # keep the cache small


# --- cache ---------------------------------------------------------------------------------


def source_key() -> str:
    """A hash of everything the figures depend on: ganzoo's and the plugins' code, this file."""
    h = hashlib.sha256()
    files = [Path(__file__).resolve()]
    for top in SOURCES:
        files += sorted(p for p in (ROOT / top).rglob("*") if p.suffix in (".py", ".tmpl"))
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
    env.setdefault("OMP_NUM_THREADS", "1")  # tiny models: one thread is faster, and polite
    env["GANZOO_CACHE_DIR"] = str(CACHE / "ganzoo-cache")  # the domain classifier, trained once
    log.info("ganzoo figures: generating into %s (about a minute)", target)
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
        raise RuntimeError(f"generating the docs' figures failed:\n{proc.stdout}\n{proc.stderr}")
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
