"""Figures of a run: sample grids, the 1-D distribution figure, 2-D scatters, loss curves.

Every figure is written atomically (see :mod:`ganzoo.runs.rundir`). matplotlib runs headless.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch

from ganzoo.api.data import DataSource, images_to_unit_range
from ganzoo.api.models import GenerativeModel
from ganzoo.runs.files import atomic_path
from ganzoo.runs.plotting import is_number, new_figure, pyplot, save_figure

SAMPLE_SEED_OFFSET = 1_000_003  # sample figures draw from their own generator
MIN_PIXELS = 32  # sample grids show images at least this wide
PER_CLASS = 8  # a conditional grid's columns: samples per class
MAX_CLASS_ROWS = 32  # a conditional grid shows at most this many classes


@torch.no_grad()
def save_samples(
    model: GenerativeModel, data: DataSource, path: Path, seed: int, n: int = 64
) -> None:
    """Save a figure of ``n`` samples drawn with a fixed seed (the same z every epoch).

    A conditional model's image grid has one row per class (class 0 at the top) and one
    column per noise vector, shared down the column: a row shows one class in
    :data:`PER_CLASS` styles, a column one style across the classes.
    """
    was_training = model.training
    model.eval()
    try:
        generator = torch.Generator().manual_seed(seed + SAMPLE_SEED_OFFSET)
        classes = getattr(model, "num_classes", None)
        if data.info.kind == "image" and classes is not None:
            images, columns = class_grid(model, generator)
            save_image_grid(images, path, nrow=columns)
        elif classes is not None and data.info.dim == 2:
            labels = torch.arange(classes).repeat(-(-max(n, 1000) // classes))
            samples = model.sample(len(labels), generator=generator, labels=labels)
            plot_scatter_2d(data, samples, path, labels)
        elif data.info.kind == "image":
            save_image_grid(model.sample(n, generator=generator), path)
        elif data.info.dim == 1:
            samples = model.sample(max(n, 2000), generator=generator)
            plot_distribution_1d(model, data, samples, path)
        else:
            samples = model.sample(max(n, 1000), generator=generator)
            plot_scatter_2d(data, samples, path)
    finally:
        model.train(was_training)


def class_grid(
    model: GenerativeModel, generator: torch.Generator, per_class: int = PER_CLASS
) -> tuple[torch.Tensor, int]:
    """Samples of a conditional model, row k of class k; returns them and the row length.

    A GAN's noise vectors are shared down the columns; another model samples each cell.
    """
    classes = min(int(model.num_classes or 0), MAX_CLASS_ROWS)
    labels = torch.arange(classes).repeat_interleave(per_class).to(model.device)
    generate = getattr(model, "generate", None)
    if generate is not None and hasattr(model, "sample_latent"):
        z = model.sample_latent(per_class, generator).repeat(classes, 1)
        return generate(z, labels), per_class
    return model.sample(len(labels), generator=generator, labels=labels), per_class


def save_image_grid(images: torch.Tensor, path: Path, nrow: int | None = None) -> None:
    """A grid of images in [-1, 1] (square unless ``nrow`` per row), saved as PNG."""
    from torchvision.utils import save_image

    images = images_to_unit_range(images.float().cpu())
    if images.shape[-1] < MIN_PIXELS:  # tiny images (8×8 digits): enlarge, keep pixels sharp
        factor = -(-MIN_PIXELS // images.shape[-1])
        images = torch.nn.functional.interpolate(images, scale_factor=factor, mode="nearest")
    nrow = nrow or max(1, int(math.sqrt(images.shape[0])))
    with atomic_path(path) as tmp:
        save_image(images, tmp, nrow=nrow, format="png", pad_value=0.5)


def plot_distribution_1d(
    model: GenerativeModel, data: DataSource, samples: torch.Tensor, path: Path
) -> None:
    """Goodfellow et al. 2014, Fig. 1: p_data (black, dotted), p_g (green), D(x) (blue, dashed)."""
    plt = pyplot()
    real = data_samples(data).reshape(-1)
    fake = samples.float().cpu().reshape(-1)
    lo = float(torch.minimum(real.min(), fake.min()))
    hi = float(torch.maximum(real.max(), fake.max()))
    pad = 0.1 * (hi - lo + 1e-6)
    xs = torch.linspace(lo - pad, hi + pad, 400)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    bins = torch.linspace(lo - pad, hi + pad, 61)
    p_data = data.density(xs.unsqueeze(1))
    if p_data is not None:
        ax.plot(xs, p_data.reshape(-1), "k:", lw=2, label="p_data")
    else:
        ax.hist(
            real,
            bins=bins.numpy(),
            density=True,
            histtype="step",
            color="k",
            ls=":",
            label="p_data",
        )
    ax.hist(fake, bins=bins.numpy(), density=True, histtype="step", color="g", lw=1.5, label="p_g")
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    discriminate = getattr(model, "discriminate", None)
    if discriminate is not None:
        d_x = torch.sigmoid(discriminate(xs.unsqueeze(1).to(model.device))).cpu()
        ax2 = ax.twinx()
        ax2.plot(xs, d_x, "b--", lw=1.5, label="D(x)")
        ax2.axhline(0.5, color="b", lw=0.5, alpha=0.4)
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("D(x)", color="b")
        lines = ax.get_legend_handles_labels()
        more = ax2.get_legend_handles_labels()
        ax.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    else:
        ax.legend(loc="upper left", fontsize=8)
    save_figure(fig, path)


def plot_scatter_2d(
    data: DataSource, samples: torch.Tensor, path: Path, labels: torch.Tensor | None = None
) -> None:
    """Real points (grey) and generated points (green; by class when ``labels`` given)."""
    plt = pyplot()
    real = data_samples(data)[:2000]
    fake = samples.float().cpu()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.scatter(real[:, 0], real[:, 1], s=2, c="0.6", label="data")
    if labels is None:
        ax.scatter(fake[:, 0], fake[:, 1], s=2, c="g", alpha=0.6, label="generated")
    else:
        ax.scatter(
            fake[:, 0], fake[:, 1], s=2, c=labels.cpu(), cmap="tab10", alpha=0.6,
            label="generated (colour: class)",
        )  # fmt: skip
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8, markerscale=4)
    save_figure(fig, path)


#: Logged statistic -> how the loss-curve figure labels it (the lecture note's notation).
LABELS: dict[str, str] = {
    "d_real": "D(x): D's mean output on real data",
    "d_fake": "D(G(z)): D's mean output on generated data",
    "d_grad_norm": "‖∇D‖ (D's gradient norm)",
    "g_grad_norm": "‖∇G‖ (G's gradient norm)",
}
D_PANEL, GRAD_PANEL = "D(x) and D(G(z))", "gradient norms"
#: Statistics with a panel of their own; everything else goes to "other statistics".
PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (D_PANEL, ("d_real", "d_fake")),
    (GRAD_PANEL, ("d_grad_norm", "g_grad_norm")),
)
_NOT_PLOTTED = {"step", "epoch", "images", "time", "event"}


def plot_loss_curves(
    records: list[dict[str, Any]], path: Path, equilibrium: dict[str, float] | None = None
) -> None:
    """The run's curves against the step, one question per panel.

    Losses (with a dotted line at each loss's value at the game's equilibrium, where the
    loss declares one: log 4 for D's loss of the original GAN); D(x) and D(G(z)) with the ½
    line they meet at when p_g = p_data; the gradient norms (log scale); and any other
    statistic. Panels without data are left out.
    """
    keys = sorted(
        {k for r in records for k, v in r.items() if k not in _NOT_PLOTTED and is_number(v)}
    )
    groups = [("losses", tuple(k for k in keys if k.endswith("loss")))]
    groups += [(title, tuple(k for k in wanted if k in keys)) for title, wanted in PANELS]
    placed = {k for _, group in groups for k in group}
    groups.append(("other statistics", tuple(k for k in keys if k not in placed)))
    groups = [(title, group) for title, group in groups if group]
    ncols = min(2, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    fig = new_figure(figsize=(5 * ncols, 3.4 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[len(groups) :]:
        ax.set_visible(False)
    for ax, (title, group) in zip(flat, groups, strict=False):
        for key in group:
            pts = [(r["step"], r[key]) for r in records if is_number(r.get(key))]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=LABELS.get(key, key))
        _reference_lines(ax, title, group, equilibrium or {})
        ax.set_xlabel("step")
        ax.set_title(title, fontsize=11)
        ax.legend(fontsize=9)
    save_figure(fig, path)


def _reference_lines(ax: Any, title: str, group: tuple[str, ...], eq: dict[str, float]) -> None:
    """The lines a panel is read against: ½ for D's outputs, each loss's equilibrium value."""
    if title == D_PANEL:
        ax.axhline(0.5, color="k", lw=0.8, ls=":", label="½: D undecided (p_g = p_data)")
        ax.set_ylim(0, 1)
    elif title == GRAD_PANEL:
        ax.set_yscale("log")
    for key in group:
        if key in eq:
            value = eq[key]
            name = "log 4" if math.isclose(value, math.log(4)) else f"{value:.3g}"
            ax.axhline(value, color="k", lw=0.8, ls=":", label=f"{key} at equilibrium: {name}")


def data_samples(data: DataSource, limit: int = 20_000) -> torch.Tensor:
    """Up to ``limit`` real samples of an in-memory source, on the CPU."""
    samples = getattr(data, "samples", None)
    if samples is None:
        raise TypeError("this figure needs an in-memory data source")
    return samples[:limit].float().cpu()


def plot_dynamics(snapshots: list[dict[str, Any]], path: Path, panels: int = 4) -> None:
    """The seed's figure (Goodfellow et al. 2014, Fig. 1) from recorded 1-D snapshots.

    ``panels`` snapshots evenly spaced from first to last, each with p_data (black, dotted),
    p_g (green) and, for a GAN, D(x) (blue, dashed, on the right axis) with the ½ line. Two
    or three panels a row; each panel has its own density scale.
    """
    plt = pyplot()
    count = min(panels, len(snapshots))
    picks = [snapshots[round(i * (len(snapshots) - 1) / max(count - 1, 1))] for i in range(count)]
    # Two or three panels a row, so that each stays legible at page width: up to three in one
    # row, four to six in rows of two, more in rows of three.
    ncols = count if count <= 3 else 2 if count <= 6 else 3
    nrows = math.ceil(count / ncols)
    width, height = 3.7, 2.8  # inches a panel
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows + 0.45), squeeze=False
    )
    flat = [ax for row in axes for ax in row]
    for ax in flat[count:]:
        ax.set_visible(False)
    for i, (ax, snap, label) in enumerate(zip(flat, picks, "abcdefghijklmnop", strict=False)):
        ax.plot(snap["x"], snap["p_data"], "k:", lw=2, label="p_data")
        ax.plot(snap["x"], snap["p_g"], "g-", lw=1.5, label="p_g")
        # Each panel's own density scale: an untrained G's narrow lump stays whole.
        ax.set_ylim(0, max(max(snap["p_data"]), max(snap["p_g"])) * 1.12)
        ax.set_title(f"({label}) step {snap['step']}", fontsize=11)
        ax.tick_params(labelsize=9)
        ax.set_xlabel("x")
        if i % ncols == 0:
            ax.set_ylabel("density")
        if "d" in snap:
            twin = ax.twinx()
            twin.plot(snap["x"], snap["d"], "b--", lw=1.5, label="D(x)")
            twin.axhline(0.5, color="b", lw=0.6, alpha=0.4)
            twin.set_ylim(0, 1)
            twin.set_yticks([0, 0.5, 1])
            twin.tick_params(axis="y", colors="b", labelsize=9)
            if i % ncols == ncols - 1 or i == count - 1:
                twin.set_ylabel("D(x)", color="b")
    handles, labels = flat[0].get_legend_handles_labels()
    if "d" in picks[0]:
        handles.append(plt.Line2D([], [], color="b", ls="--"))
        labels.append("D(x), right axis; thin line: ½")
    fig.legend(handles, labels, loc="upper center", ncol=3, fontsize=10, frameon=False)
    top = 1 - 0.45 / (height * nrows + 0.45)  # the top 0.45 inch to the legend
    fig.tight_layout(rect=(0, 0, 1, top))
    save_figure(fig, path, layout=False)
