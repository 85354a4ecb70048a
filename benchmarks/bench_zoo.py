"""The model zoo at equal steps: every GAN with its paper's loss, FID with 95% intervals.

    python benchmarks/bench_zoo.py [--datasets mnist,digits] [--steps 5000] [--seeds 3]
                                   [--samples 10000] [--rows sngan,dcgan] [--quick]

Each row trains with ``ganzoo.training.train`` (the code of ``ganzoo train``) for the **same
number of generator updates at the same batch size**, once per seed, on each dataset:
MNIST at 32 px (``-D image_size=32`` for every row; needs ``../shared/data``) and the 8×8
``digits``. A row is a model with the objective its paper trains it with, and that paper's
optimiser where the paper states one; everything else is ganzoo's defaults (EMA included):

- ``vanilla+nonsat``: the MLP GAN of Goodfellow et al. 2014.
- ``dcgan+nonsat``: DCGAN, Radford et al. 2015 (Adam 2e-4, betas 0.5 0.999).
- ``dcgan-sn+hinge``: DCGAN's D with spectral norm and no batch norm, hinge loss: the
  "standard CNN" of Miyato et al. 2018.
- ``dcgan+wgan-gp``: DCGAN with WGAN-GP's critic (layer norm, applied by the registration),
  λ = 10, Adam 1e-4 betas (0, 0.9), five critic updates per G update (Gulrajani et al. 2017).
- ``dcgan+nonsat+r1``: DCGAN with R1 (Mescheder et al. 2018), γ = 10, lazy every 16 D
  updates (StyleGAN2).
- ``sngan+hinge``: SNGAN's ResNet with its registered defaults (hinge, Adam 2e-4 betas
  (0, 0.9), five D updates), Miyato et al. 2018.

Each run is scored on ``--samples`` samples of its generator (EMA) against the test split
with the domain extractor (ganzoo's LeNet-like classifier of the dataset): FID, precision,
recall, density and coverage (Naeem et al. 2020). A cell is the mean over seeds ± the half-
width of the 95% t-interval (t_{0.975, n-1} · s / √n; n/a for one seed). images/s is real
images seen per second of training (D updates × batch / training seconds), so rows with five
D updates per G update see five times the images in the same steps. Prints the table
(stderr) and every figure as JSON (stdout). ``--quick``: digits, 200 steps, one seed, 500
samples (an explicit option wins: ``--quick --steps 20``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from paper_settings import RADFORD

#: row -> model, loss, and the TrainConfig fields of its paper's setting
ROWS: dict[str, dict[str, Any]] = {
    "vanilla+nonsat": {"model": "vanilla", "loss": "nonsat"},
    "dcgan+nonsat": {"model": "dcgan", "loss": "nonsat", **RADFORD},
    "dcgan-sn+hinge": {"model": "dcgan", "loss": "hinge", **RADFORD,
                       "model_options": {"spectral_norm": True}},
    "dcgan+wgan-gp": {"model": "dcgan", "loss": "wgan-gp", "lr": 1e-4, "betas": (0.0, 0.9),
                      "d_steps": 5},
    "dcgan+nonsat+r1": {"model": "dcgan", "loss": "nonsat", "reg": ["r1"], **RADFORD,
                        "reg_options": {"gamma": 10.0, "every": 16}},
    "sngan+hinge": {"model": "sngan", "loss": "hinge"},
}  # fmt: skip
#: the figures of each run summarised over seeds (density and coverage: Naeem et al. 2020)
METRICS = ("fid", "precision", "recall", "density", "coverage")
#: the settings a run resolved to, kept beside its figures (the zoo page checks them)
RESOLVED = (
    "model", "loss", "reg", "reg_options", "lr", "betas", "d_steps", "model_options", "amp",
)  # fmt: skip
DATASETS = {"mnist": {"image_size": 32}, "digits": {}}
#: t_{0.975, df} for df = 1..10; above, the normal 1.96 is within 5%
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]


def interval(values: list[float]) -> tuple[float, float | None]:
    """Mean and the half-width of its 95% t-interval (None for a single value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None
    t = T975[len(values) - 2] if len(values) - 1 <= len(T975) else 1.96
    return mean, t * statistics.stdev(values) / math.sqrt(len(values))


def run_once(row: str, dataset: str, args: argparse.Namespace, seed: int, out: Path) -> dict:
    """Train ``row`` on ``dataset`` with ``seed``; score its generator; return the figures."""
    from ganzoo.metrics import EvalSpec, evaluate
    from ganzoo.runs.loading import load_run_model
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    config = TrainConfig(
        dataset=dataset, data_dir=args.data_dir, steps=args.steps, batch_size=args.batch_size,
        seed=seed, device="cpu", out=str(out), log_every=max(1, args.steps // 4),
        sample_every=10**6, dataset_options=dict(DATASETS[dataset]), amp=args.amp, **ROWS[row],
    )  # fmt: skip
    result = train(config)
    stored = json.loads((out / "config.json").read_text())["config"]
    spec = EvalSpec(dataset=dataset, samples=args.samples, data_dir=args.data_dir, split="test",
                    dataset_options=dict(DATASETS[dataset]), seed=seed)  # fmt: skip
    scores = evaluate(load_run_model(out), spec)
    images = args.steps * args.batch_size * int(stored["d_steps"])
    return {
        "seed": seed, "fid": scores["fid"], "precision": scores["precision"],
        "recall": scores["recall"], "density": scores.get("density"),
        "coverage": scores.get("coverage"), "images_per_s": images / result.seconds,
        "train_seconds": round(result.seconds, 1),
        "resolved": {k: stored.get(k) for k in RESOLVED},
    }  # fmt: skip


def cell(values: list[float], digits: int) -> str:
    mean, half = interval(values)
    return f"{mean:.{digits}f}" + ("" if half is None else f" ± {half:.{digits}f}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).parents[2] / "shared" / "data"))
    parser.add_argument("--datasets", default="mnist,digits", help="comma-separated")
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated")
    parser.add_argument("--steps", type=int, default=5000, help="generator updates per run")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--amp", default="none", choices=["none", "bf16", "auto"],
        help="mixed precision of every run (default none: the recorded tables are float32; "
        "ganzoo's own default is auto)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="digits, 200 steps, 1 seed, 500")
    args, _ = parser.parse_known_args(argv)  # benchmarks/run.py passes its arguments to all
    quick = {"datasets": "digits", "steps": 200, "seeds": 1, "samples": 500}
    for name, value in quick.items() if args.quick else ():
        if getattr(args, name) == parser.get_default(name):  # an explicit option wins
            setattr(args, name, value)
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
    if unknown := (set(rows) - set(ROWS)) | (set(datasets) - set(DATASETS)):
        parser.error(f"unknown {sorted(unknown)}; rows: {', '.join(ROWS)}; datasets: mnist, digits")
    if "mnist" in datasets and not (Path(args.data_dir) / "MNIST" / "raw").is_dir():
        say(f"MNIST not found under {args.data_dir}: skipping it")
        datasets.remove("mnist")

    torch.set_num_threads(min(2, torch.get_num_threads()))
    figures: dict[str, Any] = {"steps": args.steps, "batch_size": args.batch_size,
                               "amp": args.amp,
                               "samples": args.samples, "seeds": args.seeds,
                               "torch": torch.__version__, "threads": torch.get_num_threads(),
                               "command": shlex.join(["python", "benchmarks/bench_zoo.py",
                                                      *(sys.argv[1:] if argv is None else argv)]),
                               "date": time.strftime("%Y-%m-%d", time.gmtime()),
                               "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
                               "rows": []}  # fmt: skip
    say(f"{args.steps} steps, batch {args.batch_size}, {args.samples} samples, "
        f"{args.seeds} seed(s); mean ± 95% t-interval")  # fmt: skip
    say(f"{'dataset':8} {'row':17} {'FID':>16} {'precision':>14} {'recall':>14} {'img/s':>8}")
    for dataset in datasets:
        for row in rows:
            runs = []
            for seed in range(args.seeds):
                with tempfile.TemporaryDirectory() as tmp:
                    runs.append(run_once(row, dataset, args, seed, Path(tmp) / "run"))
            values = {k: [r[k] for r in runs] for k in METRICS if runs[0][k] is not None}
            speed = statistics.fmean(r["images_per_s"] for r in runs)
            say(f"{dataset:8} {row:17} {cell(values['fid'], 2):>16} "
                f"{cell(values['precision'], 3):>14} {cell(values['recall'], 3):>14} "
                f"{speed:8.0f}")  # fmt: skip
            summary = {k: dict(zip(("mean", "ci95"), interval(v), strict=True))
                       for k, v in values.items()}  # fmt: skip
            figures["rows"].append({"dataset": dataset, "row": row, "runs": runs,
                                    "images_per_s": speed, **summary})  # fmt: skip
    print(json.dumps(figures, indent=2, default=str))
    return figures


def say(line: str) -> None:
    """A line of the human-readable table (stderr; stdout carries the JSON)."""
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
