"""DCGAN + non-saturating loss on MNIST for a fixed CPU time budget: speed and sample quality.

    python benchmarks/bench_dcgan_mnist.py --budget 300 --samples 1000

Trains with ``--time-budget`` (training time only: figures and checkpoints count, evaluation
does not), then reports images/s, the domain classifier score (domain IS), FID and KID, and
Inception FID/KID on a fixed number of samples (Inception IS is unavailable with the
FID-only weights in ../shared/data). With
``--reference``, real MNIST training images are scored the same way: the floor of each
metric at this sample count, which a generator can approach but not beat.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
WEIGHTS = SHARED / "inception" / "pt_inception-2015-12-05-fid-only.pth"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", default="dcgan", help="model to train (default: dcgan)")
    p.add_argument("--loss", default="nonsat")
    p.add_argument("--data-dir", default=str(SHARED), help="folder holding MNIST/raw")
    p.add_argument("--budget", type=float, default=300.0, help="seconds of training (CPU)")
    p.add_argument("--samples", type=int, default=1000, help="generated images per metric")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default="cpu", help="cpu (the benchmark's point) or auto/cuda")
    p.add_argument("--inception-weights", default=str(WEIGHTS), help="'' to skip Inception")
    p.add_argument("--reference", action="store_true", help="also score real training images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="run folder (default: a new one under runs/)")
    p.add_argument("--quick", action="store_true", help="60 s budget, 200 samples: a smoke run")
    args, unknown = p.parse_known_args(argv)  # benchmarks/run.py passes every option to all
    if unknown:
        say(f"bench_dcgan_mnist: ignoring options it does not know: {' '.join(unknown)}")
    if args.quick:
        args.budget, args.samples = 60.0, 200
    return args


class RealImages:
    """Real training images as a 'model' (for the reference floor): a seeded random subset."""

    def __init__(self, images: Any) -> None:
        self.images, self.cursor = images, 0

    def sample(self, n: int, generator: Any = None) -> Any:
        import torch

        if self.cursor == 0:
            self.order = torch.randperm(len(self.images), generator=generator)
        index = self.order[self.cursor : self.cursor + n]
        self.cursor += n
        return self.images[index]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    import torch

    from ganzoo.metrics import evaluate, evaluate_run
    from ganzoo.runs.rundir import RunDir
    from ganzoo.training.config import TrainConfig, default_run_dir
    from ganzoo.training.loop import train

    config = TrainConfig(
        model=args.model,
        loss=args.loss,
        dataset="mnist",
        data_dir=args.data_dir,
        time_budget=args.budget,
        batch_size=args.batch_size,
        device=args.device,
        seed=args.seed,
        log_every=50,
    )
    config.out = args.out or str(
        default_run_dir(args.model, args.loss or "nonsat", "mnist", ROOT / "runs")
    )
    say(f"training {args.model}+{args.loss} on MNIST for {args.budget:.0f}s -> {config.out}")
    result = train(config, _progress())
    summary = RunDir(result.run_dir).read_summary()
    figures: dict[str, Any] = {
        "model": args.model,
        "loss": args.loss,
        "budget_s": args.budget,
        "device": args.device,
        "torch_threads": torch.get_num_threads(),
        "steps": summary["steps"],
        "epochs": round(summary["epochs"], 3),
        "train_seconds": summary["seconds"],
        "images_per_second": summary["images_per_second"],
        "samples": args.samples,
        "run": str(result.run_dir),
    }
    extractors = [("domain", None)]
    if args.inception_weights:
        extractors.append(("inception", args.inception_weights))
    for kind, weights in extractors:
        start = time.perf_counter()
        scores = evaluate_run(
            result.run_dir,
            samples=args.samples,
            feature_extractor=kind,
            inception_weights=weights,
            device=args.device,
            log=say,
        )
        figures[kind] = _metrics(scores, time.perf_counter() - start)
        if args.reference:
            from ganzoo.host.build import load_dataset

            train_images = load_dataset("mnist", args.data_dir, split="train").samples
            floor = evaluate(
                RealImages(train_images),
                dataset="mnist",
                data_dir=args.data_dir,
                samples=args.samples,
                feature_extractor=kind,
                inception_weights=weights,
            )
            figures[f"{kind}_real_train_images"] = _metrics(floor, floor["seconds"])
    print_table(figures)
    print(json.dumps(figures, indent=2))
    return figures


def _metrics(r: dict[str, Any], seconds: float) -> dict[str, Any]:
    from ganzoo.metrics.scores import score_prefix

    prefix = score_prefix(r)  # classifier_score (domain) or inception_score (Inception)
    keys = ("extractor", "extractor_test_accuracy", f"{prefix}_mean", f"{prefix}_std")
    keys += ("fid", "kid_mean", "kid_std", "density", "coverage", "real_samples")
    return {**{k: r.get(k) for k in keys}, "eval_seconds": round(seconds, 1)}


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def print_table(f: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from ganzoo.metrics.results import format_value
    from ganzoo.metrics.scores import score_label, score_of

    table = Table(
        title=f"{f['model']}+{f['loss']} on MNIST, {f['budget_s']:.0f}s on {f['device']} "
        f"({f['torch_threads']} threads): {f['steps']} steps, {f['epochs']} epochs, "
        f"{f['images_per_second']} images/s",
        title_justify="left",
        caption=f"{f['samples']} generated images per metric. Numbers from different "
        "extractors are not comparable.",
        caption_justify="left",
    )
    for column in ("images", "extractor", "IS or classifier score", "FID", "KID", "eval s"):
        table.add_column(column, no_wrap=column in ("extractor", "KID"))
    for key, value in f.items():
        if not isinstance(value, dict):
            continue
        images = "real train" if key.endswith("_real_train_images") else "generated"
        table.add_row(
            images,
            value["extractor"],
            f"{format_value(*score_of(value), 3)} ({score_label(value, short=True)})",
            format_value(value["fid"], digits=3),
            format_value(value["kid_mean"], value["kid_std"]),
            f"{value['eval_seconds']:.0f}",
        )
    Console(stderr=True).print(table)


if __name__ == "__main__":
    main()


def _progress():
    """A progress bar where stderr is a terminal; quiet otherwise."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    from ganzoo.cli.progress import RichProgress

    return RichProgress(Console(stderr=True))
