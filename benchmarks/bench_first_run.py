"""The README's first run: how long it takes, and whether its samples are digits.

    python benchmarks/bench_first_run.py [--repeats 1] [-- EXTRA TRAIN OPTIONS]

Runs ``ganzoo train --model vanilla --loss nonsat`` exactly as the README does, in a fresh
process, and times it by the wall clock (process start to exit: imports, data, training,
sample grids, checkpoints). Then it draws 1,000 samples from the finished run (as its grids
do) and labels them with the digits domain classifier (the one ``ganzoo eval`` uses, test
accuracy ~0.98). Prints:

- wall seconds (goal: under 20 on two idle cores) and CPU seconds;
- the mean confidence (max softmax) and the share of samples labelled with confidence
  >= 0.9 (goal: the mean >= 0.9);
- the class histogram: the share of the least frequent class (goal: every class >= 5%, a
  uniform histogram is 10% each); real test digits are scored the same way for reference.

Extra options after ``--`` are passed to ``ganzoo train`` (for tuning: ``-- --epochs 50``).

``--profile`` shows where the time goes instead (issue 28.2), each in a fresh process:

- the fixed cost: wall and CPU seconds of the same command with ``--steps 1``;
- its imports (``python -X importtime``): the top-level modules, by cumulative time;
- the phases of the whole run under cProfile, in CPU seconds (cProfile inflates
  Python-heavy code such as the steps: compare phases with each other, not with the wall
  time).

CPU seconds (user + system of the child) are printed beside every wall time: on a machine
shared with other jobs they move far less than the wall clock.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

GOAL_SECONDS = 20.0
GOAL_CONFIDENCE = 0.9
GOAL_MIN_CLASS_SHARE = 0.05
SAMPLES = 1000


def label_stats(images: torch.Tensor) -> dict[str, float | list[float]]:
    """Confidence and class histogram of ``images`` (digits, in [-1, 1]) under the classifier."""
    from ganzoo.metrics.classifier import classifier_for, load_classifier

    classifier, _ = load_classifier(classifier_for("digits").path)
    with torch.no_grad():
        probs = classifier(images.float())[1].softmax(dim=1)
    confidence, labels = probs.max(dim=1)
    shares = torch.bincount(labels, minlength=probs.shape[1]).float() / len(labels)
    return {
        "mean_confidence": float(confidence.mean()),
        "confident_share": float((confidence >= 0.9).float().mean()),
        "min_class_share": float(shares.min()),
        "class_shares": [round(float(s), 3) for s in shares],
    }


README = ["-m", "ganzoo", "train", "--model", "vanilla", "--loss", "nonsat"]


def timed(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``python ARGS``; its wall seconds, its CPU seconds (user + system) and result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, proc


def first_run(extra: list[str]) -> dict[str, object]:
    """Run the README command in a fresh process; time it and score its samples."""
    from ganzoo.runs.loading import load_run_model

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        wall, cpu, _ = timed([*README, "--out", str(out), "-q", *extra])
        summary = json.loads((out / "summary.json").read_text())
        model = load_run_model(out)
        samples = model.sample(SAMPLES, generator=torch.Generator().manual_seed(0))
    return {
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "train_seconds": summary["seconds"],
        "steps": summary["steps"],
        **label_stats(samples),
    }


#: The run's phases, as cProfile names their functions (module file, function).
PHASES = {
    "build (data, model, trainer; torch.optim imports torch._dynamo)": ("session.py", "prepare"),
    "training steps": ("steps.py", "_one_step"),
    "log lines": ("records.py", "log_line"),
    "sample grids": ("records.py", "figures"),
    "checkpoints": ("steps.py", "_checkpoint"),
    "loss-curve figure": ("figures.py", "plot_loss_curves"),
}


#: ``python -m ganzoo ARGS`` under cProfile, timed by CPU seconds (a busy machine's wall
#: clock would charge each phase for the other jobs' time).
PROFILED = """
import cProfile, runpy, sys, time
sys.argv = ["ganzoo", *sys.argv[1:]]
profiler = cProfile.Profile(time.process_time)
profiler.enable()
try:
    runpy.run_module("ganzoo", run_name="__main__")
finally:
    profiler.disable()
    profiler.dump_stats({prof!r})
"""


def profile(extra: list[str], top: int = 12) -> dict[str, object]:
    """Where the first run's time goes: fixed cost, imports, phases (see the docstring)."""
    import pstats

    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        one = [*README, "-q", "--steps", "1", *extra]
        wall, cpu, _ = timed([*one, "--out", f"{tmp}/one"])
        figures["fixed"] = {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
        _, _, proc = timed(["-X", "importtime", *one, "--out", f"{tmp}/imports"])
        rows = re.findall(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)", proc.stderr)
        imports = sorted(((int(us) / 1e6, name) for us, name in rows), reverse=True)
        figures["imports"] = {name: round(sec, 3) for sec, name in imports[:top]}
        figures["imports_total_seconds"] = round(sum(sec for sec, _ in imports), 3)
        prof = os.path.join(tmp, "run.prof")
        wall, cpu, _ = timed(["-c", PROFILED.format(prof=prof), *README[2:], "-q", "--out",
                              f"{tmp}/run", *extra])  # fmt: skip
        stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
        phases = {}
        for label, (file, function) in PHASES.items():
            if not any(
                name == function and path.endswith(file) for (path, _, name) in stats
            ):  # a function moved or renamed: say so rather than report 0 s
                raise SystemExit(f"--profile: no {file}:{function} in the profile ({label})")
            phases[label] = round(sum(
                cumulative for (path, _, name), (_, _, _, cumulative, _) in stats.items()
                if name == function and path.endswith(file)
            ), 3)  # fmt: skip
        figures["profiled_run"] = {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
        figures["phases_seconds"] = phases
    print(
        f"fixed cost (--steps 1): wall {figures['fixed']['wall_seconds']} s, "  # type: ignore[index]
        f"CPU {figures['fixed']['cpu_seconds']} s; imports "  # type: ignore[index]
        f"{figures['imports_total_seconds']} s",
        file=sys.stderr,
    )
    for label, seconds in phases.items():
        print(f"  {label:66} {seconds:7.2f} CPU s (cProfile)", file=sys.stderr)
    print(json.dumps(figures, indent=2))
    return figures


def main(argv: list[str] | None = None) -> dict[str, object]:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="one repeat (the default)")
    parser.add_argument("--data-dir", default=None, help="unused (shared by benchmarks/run.py)")
    parser.add_argument(
        "--profile", action="store_true", help="where the time goes (fixed cost, imports, phases)"
    )
    args = parser.parse_args(own)
    if args.profile:
        return profile(extra)
    from ganzoo.host.build import load_dataset

    real = load_dataset("digits", None, split="test").samples[:SAMPLES]
    figures: dict[str, object] = {"real_test_digits": label_stats(real), "runs": []}
    for _ in range(args.repeats):
        figures["runs"].append(first_run(extra))  # type: ignore[union-attr]
    for name, stats in [("real", figures["real_test_digits"])] + [
        ("first run", r)
        for r in figures["runs"]  # type: ignore[union-attr]
    ]:
        wall = f"{stats['wall_seconds']:6.1f} s" if "wall_seconds" in stats else "       -"
        cpu = f"{stats['cpu_seconds']:6.1f} s" if "cpu_seconds" in stats else "       -"
        print(
            f"{name:10} wall {wall}  CPU {cpu}  confidence {stats['mean_confidence']:.3f}  "
            f">=0.9: {stats['confident_share']:.1%}  rarest class {stats['min_class_share']:.1%}",
            file=sys.stderr,
        )
    print(
        f"goals: wall < {GOAL_SECONDS:.0f} s, confidence >= {GOAL_CONFIDENCE}, "
        f"every class >= {GOAL_MIN_CLASS_SHARE:.0%}",
        file=sys.stderr,
    )
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
