"""Sweep workers: one worker with every core against two workers with half the cores each.

    python benchmarks/bench_sweep_workers.py [--trials 8] [--steps 500] [--quick]

Runs the same small study twice, each time as one ``ganzoo sweep`` command in a fresh
folder: ``--workers 1`` with ``cores`` threads per trial (``-F threads=N``), then
``--workers 2`` with ``cores // 2`` each (what ``--workers`` gives). Both use the random
sampler with one seed and no pruning, so both train the same trials (vanilla + nonsat on
digits, ``lr`` drawn from a log range) and evaluate each ``--eval-every`` steps. Prints the
wall time of each command, the trials finished per hour, and the mean training seconds of a
trial (its run's own clock). A warm-up trial first trains the domain classifier the
evaluations need, so neither command pays for it.

On a 2-core machine that is 1 worker x 2 threads against 2 workers x 1 thread: a model this
small keeps two threads only partly busy (see bench_threads.py), so the two workers are
expected to finish more trials per hour; how many more is what this measures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def sweep(folder: Path, args: argparse.Namespace, workers: int, threads: int | None) -> float:
    """Run one ``ganzoo sweep`` command; its wall seconds."""
    cmd = [sys.executable, "-m", "ganzoo", "sweep", str(folder), "-q"]
    cmd += ["-S", "lr=float:1e-4:3e-3:log", "--sampler", "random", "--seed", "0", "--no-prune"]
    cmd += ["--trials", str(args.trials), "--steps", str(args.steps)]
    cmd += ["--eval-every", str(args.eval_every), "--eval-samples", str(args.eval_samples)]
    cmd += ["--workers", str(workers), "-F", "device=cpu"]
    if threads is not None:
        cmd += ["-F", f"threads={threads}"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def trial_seconds(folder: Path) -> list[float]:
    """Each finished trial's training seconds (its summary.json)."""
    return [
        json.loads(path.read_text())["seconds"]
        for path in sorted((folder / "trials").glob("*/summary.json"))
    ]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--trials", type=int, default=8, help="trials per study (default: 8)")
    p.add_argument("--steps", type=int, default=500, help="steps per trial (default: 500)")
    p.add_argument("--eval-every", type=int, default=250, help="default: 250")
    p.add_argument("--eval-samples", type=int, default=500, help="default: 500")
    p.add_argument("--quick", action="store_true", help="a smoke run: 2 trials of 30 steps")
    p.add_argument("--data-dir", default=None, help="unused (shared by benchmarks/run.py)")
    args, unknown = p.parse_known_args(argv)  # benchmarks/run.py passes every option to all
    if unknown:
        print(f"bench_sweep_workers: ignoring {' '.join(unknown)}", file=sys.stderr)
    if args.quick:
        args.trials, args.steps, args.eval_every, args.eval_samples = 2, 30, 15, 50
    return args


def main(argv: list[str] | None = None) -> dict[str, float]:
    args = parse(argv)
    n = cores()
    setups = [("1 worker", 1, n), ("2 workers", 2, None)]
    figures: dict[str, float] = {"cores": n}
    with tempfile.TemporaryDirectory() as tmp:
        warm = argparse.Namespace(**{**vars(args), "trials": 1, "steps": 2, "eval_every": 2})
        sweep(Path(tmp) / "warm-up", warm, 1, None)  # the domain classifier, trained once
        print(f"{'setup':24} {'wall s':>8} {'trials':>7} {'trials/h':>9} {'trial train s':>14}")
        for name, workers, threads in setups:
            folder = Path(tmp) / f"workers-{workers}"
            wall = sweep(folder, args, workers, threads)
            seconds = trial_seconds(folder)
            per_hour = len(seconds) / wall * 3600
            mean = sum(seconds) / max(len(seconds), 1)
            each = threads if threads is not None else max(1, n // workers)
            label = f"{name} x {each} thread(s)"
            print(f"{label:24} {wall:8.1f} {len(seconds):7d} {per_hour:9.1f} {mean:14.2f}")
            key = f"workers{workers}"
            figures |= {
                f"{key}_wall_s": round(wall, 2),
                f"{key}_trials_per_hour": round(per_hour, 1),
            }
            figures[f"{key}_mean_trial_train_s"] = round(mean, 3)
    ratio = figures["workers2_trials_per_hour"] / max(figures["workers1_trials_per_hour"], 1e-9)
    figures["speedup_2_over_1"] = round(ratio, 2)
    print(f"2 workers finish {ratio:.2f}x the trials per hour of 1 worker")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
