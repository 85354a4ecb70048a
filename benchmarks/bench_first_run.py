"""The README's first run: how long it takes, and whether its samples are digits.

    python benchmarks/bench_first_run.py [--repeats 1] [-- EXTRA TRAIN OPTIONS]

Runs ``ganzoo train --model vanilla --loss nonsat`` exactly as the README does, in a fresh
process, and times it by the wall clock (process start to exit: imports, data, training,
sample grids, checkpoints). Then it draws 1,000 samples from the finished run (as its grids
do) and labels them with the digits domain classifier (the one ``ganzoo eval`` uses, test
accuracy ~0.98). Prints:

- wall seconds (goal: under 30 on two idle cores);
- the mean confidence (max softmax) and the share of samples labelled with confidence
  >= 0.9 (goal: the mean >= 0.9);
- the class histogram: the share of the least frequent class (goal: every class >= 5%, a
  uniform histogram is 10% each); real test digits are scored the same way for reference.

Extra options after ``--`` are passed to ``ganzoo train`` (for tuning: ``-- --epochs 50``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

GOAL_SECONDS = 30.0
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


def first_run(extra: list[str]) -> dict[str, object]:
    """Run the README command in a fresh process; time it and score its samples."""
    from ganzoo.runs.loading import load_run_model

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "ganzoo", "train", "--model", "vanilla", "--loss", "nonsat"]
        start = time.perf_counter()
        subprocess.run([*cmd, "--out", str(out), "-q", *extra], check=True)
        wall = time.perf_counter() - start
        summary = json.loads((out / "summary.json").read_text())
        model = load_run_model(out)
        samples = model.sample(SAMPLES, generator=torch.Generator().manual_seed(0))
    return {
        "wall_seconds": round(wall, 2),
        "train_seconds": summary["seconds"],
        "steps": summary["steps"],
        **label_stats(samples),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="one repeat (the default)")
    parser.add_argument("--data-dir", default=None, help="unused (shared by benchmarks/run.py)")
    args = parser.parse_args(own)
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
        print(
            f"{name:10} wall {wall}  confidence {stats['mean_confidence']:.3f}  "
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
