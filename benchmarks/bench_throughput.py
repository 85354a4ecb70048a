"""ganzoo's training loop against a plain hand-written PyTorch loop, side by side.

    python benchmarks/bench_throughput.py [--data-dir ../shared/data] [--steps 300]

Same process, same model (built by the same factory), same loss formulas, data, batch
size, seed and thread count. Prints images/s for each loop and their ratio, the share of
the machine's fp32 matmul peak the MLP GAN reaches at batch 256, the share of step time
spent waiting for data, and the wall time of the cheap commands.
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

from ganzoo.build import create_model, load_dataset
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import train
from ganzoo.training.state import BatchStream

ROWS = [("vanilla", 64), ("vanilla", 256), ("dcgan", 64)]
LR = {"vanilla": 1e-3, "dcgan": 2e-4}


def plain_loop(model_name: str, data, batch_size: int, steps: int, seed: int) -> float:
    """The loop a researcher writes by hand: seconds for ``steps`` D+G updates."""
    torch.manual_seed(seed)
    model = create_model(model_name, data.info, None, {})
    G, D = model.generator, model.discriminator
    opt_d = torch.optim.Adam(D.parameters(), lr=LR[model_name], betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=LR[model_name], betas=(0.5, 0.999))
    x, n = data.samples, len(data)
    gen = torch.Generator().manual_seed(seed)
    perm, pos = torch.randperm(n, generator=gen), 0
    start = time.perf_counter()
    for _ in range(steps):
        if pos + batch_size > n:
            perm, pos = torch.randperm(n, generator=gen), 0
        real = x[perm[pos : pos + batch_size]]
        pos += batch_size
        z = torch.randn(batch_size, model.latent_dim)
        fake = G(z).detach()
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(torch.randn(batch_size, model.latent_dim)))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
    return time.perf_counter() - start


def ganzoo_loop(
    model: str, dataset: str, data_dir, batch_size: int, steps: int, seed: int
) -> float:
    """Seconds of training time for ``steps`` steps of ``ganzoo train`` (its own clock)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = TrainConfig(
            model=model, loss="nonsat", dataset=dataset, data_dir=data_dir, steps=steps,
            batch_size=batch_size, seed=seed, device="cpu", out=f"{tmp}/run", log_every=100,
        )  # fmt: skip
        return train(config).seconds


def data_wait_share(data, batch_size: int, steps: int, step_seconds: float) -> float:
    """Time to draw ``steps`` batches from ganzoo's stream, as a share of the step time."""
    stream = BatchStream(data, batch_size, seed=0)
    start = time.perf_counter()
    for _ in range(steps):
        stream()
    return (time.perf_counter() - start) / step_seconds


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
        fake = G(torch.randn(batch_size, model.latent_dim)).detach()
        (F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()).backward()
        F.softplus(-D(G(torch.randn(batch_size, model.latent_dim)))).mean().backward()
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
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs each")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 30 steps, 1 repeat")
    args, _ = parser.parse_known_args()  # benchmarks/run.py passes its arguments to all
    if args.quick:
        args.steps, args.repeats = 30, 1
    dataset = "mnist"
    try:
        data = load_dataset("mnist", args.data_dir)
    except Exception as exc:  # no MNIST here: say so and use the bundled digits
        print(f"MNIST unavailable ({exc}); using digits", file=sys.stderr)
        dataset, data = "digits", load_dataset("digits", None)

    say(f"torch {torch.__version__}, {torch.get_num_threads()} threads, dataset {dataset}")
    header = ("model", "batch", "ganzoo img/s", "plain img/s", "ratio", "data wait")
    say("{:8} {:>5} {:>13} {:>12} {:>6} {:>10}".format(*header))
    figures: dict = {"dataset": dataset, "threads": torch.get_num_threads(), "rows": []}
    for model, batch in ROWS:
        ours = min(
            ganzoo_loop(model, dataset, args.data_dir, batch, args.steps, 0)
            for _ in range(args.repeats)
        )
        plain = min(plain_loop(model, data, batch, args.steps, 0) for _ in range(args.repeats))
        images = batch * args.steps  # real images seen by D (as in ganzoo's summary)
        wait = data_wait_share(data, batch, args.steps, ours)
        say(
            f"{model:8} {batch:>5} {images / ours:>13.0f} {images / plain:>12.0f} "
            f"{plain / ours:>6.2f} {wait:>9.1%}"
        )
        figures["rows"].append(
            {"model": model, "batch": batch, "ganzoo_images_per_s": images / ours,
             "plain_images_per_s": images / plain, "ratio": plain / ours, "data_wait": wait}
        )  # fmt: skip
        if model == "vanilla" and batch == 256:
            mlp_gflops = step_gflop(model, data, batch) * args.steps / ours
    peak = matmul_peak_gflops()
    say(f"fp32 matmul peak: {peak:.1f} GFLOP/s; MLP GAN at batch 256: {mlp_gflops:.1f} GFLOP/s "
        f"= {mlp_gflops / peak:.0%} of peak")  # fmt: skip
    figures.update(matmul_peak_gflops=peak, mlp_gan_gflops=mlp_gflops)
    for cmd in (["--help"], ["list"], ["train", "--help"]):
        seconds = command_seconds(cmd)
        figures[f"ganzoo {' '.join(cmd)} seconds"] = seconds
        say(f"ganzoo {' '.join(cmd):12} {seconds:.3f} s (median of 5)")
    print(json.dumps(figures, indent=2))


def say(line: str) -> None:
    """A line of the human-readable table (stderr; stdout carries the JSON)."""
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
