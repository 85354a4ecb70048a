"""Few training images: DCGAN + nonsat with and without DiffAugment, FID and memorisation.

    python benchmarks/bench_small_data.py [--subsets mnist:0.01,mnist:0.1,digits:1]
        [--steps 5000] [--seeds 3] [--samples 10000] [--augment color,translation,cutout]
        [--record benchmarks/results] [--quick]

Issue 24's study. Each cell is a training subset (``--data-fraction``: MNIST's 1% and 10%,
600 and 6,000 images, at 32 px as in ``bench_zoo.py``; the 8×8 digits' 1,438) trained by
``ganzoo.training.train`` (the code of ``ganzoo train``) with DCGAN and the non-saturating
loss, once without and once with DiffAugment (``--augment color,translation,cutout``, Zhao
et al. 2020), for the **same number of generator updates at the same batch size**, once per
seed. The subset is picked by ``--data-seed`` (default 0), not by the training seed: every
seed of a cell trains on the same images, so the interval measures training variance alone,
and the 1% subset lies inside the 10% one.

Each run is scored on ``--samples`` samples of its generator (EMA) against the **full test
split** with the domain extractor (the classifier trained on the dataset's whole training
split, the same for every cell, so FIDs compare across subset sizes), and measured for
memorisation (:mod:`ganzoo.metrics.memorisation`): the samples' nearest-neighbour distance
to the run's own training images over the test images' (``ratio``: about 1 for new images,
towards 0 for copies), the share of samples closer to a training image than the median test
image is (``closer``: 0.5 for new images) and Meehan et al.'s ``Z_U`` (below -3: copying).
A cell is the mean over seeds ± the half-width of the 95% t-interval (``bench_zoo.interval``;
n/a for one seed).

Prints the table (stderr) and every figure as JSON (stdout). ``--record DIR`` also writes
the JSON to ``DIR/small-data.json`` and an 8×8 sample grid of each cell's first seed to
``DIR/small-data/`` (what the tutorial "Training on a few hundred images" shows).
``--quick``: digits at 25% (360 images), 200 steps, batch 32, two seeds, 300 samples (an
explicit option wins).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from bench_zoo import DATASETS, cell, interval, say
from paper_settings import FLOAT32, RADFORD

AUGMENT = "color,translation,cutout"
#: the figures of each run summarised over seeds
METRICS = ("fid", "ratio", "closer_fraction", "z_u")


def parse_subsets(text: str) -> list[tuple[str, float]]:
    """``"mnist:0.01,digits:1"`` -> ``[("mnist", 0.01), ("digits", 1.0)]``."""
    out = []
    for item in (s.strip() for s in text.split(",") if s.strip()):
        name, _, fraction = item.partition(":")
        if name not in DATASETS:
            raise SystemExit(f"unknown dataset {name!r} in --subsets; known: {', '.join(DATASETS)}")
        out.append((name, float(fraction or 1.0)))
    return out


def run_once(
    dataset: str, fraction: float, augment: bool, seed: int, args: argparse.Namespace, out: Path
) -> dict[str, Any]:
    """Train one cell's run with ``seed``; score FID and memorisation; return the figures."""
    from ganzoo.metrics import EvalSpec, evaluate
    from ganzoo.runs.loading import load_run_model
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    config = TrainConfig(
        model="dcgan", loss="nonsat", dataset=dataset, data_dir=args.data_dir,
        data_fraction=fraction, data_seed=args.data_seed, steps=args.steps,
        batch_size=args.batch_size, seed=seed, device="cpu", out=str(out),
        log_every=max(1, args.steps // 4), sample_every=10**6,
        dataset_options=dict(DATASETS[dataset]),
        augment=args.augment.split(",") if augment else [], **RADFORD, **FLOAT32,
    )  # fmt: skip
    result = train(config)
    stored = json.loads((out / "config.json").read_text())
    spec = EvalSpec(
        dataset=dataset, samples=args.samples, data_dir=args.data_dir, split="test",
        dataset_options=dict(DATASETS[dataset]), seed=seed, train_subset=stored["subset"],
        memorisation=True,
    )  # fmt: skip
    model = load_run_model(out)
    scores = evaluate(model, spec)
    memo = scores["memorisation"]
    return {
        "seed": seed, "fid": scores["fid"], "ratio": memo["ratio"],
        "closer_fraction": memo["closer_fraction"], "z_u": memo["z_u"],
        "train_images": memo["train_images"], "test_images": memo["test_images"],
        "sample_quantiles": memo["sample_quantiles"], "test_quantiles": memo["test_quantiles"],
        "train_seconds": round(result.seconds, 1), "model": model,
    }  # fmt: skip


def save_grid(model: Any, path: Path, seed: int = 0) -> None:
    """64 samples of ``model`` as an 8×8 grid (the tutorial's figure)."""
    from torchvision.utils import save_image

    from ganzoo.api.data import images_to_unit_range

    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        x = model.sample(64, generator=torch.Generator().manual_seed(seed))
    save_image(images_to_unit_range(x.cpu()), path, nrow=8, padding=1)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).parents[2] / "shared" / "data"))
    parser.add_argument("--subsets", default="mnist:0.01,mnist:0.1,digits:1",
                        help="DATASET:FRACTION, comma-separated")  # fmt: skip
    parser.add_argument("--augment", default=AUGMENT, help="the DiffAugment rows' --augment")
    parser.add_argument("--steps", type=int, default=5000, help="generator updates per run")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data-seed", type=int, default=0, help="picks every cell's subset")
    parser.add_argument("--record", type=Path, default=None, help="folder for JSON and grids")
    parser.add_argument("--quick", action="store_true", help="digits:0.25, 200 steps, 2 seeds")
    args, _ = parser.parse_known_args(argv)  # benchmarks/run.py passes its arguments to all
    quick = {"subsets": "digits:0.25", "steps": 200, "seeds": 2, "samples": 300,
             "batch_size": 32}  # fmt: skip
    for name, value in quick.items() if args.quick else ():
        if getattr(args, name) == parser.get_default(name):  # an explicit option wins
            setattr(args, name, value)
    subsets = parse_subsets(args.subsets)
    if not (Path(args.data_dir) / "MNIST" / "raw").is_dir() and any(
        d == "mnist" for d, _ in subsets
    ):
        say(f"MNIST not found under {args.data_dir}: skipping it")
        subsets = [(d, f) for d, f in subsets if d != "mnist"]

    torch.set_num_threads(min(2, torch.get_num_threads()))
    figures: dict[str, Any] = {
        "steps": args.steps, "batch_size": args.batch_size, "samples": args.samples,
        "seeds": args.seeds, "data_seed": args.data_seed, "augment": args.augment,
        "model": "dcgan", "loss": "nonsat", "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "command": shlex.join(["python", "benchmarks/bench_small_data.py",
                               *(sys.argv[1:] if argv is None else argv)]),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores", "cells": [],
    }  # fmt: skip
    say(f"dcgan+nonsat, {args.steps} steps, batch {args.batch_size}, {args.samples} samples, "
        f"{args.seeds} seed(s), subsets by --data-seed {args.data_seed}; "
        "mean ± 95% t-interval")  # fmt: skip
    say(f"{'dataset':8} {'fraction':>8} {'images':>6} {'DiffAugment':>11} {'FID':>16} "
        f"{'NN ratio':>15} {'closer':>15} {'Z_U':>13}")  # fmt: skip
    for dataset, fraction in subsets:
        for augment in (False, True):
            runs = []
            for seed in range(args.seeds):
                with tempfile.TemporaryDirectory() as tmp:
                    run = run_once(dataset, fraction, augment, seed, args, Path(tmp) / "run")
                model = run.pop("model")
                if args.record is not None and seed == 0:
                    name = f"{dataset}-{fraction:g}-{'diffaug' if augment else 'plain'}.png"
                    save_grid(model, args.record / "small-data" / name)
                    run["grid"] = f"small-data/{name}"
                runs.append(run)
            values = {k: [r[k] for r in runs if r[k] is not None] for k in METRICS}
            images = runs[0]["train_images"]
            say(f"{dataset:8} {fraction:8g} {images:6d} {'yes' if augment else 'no':>11} "
                f"{cell(values['fid'], 2):>16} {cell(values['ratio'], 3):>15} "
                f"{cell(values['closer_fraction'], 3):>15} "
                f"{cell(values['z_u'], 1):>13}")  # fmt: skip
            summary = {k: dict(zip(("mean", "ci95"), interval(v), strict=True))
                       for k, v in values.items() if v}  # fmt: skip
            figures["cells"].append({"dataset": dataset, "fraction": fraction,
                                     "images": images, "augment": augment, "runs": runs,
                                     **summary})  # fmt: skip
    text = json.dumps(figures, indent=2, default=str)
    print(text)
    if args.record is not None:
        args.record.mkdir(parents=True, exist_ok=True)
        (args.record / "small-data.json").write_text(text + "\n")
    return figures


if __name__ == "__main__":
    main()
