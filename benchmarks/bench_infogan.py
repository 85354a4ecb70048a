"""InfoGAN on MNIST in a CPU time budget: does the categorical code name the digit?

    python benchmarks/bench_infogan.py --budget 1200
    python benchmarks/bench_infogan.py --quick          # a smoke run: 60 s of training

Chen et al. 2016 (https://arxiv.org/abs/1606.03657, §7.1): "by matching each category in c1
to a digit type, we can classify MNIST digits with 5% error rate" (95% agreement), after a
full training (tens of epochs on a GPU). A CPU budget of minutes trains a fraction of an
epoch to a few epochs, so the figures here are *how far* a short run gets, beside the paper's.

Trains ``infogan`` (the paper's codes: c1 categorical of 10, c2 and c3 uniform in [-1, 1];
62 noise dimensions; DCGAN networks at 32 px) with ``--time-budget``, then reports:

- **generated agreement**: per value of c1, ``--per-value`` samples (noise and c2, c3
  random); MNIST's domain classifier names their digit; the share that agrees with c1
  under the best one-to-one matching of code values to digits (Hungarian method). An
  untrained InfoGAN's figure is printed beside it, as the baseline (about 0.1: chance).
- **Q on real digits** (the paper's own measure): Q's argmax of c1 on the MNIST test split,
  matched to the true labels the same way.
- **continuous codes**: for c2 and c3 swept from -2 to 2 (the paper's Figure 2 range) with
  the rest held: the correlation of the code with the image's slant and width (intensity
  moments: the paper finds rotation and width), the share of samples whose digit (domain
  classifier) stays the same from one end to the other (a style code keeps the digit), and
  how well Q reads the code back (correlation of c with Q's mean, on U(-1, 1) draws); the
  untrained model's figures beside them (its G draws nearly one digit whatever the codes,
  so its "digit kept" is near 1: that figure means something only where c1 names digits).

MNIST is read from ``--data-dir`` (default ``../shared/data``); without it the benchmark says
so and stops (exit 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from paper_settings import FLOAT32

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PAPER_AGREEMENT = 0.95  # 5% error, Chen et al. 2016 §7.1
SWEEP = (-2.0, 2.0)  # the paper's Figure 2 varies the continuous codes over [-2, 2]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--data-dir", default=str(SHARED), help="folder holding MNIST/raw")
    p.add_argument("--budget", type=float, default=1200.0, help="seconds of training (CPU)")
    p.add_argument("--steps", type=int, default=None,
                   help="train this many generator updates instead of --budget seconds "
                   "(a figure that does not depend on how busy the machine is)")  # fmt: skip
    p.add_argument("--per-value", type=int, default=500, help="samples per value of c1")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default="cpu", help="cpu (the benchmark's point) or auto/cuda")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="run folder (default: a new one under runs/)")
    p.add_argument("--quick", action="store_true", help="60 s budget, 100 per value: a smoke run")
    args, unknown = p.parse_known_args(argv)  # benchmarks/run.py passes every option to all
    if unknown:
        say(f"bench_infogan: ignoring options it does not know: {' '.join(unknown)}")
    if args.quick:
        args.budget, args.per_value = 60.0, 100
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    if not (Path(args.data_dir) / "MNIST" / "raw" / "train-images-idx3-ubyte").exists():
        say(f"bench_infogan: skipped, MNIST not found under {args.data_dir}/MNIST/raw")
        return {"skipped": "no MNIST"}
    import torch

    from ganzoo.host.build import create_model, load_dataset
    from ganzoo.metrics.codes import CodeAgreement, best_matching
    from ganzoo.runs.loading import load_run_model
    from ganzoo.runs.rundir import RunDir
    from ganzoo.training.config import TrainConfig, default_run_dir
    from ganzoo.training.loop import train

    config = TrainConfig(
        model="infogan",
        dataset="mnist",
        data_dir=args.data_dir,
        time_budget=None if args.steps else args.budget,
        steps=args.steps,
        batch_size=args.batch_size,
        device=args.device,
        seed=args.seed,
        log_every=50,
        **FLOAT32,  # its recorded figures were float32 (ganzoo's auto: bf16 on AMX CPUs)
    )
    config.out = args.out or str(default_run_dir("infogan", "nonsat", "mnist", ROOT / "runs"))
    length = f"{args.steps} steps" if args.steps else f"{args.budget:.0f}s"
    say(f"training infogan on MNIST for {length} -> {config.out}")
    result = train(config, None)
    run = RunDir(result.run_dir)
    summary, stored = run.read_summary(), run.read_config()
    options = stored["config"].get("dataset_options") or {}
    model = load_run_model(result.run_dir, device=args.device)  # eval mode, EMA generator
    agreement = CodeAgreement("mnist", args.data_dir, options, log=say)
    generated = agreement(model, args.per_value, seed=args.seed)
    torch.manual_seed(args.seed)
    untrained = create_model("infogan", model.data_info, None, {}).to(args.device).eval()
    baseline = agreement(untrained, args.per_value, seed=args.seed)

    test = load_dataset("mnist", args.data_dir, split="test", options=options)
    with torch.no_grad():
        q_codes = torch.cat(
            [model.infer_codes(x.to(model.device))[0].cpu() for x in test.samples.split(500)]
        )
    real = best_matching(q_codes, test.labels.cpu(), 10, 10)

    figures: dict[str, Any] = {
        "budget_s": None if args.steps else args.budget,
        "seconds": round(summary.get("seconds", float("nan")), 1),
        "device": args.device,
        "steps": summary["steps"],
        "epochs": round(summary["epochs"], 3),
        "run": str(result.run_dir),
        "paper_agreement": PAPER_AGREEMENT,
        "generated_agreement": round(generated["code_accuracy"], 4),
        "generated_mapping": generated["code_mapping"],
        "untrained_agreement": round(baseline["code_accuracy"], 4),
        "samples_per_value": args.per_value,
        "classifier_test_accuracy": round(generated["classifier_test_accuracy"], 4),
        "q_real_test_agreement": round(real.accuracy, 4),
        "continuous": continuous_effects(model, agreement, args.per_value * 2, args.seed),
        # the same for the untrained model: its G draws nearly one digit whatever the codes,
        # so "digit kept" is 1 there; it means something only beside a c1 that names digits
        "continuous_untrained": continuous_effects(
            untrained, agreement, args.per_value * 2, args.seed
        ),
    }
    report(figures)
    print(json.dumps(figures, indent=2))
    return figures


def continuous_effects(model: Any, agreement: Any, n: int, seed: int) -> dict[str, Any]:
    """Per continuous code: what sweeping it does to slant, width and digit; Q's reading."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    out: dict[str, Any] = {}
    steps = torch.linspace(*SWEEP, 9)
    with torch.no_grad():
        for code in [c for c in model.latent_codes if not c.categorical]:
            z = model.sample_latent(n, generator=generator).cpu()
            z = z.repeat_interleave(len(steps), 0)
            values = steps.repeat(n)
            images = model.generate(model.with_code(z.to(model.device), code.name, values))
            slant, width = moments(images.float().cpu())
            ends = images.reshape(n, len(steps), *images.shape[1:])
            first = agreement.classify(ends[:, 0])
            last = agreement.classify(ends[:, -1])
            prior = model.sample_latent(n, generator=generator)
            index = code.start - model.noise_dim - model.categorical  # among the means
            read = model.infer_codes(model.generate(prior))[1][:, index].cpu()
            truth = code.decode(prior.cpu())
            out[code.name] = {
                "corr_slant": round(correlation(values, slant), 3),
                "corr_width": round(correlation(values, width), 3),
                "digit_kept": round(float((first == last).float().mean()), 3),
                "q_corr": round(correlation(truth, read), 3),
            }
    return out


def moments(images: Any) -> tuple[Any, Any]:
    """Each image's slant (shear of its ink: cov(x, y) / var(y)) and width (std of x)."""
    import torch

    ink = (images[:, 0] + 1) / 2  # [-1, 1] -> [0, 1]
    h, w = ink.shape[-2:]
    ys = torch.arange(h, dtype=ink.dtype)[:, None].expand(h, w)
    xs = torch.arange(w, dtype=ink.dtype)[None, :].expand(h, w)
    mass = ink.sum((1, 2)).clamp_min(1e-6)
    mx, my = (ink * xs).sum((1, 2)) / mass, (ink * ys).sum((1, 2)) / mass
    dx, dy = xs - mx[:, None, None], ys - my[:, None, None]
    var_y = (ink * dy**2).sum((1, 2)) / mass
    cov = (ink * dx * dy).sum((1, 2)) / mass
    var_x = (ink * dx**2).sum((1, 2)) / mass
    return cov / var_y.clamp_min(1e-6), var_x.sqrt()


def correlation(a: Any, b: Any) -> float:
    """Pearson's correlation of two 1-D tensors."""
    import torch

    a, b = a.double().flatten(), b.double().flatten()
    return float(torch.corrcoef(torch.stack([a, b]))[0, 1])


def report(f: dict[str, Any]) -> None:
    say(
        f"infogan on MNIST, {f['seconds']:.0f}s on {f['device']}: {f['steps']} steps, "
        f"{f['epochs']} epochs"
    )
    say(
        f"  c1 vs digit (generated, domain classifier, best matching): "
        f"{f['generated_agreement']:.3f} ({f['samples_per_value']} per value; untrained "
        f"{f['untrained_agreement']:.3f}; classifier test accuracy "
        f"{f['classifier_test_accuracy']:.3f})"
    )
    say(
        f"  c1 vs label (Q on the real test split, best matching): "
        f"{f['q_real_test_agreement']:.3f}; paper: {f['paper_agreement']:.2f} (5% error)"
    )
    for name, c in f["continuous"].items():
        u = f["continuous_untrained"][name]
        say(
            f"  {name} swept {SWEEP[0]:g}..{SWEEP[1]:g}: corr(slant) {c['corr_slant']:+.3f}, "
            f"corr(width) {c['corr_width']:+.3f}, digit kept {c['digit_kept']:.3f}; "
            f"Q reads it back: corr {c['q_corr']:.3f} (untrained: slant {u['corr_slant']:+.3f}, "
            f"width {u['corr_width']:+.3f}, kept {u['digit_kept']:.3f}, Q {u['q_corr']:+.3f})"
        )


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
