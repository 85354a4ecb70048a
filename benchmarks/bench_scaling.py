"""Scaling: ganzoo's throughput against batch size, and 1 against 2 processes (torchrun).

    python benchmarks/bench_scaling.py [--data-dir ../shared/data] [--steps 200] [--quick]

Images/s are real images seen by D per second of training (each run's summary.json). With
two processes on a two-core machine the processes share the same cores: the figure shows
the cost of DDP's synchronisation here, not the speed-up a second machine would bring.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BATCHES = (32, 64, 128, 256, 512)


def images_per_second(args: list[str], nproc: int = 1) -> float:
    """Train with ``ganzoo train ARGS`` (under torchrun when ``nproc`` > 1); its images/s."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        launcher = [sys.executable, "-m", "ganzoo"]
        if nproc > 1:
            launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                        "--nproc-per-node", str(nproc), "-m", "ganzoo"]  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": str(max(1, (os.cpu_count() or 1) // nproc))}
        cmd = [*launcher, "train", *args, "--out", str(out), "-q", "--device", "cpu"]
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        return json.loads((out / "summary.json").read_text())["images_per_second"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).parents[2] / "shared" / "data"))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20 steps")
    args, _ = parser.parse_known_args()
    steps = 20 if args.quick else args.steps
    data = ["--dataset", "mnist", "--data-dir", args.data_dir]
    if not (Path(args.data_dir) / "MNIST" / "raw").is_dir():
        print(f"MNIST not in {args.data_dir}; using digits", file=sys.stderr)
        data = ["--dataset", "digits"]
    common = ["--model", "vanilla", "--loss", "nonsat", *data, "--steps", str(steps)]
    figures: dict = {"steps": steps, "batch": {}, "processes": {}}
    print("vanilla+nonsat, batch size -> images/s", file=sys.stderr)
    for batch in BATCHES:
        ips = images_per_second([*common, "--batch-size", str(batch)])
        figures["batch"][batch] = ips
        print(f"  {batch:>4}  {ips:8.0f}", file=sys.stderr, flush=True)
    print("vanilla+nonsat, batch 64 per process, processes -> images/s", file=sys.stderr)
    for nproc in (1, 2):
        ips = images_per_second([*common, "--batch-size", "64"], nproc)
        figures["processes"][nproc] = ips
        print(f"  {nproc}  {ips:8.0f}", file=sys.stderr, flush=True)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
