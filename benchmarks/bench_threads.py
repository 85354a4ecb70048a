"""Threads on a busy machine: ganzoo's chosen thread count against torch's default.

    python benchmarks/bench_threads.py [--steps 200] [--quick]

Trains the README's first run (vanilla + nonsat on digits) for ``--steps`` steps, in a
fresh process each time, four ways: idle and beside one competing CPU-bound process, each
with ganzoo's choice (``ganzoo.host.device.choose_threads``) and with torch's default thread
count. Prints the training seconds ganzoo measures (its own clock, summary.json) and the
busy/idle ratio. Goal: ganzoo's choice stays within 2.5x of its idle time when busy.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 2.5


def spin(stop_at: float) -> None:
    """A CPU-bound neighbour: pure Python arithmetic until ``stop_at``."""
    x = 0
    while time.time() < stop_at:
        x = (x * 31 + 7) % 1_000_003


def train_seconds(steps: int, threads: str) -> float:
    """Training seconds of one ``ganzoo train`` in a fresh process."""
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "ganzoo", "train", "--steps", str(steps), "-q"]
        cmd += ["--out", f"{tmp}/run", "--device", "cpu"]
        if threads == "default":
            cmd += ["--threads", str(torch.get_num_threads())]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        return json.loads((Path(tmp) / "run" / "summary.json").read_text())["seconds"]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a smoke run of 30 steps")
    parser.add_argument("--data-dir", default=None, help="unused (shared by benchmarks/run.py)")
    args = parser.parse_args(argv)
    steps = 30 if args.quick else args.steps
    figures: dict[str, float] = {}
    for threads in ("ganzoo", "default"):
        figures[f"{threads}_idle_s"] = train_seconds(steps, threads)
        neighbour = multiprocessing.Process(target=spin, args=(time.time() + 3600,))
        neighbour.start()
        try:
            time.sleep(0.5)
            figures[f"{threads}_busy_s"] = train_seconds(steps, threads)
        finally:
            neighbour.terminate()
            neighbour.join()
        figures[f"{threads}_busy_over_idle"] = round(
            figures[f"{threads}_busy_s"] / max(figures[f"{threads}_idle_s"], 1e-9), 2
        )
    print(f"{'threads':10} {'idle s':>8} {'busy s':>8} {'busy/idle':>10}")
    for threads in ("ganzoo", "default"):
        print(
            f"{threads:10} {figures[f'{threads}_idle_s']:8.2f} {figures[f'{threads}_busy_s']:8.2f} "
            f"{figures[f'{threads}_busy_over_idle']:10.2f}"
        )
    verdict = "met" if figures["ganzoo_busy_over_idle"] <= GOAL else "NOT met"
    print(f"goal: ganzoo's choice busy/idle <= {GOAL}: {verdict}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
