"""ganzoo's training loop against a plain hand-written PyTorch loop, side by side.

    python benchmarks/bench_throughput.py [--data-dir ../shared/data] [--steps 300]

Same process, same model (built by the same factory), same loss formulas, data, batch
size, seed and thread count, and the plain loop is written as well as ganzoo's: fused Adam,
D's weights frozen during G's update, batches indexed from one in-memory tensor. Prints
images/s for each loop and their ratio, the share of the machine's fp32 matmul peak the MLP
GAN reaches at batch 256 (FLOPs of what is computed, counted by torch's FlopCounterMode),
the share of training time ganzoo's loop spent waiting for data (measured inside the loop,
``data_wait_share`` in summary.json), and the wall time of the cheap commands.
``--profile`` adds torch.profiler's table of where the MLP GAN's step spends its time.
``--device cuda`` runs both loops on the GPU (``benchmarks/gpu_check.sh`` does, DCGAN only).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from paper_settings import FLOAT32, RADFORD

from ganzoo.host.build import create_model, load_dataset
from ganzoo.training.config import TrainConfig
from ganzoo.training.defaults import dataset_options
from ganzoo.training.loop import train
from ganzoo.training.state import BatchStream

ROWS = [("vanilla", 64), ("vanilla", 256), ("dcgan", 64)]
LR = {"vanilla": 1e-3, "dcgan": 2e-4}


def plain_loop(
    model_name: str, data, batch_size: int, steps: int, seed: int, device: str = "cpu"
) -> float:
    """The loop a researcher writes by hand: seconds for ``steps`` D+G updates."""
    torch.manual_seed(seed)
    model = create_model(model_name, data.info, None, {}).to(device)
    G, D = model.generator, model.discriminator
    opt_d = torch.optim.Adam(D.parameters(), lr=LR[model_name], betas=(0.5, 0.999), fused=True)
    opt_g = torch.optim.Adam(G.parameters(), lr=LR[model_name], betas=(0.5, 0.999), fused=True)
    x, n = data.samples.to(device), len(data)
    gen = torch.Generator().manual_seed(seed)
    perm, pos = torch.randperm(n, generator=gen).to(device), 0
    start = time.perf_counter()
    for _ in range(steps):
        if pos + batch_size > n:
            perm, pos = torch.randperm(n, generator=gen).to(device), 0
        real = x[perm[pos : pos + batch_size]]
        pos += batch_size
        with torch.no_grad():  # D's update needs no graph through G
            fake = G(torch.randn(batch_size, model.latent_dim, device=device))
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        D.requires_grad_(False)  # G's update needs no gradient for D's weights
        g_loss = F.softplus(-D(G(torch.randn(batch_size, model.latent_dim, device=device)))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        D.requires_grad_(True)
        opt_g.step()
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)  # the queued kernels are part of the time
    return time.perf_counter() - start


def ganzoo_loop(
    model: str, dataset: str, data_dir, batch_size: int, steps: int, seed: int, device: str = "cpu"
) -> tuple[float, float]:
    """Training seconds of ``steps`` steps of ``ganzoo train`` (its own clock), and the
    share of them its loop spent drawing batches (both from summary.json).

    The moving average is off: the plain loop keeps none, and this compares the loops."""
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(
            model=model, loss="nonsat", dataset=dataset, data_dir=data_dir, steps=steps,
            batch_size=batch_size, seed=seed, device=device, out=f"{tmp}/run", log_every=100,
            ema=0.0, sample_every=10**6, **{**RADFORD, **FLOAT32, "lr": LR[model]},
        )  # fmt: skip
        seconds = train(config).seconds
        summary = json.loads((Path(tmp) / "run" / "summary.json").read_text())
        return seconds, summary["data_wait_share"]


def profile_step(data, batch_size: int, steps: int = 30) -> str:
    """torch.profiler's table of one MLP GAN step in ganzoo's trainer, by self CPU time."""
    from torch.profiler import ProfilerActivity, profile

    from ganzoo.host.build import create_loss
    from ganzoo.training.adversarial import AdversarialTrainer

    torch.manual_seed(0)
    model = create_model("vanilla", data.info, None, {})
    trainer = AdversarialTrainer(model, create_loss("nonsat", {}), LR["vanilla"], (0.5, 0.999))
    stream = BatchStream(data, batch_size, seed=0)
    for _ in range(5):
        trainer.step(stream)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            trainer.step(stream)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15)


def matmul_peak_gflops(size: int = 2048, repeats: int = 10) -> float:
    """The machine's fp32 matmul throughput (best of ``repeats``), in GFLOP/s."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def step_gflop(model_name: str, data, batch_size: int) -> float:
    """FLOPs of one D+G step, counted by torch's FlopCounterMode (forward and backward)."""
    from torch.utils.flop_counter import FlopCounterMode

    model = create_model(model_name, data.info, None, {})
    G, D = model.generator, model.discriminator
    real = data.samples[:batch_size]
    with FlopCounterMode(display=False) as counter:
        with torch.no_grad():
            fake = G(torch.randn(batch_size, model.latent_dim))
        (F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()).backward()
        D.requires_grad_(False)  # as both loops run G's update: no gradient for D's weights
        F.softplus(-D(G(torch.randn(batch_size, model.latent_dim)))).mean().backward()
        D.requires_grad_(True)
    return counter.get_total_flops() / 1e9


def command_seconds(args: list[str], repeats: int = 5) -> float:
    """Median wall time of ``ganzoo ARGS`` in a fresh process."""
    cmd = [sys.executable, "-m", "ganzoo", *args]
    return statistics.median(
        _timed(lambda: subprocess.run(cmd, capture_output=True, check=True)) for _ in range(repeats)
    )


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).parents[2] / "shared" / "data"))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs each")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 30 steps, 1 repeat")
    parser.add_argument("--profile", action="store_true", help="profile the MLP GAN's step")
    parser.add_argument("--models", default="vanilla,dcgan", help="rows to run, comma-separated")
    parser.add_argument(
        "--device", default="cpu", help="cpu or cuda (on CUDA: no matmul peak, no command timings)"
    )
    args, _ = parser.parse_known_args()  # benchmarks/run.py passes its arguments to all
    if args.quick:
        args.steps, args.repeats = 30, 1
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if unknown := set(models) - {m for m, _ in ROWS}:
        parser.error(f"unknown models {sorted(unknown)}; valid: vanilla, dcgan")
    dataset = "mnist"
    try:
        data = load_dataset("mnist", args.data_dir)
    except Exception as exc:  # no MNIST here: say so and use the bundled digits
        print(f"MNIST unavailable ({exc}); using digits", file=sys.stderr)
        dataset, data = "digits", load_dataset("digits", None)

    say(f"torch {torch.__version__}, {torch.get_num_threads()} threads, dataset {dataset}, "
        f"device {args.device}")  # fmt: skip
    header = ("model", "batch", "ganzoo img/s", "plain img/s", "ratio", "data wait")
    say("{:8} {:>5} {:>13} {:>12} {:>6} {:>10}".format(*header))
    figures: dict = {
        "dataset": dataset, "device": args.device, "threads": torch.get_num_threads(), "rows": []
    }  # fmt: skip
    for model, batch in ROWS:
        if model not in models:
            continue
        # the data as ganzoo trains this model on it (dcgan: MNIST at 32 px)
        options = dataset_options(TrainConfig(model=model, dataset=dataset))
        row_data = load_dataset(dataset, args.data_dir, options=options)
        ours_runs, plain_runs = [], []
        for _ in range(args.repeats):  # alternated, so that a slow minute hits both loops
            ours_runs.append(
                ganzoo_loop(model, dataset, args.data_dir, batch, args.steps, 0, args.device)
            )
            plain_runs.append(plain_loop(model, row_data, batch, args.steps, 0, args.device))
        (ours, wait), plain = min(ours_runs), min(plain_runs)
        images = batch * args.steps  # real images seen by D (as in ganzoo's summary)
        say(
            f"{model:8} {batch:>5} {images / ours:>13.0f} {images / plain:>12.0f} "
            f"{plain / ours:>6.2f} {wait:>9.1%}"
        )
        figures["rows"].append(
            {"model": model, "batch": batch, "ganzoo_images_per_s": images / ours,
             "plain_images_per_s": images / plain, "ratio": plain / ours, "data_wait": wait}
        )  # fmt: skip
        if model == "vanilla" and batch == 256 and args.device == "cpu":
            mlp_gflops = step_gflop(model, row_data, batch) * args.steps / ours
            peak = matmul_peak_gflops()
            say(f"fp32 matmul peak: {peak:.1f} GFLOP/s; MLP GAN at batch 256: "
                f"{mlp_gflops:.1f} GFLOP/s = {mlp_gflops / peak:.0%} of peak")  # fmt: skip
            figures.update(matmul_peak_gflops=peak, mlp_gan_gflops=mlp_gflops)
    if args.profile:
        say(profile_step(data, 256))
    for cmd in (["--help"], ["list"], ["train", "--help"]) if args.device == "cpu" else ():
        seconds = command_seconds(cmd)
        figures[f"ganzoo {' '.join(cmd)} seconds"] = seconds
        say(f"ganzoo {' '.join(cmd):12} {seconds:.3f} s (median of 5)")
    print(json.dumps(figures, indent=2))


def say(line: str) -> None:
    """A line of the human-readable table (stderr; stdout carries the JSON)."""
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
