"""Time to quality: ganzoo's DCGAN on MNIST against the like-for-like plain loop, by the clock.

    python benchmarks/bench_time_to_quality.py --data-dir ../shared/data \\
        [--minutes 20] [--every 2] [--samples 10000] [--variant compile,batch=256 ...]
    python benchmarks/bench_time_to_quality.py --quick      # a smoke run (minutes)
    python benchmarks/bench_time_to_quality.py --over-seeds s0.json s1.json  # seeds' mean

Issue 28.1. Both loops train on this machine's CPU, one after the other, and stop at fixed
marks of *training* wall time (every ``--every`` minutes up to ``--minutes``). At each mark
the generator is scored with the clock stopped (evaluation time is never training time):
FID of ``--samples`` samples against as many MNIST test images, with ganzoo's MNIST domain
extractor (``bench_quality.score``: the same extractor and sample count for every loop).

- **plain loop**: ``bench_quality``'s like-for-like DCGAN loop (``PlainGAN``: the PyTorch
  examples' 32-px DCGAN, BCE on a sigmoid D, Adam 2e-4 (0.5, 0.999), batch 64, G's update
  reusing D's fakes), on ganzoo's thread count for the model;
- **ganzoo**: ``ganzoo train --model dcgan --loss nonsat --dataset mnist`` on its defaults
  (which include ``--amp auto``: bf16 autocast on a CPU with AMX, float32 elsewhere;
  ``amp=none`` and ``amp=bf16`` name the precision whatever the machine) (its
  moving-average G is what it scores, so it is what is scored here), with the speed
  changes of each ``--variant`` on top. It trains to each mark with ``--time-budget``, is
  scored from the checkpoint it leaves, and resumes bit-exact: the same trajectory as one
  uninterrupted run. (``--resume`` keeps a run's config, so the script moves the budget on
  in ``config.json``; nothing else is touched.) Grids and checkpoints count as training
  time, as they do for a user; rebuilding the session at each resume does not.

The target is the plain loop's FID at its last mark ("its 20-minute FID"). A loop's time to
quality is the training time at which its FID first reaches the target, interpolated
linearly between marks ("-" if it never does). Goal: ganzoo, on its defaults, in at most
half the plain loop's time.

Every loop, and every timing of ``--speed-steps``, runs in a fresh process of its own: in
one process the later trainings ran slower than the earlier ones (up to 10% after five,
whatever they were), which would have charged the order of the runs to the variants.

A full run is long (the plain loop's 20 minutes, then each variant's, plus the scorings), so
its parts can be run apart: ``--record FILE`` keeps every figure, ``--plain-from FILE`` takes
the plain loop's curve (and the target) from such a file instead of training it again, and
``--stop-at-target`` ends a variant at the first mark that reaches the target (its later
marks would not change its time to quality). ``--speed-steps N`` adds what a pure speed
change buys without a curve: each variant's images/s over N steps beside the defaults', for
changes that leave the trajectory step for step as it was (compile, channels-last,
no-health, log-every), whose time to quality is then the defaults' divided by that ratio.
The timings are interleaved over ``--speed-rounds`` rounds (defaults, each variant, again)
and each variant's median is compared with the defaults' median.

Speed changes, for ``--variant`` (comma-separated; ``defaults`` is ganzoo unchanged):

| change | what it does |
|---|---|
| ``compile`` | ``--compile``: torch.compile (inductor on a CPU) on G and D |
| ``radford`` | DCGAN's paper settings (lr 2e-4, betas 0.5 0.999, one D step, batch 64) |
| ``batch=N[:RULE]`` | ``--batch-size N``; lr × (N/B)^½ (``sqrt``), N/B, 1 (``none``); B default |
| ``ttur=R`` | ``--lr-d``: D's learning rate R × G's (Heusel et al. 2017's two time scales) |
| ``lr=X`` | ``--lr X`` (after ``batch=``'s scaling, which it replaces) |
| ``betas=B1:B2`` | ``--betas B1,B2``: Adam's β1 and β2 |
| ``d-steps=K`` | ``--d-steps K``: D updates per G update |
| ``channels-last`` | ``--channels-last`` (the default since it was measured here: 1.16×) |
| ``no-channels-last`` | ``--no-channels-last``: torch's default memory layout |
| ``no-health`` | *trial*: no health statistics (gradient norms, D's accuracy, G's spread) |
| ``ema=D`` | ``--ema D`` (``ema=0``: no moving average, the raw G is scored) |
| ``log-every=N`` | ``--log-every N``: fewer log lines, so fewer host syncs |
| ``threads=N`` | ``--threads N`` |
| ``amp=MODE`` | ``--amp MODE``: ``bf16`` autocast (AMX on recent Xeons), ``fp16``, ``none`` |

A *trial* is a change ganzoo has no option for yet: it is patched into ganzoo at one seam,
in this process only, to measure it before it is adopted. Prints each loop's FID at every
mark and a Markdown table with the command (stderr), and every figure as JSON (stdout).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import torch
from bench_quality import SETTINGS, At28, PlainGAN, say, score
from paper_settings import RADFORD
from time_to_quality_seeds import PLAIN, time_to

BASE_BATCH = 64  # the plain loop's batch (Radford et al.'s setting's)


# --- the speed changes --------------------------------------------------------------------


@dataclass
class Variant:
    """ganzoo's defaults plus some speed changes: TrainConfig fields and trial patches."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)
    trials: list[Callable[[], contextlib.AbstractContextManager[Any]]] = field(default_factory=list)

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        """Within the block, ganzoo runs with this variant's trial patches."""
        with contextlib.ExitStack() as stack:
            for trial in self.trials:
                stack.enter_context(trial())
            yield


def no_health() -> Callable[[], Any]:
    """The health statistics replaced by constants (ones: no collapse alert, and the loss
    figure's log-scaled gradient panel still has something to draw)."""
    from ganzoo.training import health

    def grad_norm(params, precision, optimizer):
        precision.unscale(optimizer)  # fp16 still needs its gradients unscaled
        return torch.ones(())

    def adversarial_stats(real_logits, *args):
        one = torch.ones((), device=real_logits.device)
        return {"d_acc": one, "d_grad_norm": one, "g_grad_norm": one, "g_spread": one}

    @contextlib.contextmanager
    def patched() -> Iterator[None]:
        with (
            mock.patch.object(health, "grad_norm", grad_norm),
            mock.patch.object(health, "adversarial_stats", adversarial_stats),
        ):
            yield

    return patched


def mnist_defaults() -> tuple[float, int]:
    """The learning rate and batch size ``ganzoo train --model dcgan --dataset mnist`` takes
    (``batch=N`` scales the rate from these)."""
    from ganzoo.training.config import TrainConfig, check
    from ganzoo.training.defaults import batch_size, learning_rate

    config = TrainConfig(model="dcgan", dataset="mnist")
    components = check(config)
    return learning_rate(config, components), batch_size(config, components)


def parse_variant(text: str, defaults: tuple[float, int]) -> Variant:
    """``compile,batch=256:sqrt,ttur=2`` -> a :class:`Variant` (see the module docstring);
    ``defaults``: :func:`mnist_defaults`."""
    base_lr, base_batch = defaults
    variant = Variant(text)
    ratio = None  # ttur=R: D's lr R x G's, whatever batch= made G's
    lr = None  # lr=X: G's (and D's) lr, whatever batch= made it
    changes = [c.strip() for c in text.split(",") if c.strip()]
    if "radford" in changes:  # the paper's settings first, wherever named: batch= scales them
        variant.config.update(RADFORD, batch_size=BASE_BATCH)
        base_lr, base_batch = RADFORD["lr"], BASE_BATCH
    for change in changes:
        name, _, value = change.partition("=")
        if name in ("defaults", "none", "radford"):
            continue
        if name == "compile":
            variant.config["compile"] = True
        elif name == "batch":
            size, _, rule = value.partition(":")
            scale = {"sqrt": math.sqrt, "linear": float, "none": lambda r: 1.0}[rule or "sqrt"]
            variant.config["batch_size"] = int(size)
            variant.config["lr"] = base_lr * scale(int(size) / base_batch)
        elif name == "ttur":
            ratio = float(value)
        elif name == "lr":
            lr = float(value)
        elif name == "betas":
            beta1, _, beta2 = value.partition(":")
            variant.config["betas"] = (float(beta1), float(beta2))
        elif name == "d-steps":
            variant.config["d_steps"] = int(value)
        elif name in ("channels-last", "no-channels-last"):
            variant.config["channels_last"] = name == "channels-last"
        elif name == "no-health":
            variant.trials.append(no_health())
        elif name == "ema":
            variant.config["ema"] = float(value)
        elif name == "log-every":
            variant.config["log_every"] = int(value)
        elif name == "threads":
            variant.config["threads"] = int(value)
        elif name == "amp":
            from ganzoo.training.config import AMP_MODES

            if value not in AMP_MODES:
                raise SystemExit(f"amp={value}: one of {', '.join(AMP_MODES)}")
            variant.config["amp"] = value
        else:
            raise SystemExit(f"unknown speed change {change!r} (see --help)")
    if lr is not None:
        variant.config["lr"] = lr
    if ratio is not None:
        variant.config["lr_d"] = variant.config.get("lr", base_lr) * ratio
    return variant


# --- the two loops, to each mark ------------------------------------------------------------


def plain_curve(
    marks: list[float], args: argparse.Namespace, amp: str = "none"
) -> list[dict[str, Any]]:
    """The like-for-like plain loop, trained to each mark and scored there (clock stopped);
    ``amp="bf16"``: its forward passes under bfloat16 autocast (``--plain-amp``)."""
    from ganzoo.host.device import choose_threads, intra_op_threads

    setting = next(s for s in SETTINGS["dcgan"] if s.name == "like for like")
    loop = PlainGAN(setting, args.data_dir, BASE_BATCH, args.seed, amp)
    name = PLAIN if amp == "none" else f"{PLAIN} amp={amp}"
    parameters = sum(p.numel() for net in (loop.g, loop.d) for p in net.parameters())
    points, trained, steps = [], 0.0, 0
    threads = args.loop_threads or choose_threads(None, parameters)  # as ganzoo chooses
    with intra_op_threads(threads):
        for mark in marks:
            start = time.perf_counter()
            while trained + time.perf_counter() - start < mark:
                loop.step()
                steps += 1
            trained += time.perf_counter() - start
            with torch.random.fork_rng(devices=[]):  # scoring draws nothing training will
                figures = score(loop.sampler(), args.data_dir, args.samples)
            points.append(point(mark, trained, steps, BASE_BATCH, figures))
            say(line(name, points[-1]))
    return points


def ganzoo_curve(
    variant: Variant,
    marks: list[float],
    args: argparse.Namespace,
    out: Path,
    target: float | None = None,
) -> list[dict[str, Any]]:
    """ganzoo with ``variant``, trained to each mark by its time budget, scored at each;
    with ``target``, it stops at the first mark whose FID reaches it."""
    from ganzoo.runs.loading import load_run_model
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import resume, train

    config = TrainConfig(
        model="dcgan", loss="nonsat", dataset="mnist", data_dir=args.data_dir, seed=args.seed,
        device="cpu", out=str(out), time_budget=marks[0], **variant.config,
    )  # fmt: skip
    points: list[dict[str, Any]] = []
    with variant.patched():
        for i, mark in enumerate(marks):
            if i == 0:
                result = train(config)  # its config.json names the batch it resolved
                batch = json.loads((out / "config.json").read_text())["config"]["batch_size"]
            else:
                move_time_budget(out, mark)
                result = resume(out)
            figures = score(At28(load_run_model(out).sample), args.data_dir, args.samples)
            points.append(point(mark, result.seconds, result.steps, batch, figures))
            say(line(f"ganzoo {variant.name}", points[-1]))
            if target is not None and points[-1]["fid"] <= target:
                say(f"ganzoo {variant.name}: reached the target {target:.2f}; stopped")
                break
            if json.loads((out / "summary.json").read_text())["stopped_by"] != "time budget":
                say(f"ganzoo {variant.name}: its epochs ran out before the marks did")
                break
    return points


def speed(variant: Variant, steps: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Images/s of ganzoo with ``variant``, steady state: over the log lines from a fifth of
    ``steps`` to the end (the first steps pay for warm-up and ``--compile``'s compilation),
    from the run's own clock (``metrics.jsonl``'s ``time`` and ``images``)."""
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    config = TrainConfig(
        model="dcgan", loss="nonsat", dataset="mnist", data_dir=args.data_dir, seed=args.seed,
        device="cpu", out=str(out / "timed"), steps=steps, **variant.config,
    )  # fmt: skip
    if "log_every" not in variant.config:  # enough lines to time from; a variant's own stays
        config.log_every = min(config.log_every, max(1, steps // 10))
    with variant.patched():
        result = train(config)
    lines = [json.loads(line) for line in (out / "timed" / "metrics.jsonl").open()]
    last = lines[-1]
    # with too few lines (log-every=N for large N), the whole run from step 0
    first = next((x for x in lines[:-1] if x["step"] >= steps // 5), None)
    first = first or {"step": 0, "time": 0.0, "images": 0}
    seconds = last["time"] - first["time"]
    figures = {
        "steps": result.steps, "timed_steps": last["step"] - first["step"],
        "timed_seconds": round(seconds, 2), "train_seconds": round(result.seconds, 2),
        "images_per_second": round((last["images"] - first["images"]) / seconds, 1),
    }  # fmt: skip
    say(f"speed  ganzoo {variant.name:32} {figures['images_per_second']:7.1f} img/s "
        f"(steps {first['step']}-{last['step']} in {seconds:.1f} s)")  # fmt: skip
    return figures


def start_process(args: argparse.Namespace, *mode: str) -> Any:
    """Start this script's hidden ``mode`` (``--one-curve NAME`` or ``--one-speed NAME``) in
    a new Python process with the same settings (a ``subprocess.Popen``)."""
    import subprocess

    command = [
        sys.executable, __file__, "--data-dir", args.data_dir, "--minutes", str(args.minutes),
        "--every", str(args.every), "--samples", str(args.samples), "--seed", str(args.seed),
        "--speed-steps", str(args.speed_steps), *mode,
    ]  # fmt: skip
    if args.target is not None:
        command += ["--target", str(args.target)]
    if args.loop_threads:
        command += ["--loop-threads", str(args.loop_threads)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def result_of(process: Any) -> Any:
    """The JSON a :func:`start_process` process printed, once it has finished."""
    out, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(process.args[-2:])} failed (exit {process.returncode})")
    return json.loads(out)


def in_fresh_process(args: argparse.Namespace, *mode: str) -> Any:
    """Run a hidden ``mode`` in a new process and wait for its JSON result."""
    return result_of(start_process(args, *mode))


def speed_rounds(variants: list[str], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Each variant's (and the defaults') images/s, ``--speed-rounds`` interleaved rounds of
    fresh processes; the median of each."""
    import statistics

    names = ["defaults", *(v for v in variants if v != "defaults")]
    seen: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for _ in range(args.speed_rounds):
        for name in names:
            seen[name].append(in_fresh_process(args, "--one-speed", name))
    return {
        name: {
            "steps": runs[0]["steps"],
            "images_per_second_each": [r["images_per_second"] for r in runs],
            "train_seconds_each": [r["train_seconds"] for r in runs],  # compiling included
            "images_per_second": statistics.median(r["images_per_second"] for r in runs),
        }
        for name, runs in seen.items()
    }


def move_time_budget(run: Path, seconds: float) -> None:
    """Let the run train on to ``seconds`` of training time at its next resume."""
    path = run / "config.json"
    stored = json.loads(path.read_text())
    stored["config"]["time_budget"] = seconds
    path.write_text(json.dumps(stored, indent=2, sort_keys=True))


def point(mark: float, seconds: float, steps: int, batch: int, figures: dict) -> dict[str, Any]:
    return {
        "mark_seconds": mark, "train_seconds": round(seconds, 1), "steps": steps,
        "images": steps * batch, "fid": figures["fid"], "kid": figures["kid"],
        "classifier_score": figures["classifier_score"], "extractor": figures["extractor"],
    }  # fmt: skip


def line(name: str, p: dict[str, Any]) -> str:
    return (
        f"{name:40} {p['train_seconds']:7.1f} s {p['steps']:6d} steps "
        f"{p['images'] / max(p['train_seconds'], 1e-9):7.1f} G img/s  FID {p['fid']:7.2f}"
    )


# --- time to quality ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=str(Path(__file__).parents[2] / "shared" / "data"))
    parser.add_argument("--minutes", type=float, default=20.0, help="the plain loop's budget")
    parser.add_argument("--every", type=float, default=2.0, help="minutes between marks")
    parser.add_argument("--samples", type=int, default=10_000, help="samples per score")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--variant",
        action="append",
        help="speed changes on top of ganzoo's defaults, comma-separated (repeatable; "
        "default: defaults)",
    )
    parser.add_argument(
        "--plain-from", metavar="FILE", help="the plain loop's curve from a --record file"
    )
    parser.add_argument(
        "--plain-amp", choices=["bf16"],
        help="also train the plain loop under this autocast (a loop of its own; the target "
        "stays the float32 plain loop's)",
    )  # fmt: skip
    parser.add_argument(
        "--stop-at-target", action="store_true", help="end a variant once it reaches the target"
    )
    parser.add_argument(
        "--speed-steps", type=int, default=0, metavar="N",
        help="also time each variant (and the defaults) over N steps; no curves if --no-curves",
    )  # fmt: skip
    parser.add_argument("--speed-rounds", type=int, default=3, help="interleaved timings each")
    parser.add_argument("--no-curves", action="store_true", help="only the --speed-steps pass")
    parser.add_argument("--one-curve", help=argparse.SUPPRESS)  # a fresh process's one loop
    parser.add_argument("--one-speed", help=argparse.SUPPRESS)  # ... or its one timing
    parser.add_argument("--target", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--side-by-side", action="store_true",
        help="train every loop at once, each on its own share of the cores (a machine whose "
        "speed drifts then slows them alike); no --stop-at-target",
    )  # fmt: skip
    parser.add_argument("--loop-threads", type=int, help="intra-op threads of every loop")
    parser.add_argument("--record", metavar="FILE", help="write the figures (JSON) here too")
    parser.add_argument(
        "--quick", action="store_true", help="marks at 10 and 20 s, 1,000 samples, two variants"
    )
    parser.add_argument(
        "--over-seeds", nargs="+", metavar="FILE",
        help="no training: average --record files of other seeds (time_to_quality_seeds.py)",
    )  # fmt: skip
    args, _ = parser.parse_known_args(argv)  # benchmarks/run.py passes its arguments to all
    if args.over_seeds:
        import time_to_quality_seeds as seeds

        summary = seeds.over_seeds(seeds.load(args.over_seeds))
        summary["records"] = args.over_seeds
        seeds.report(summary, say)
        if args.record:
            Path(args.record).write_text(json.dumps(summary, indent=2) + "\n")
        print(json.dumps(summary, indent=2))
        return summary
    if args.quick:
        args.minutes, args.every, args.samples = 1 / 3, 1 / 6, 1000
        args.variant = args.variant or [
            "defaults",
            "no-channels-last,ttur=2,no-health,batch=128,log-every=100,ema=0",
        ]
    variants_text = args.variant or ["defaults"]
    if not (Path(args.data_dir) / "MNIST" / "raw").is_dir():
        say(f"MNIST not found under {args.data_dir}: nothing to measure")
        return {}
    base = mnist_defaults()
    count = max(1, round(args.minutes / args.every))
    marks = [round(args.minutes * 60 * (i + 1) / count, 3) for i in range(count)]
    if args.one_speed:  # in a fresh process: one timing
        with tempfile.TemporaryDirectory() as tmp:
            found = speed(parse_variant(args.one_speed, base), args.speed_steps, args, Path(tmp))
        print(json.dumps(found))
        return found
    if args.one_curve:  # in a fresh process: one loop's curve
        if args.loop_threads:
            torch.set_num_threads(args.loop_threads)  # scoring too: never the others' core
        if args.one_curve == PLAIN:
            points = plain_curve(marks, args)
        elif args.one_curve.startswith(f"{PLAIN} amp="):
            points = plain_curve(marks, args, args.one_curve.partition("amp=")[2])
        else:
            with tempfile.TemporaryDirectory() as tmp:
                variant = parse_variant(args.one_curve, base)
                if args.loop_threads:
                    variant.config.setdefault("threads", args.loop_threads)
                points = ganzoo_curve(variant, marks, args, Path(tmp) / "run", args.target)
        print(json.dumps(points))
        return {"points": points}
    for text in variants_text:
        parse_variant(text, base)  # a bad change fails here, before hours of training
    figures: dict[str, Any] = {
        "command": shlex.join([Path(sys.argv[0]).as_posix(), *(argv or sys.argv[1:])]),
        "marks_seconds": marks, "samples": args.samples, "seed": args.seed,
        "torch": torch.__version__, "threads": torch.get_num_threads(), "loops": {},
    }  # fmt: skip
    if args.speed_steps:
        figures["speed"] = speed_rounds(variants_text, args)
        figures["speed_rounds"] = args.speed_rounds
    if not args.no_curves:
        say(f"marks every {args.every * 60:g} s to {args.minutes * 60:g} s of training; "
            f"{args.samples} samples a score")  # fmt: skip
        ganzoo_loops = [text for text in variants_text if text != "none"]
        plain_loops = [PLAIN] + ([f"{PLAIN} amp={args.plain_amp}"] if args.plain_amp else [])
        if args.side_by_side:  # every loop at once, each on its share of the cores
            import os

            cores = len(os.sched_getaffinity(0))
            loops = len(plain_loops) + len(ganzoo_loops)
            args.loop_threads = args.loop_threads or max(1, cores // loops)
            args.target = None
            figures["side_by_side"] = {"loop_threads": args.loop_threads, "cores": cores}
            running = {name: start_process(args, "--one-curve", name) for name in plain_loops}
            running.update(
                {f"ganzoo {t}": start_process(args, "--one-curve", t) for t in ganzoo_loops}
            )
            figures["loops"] = {name: result_of(proc) for name, proc in running.items()}
            target = figures["loops"]["plain loop"][-1]["fid"]
            figures["target_fid"] = target
            report(figures, target)
        elif args.plain_from:
            recorded = json.loads(Path(args.plain_from).read_text())
            plain = recorded["loops"]["plain loop"]
            if recorded["marks_seconds"] != marks or recorded["samples"] != args.samples:
                raise SystemExit(f"{args.plain_from}: other marks or sample count than these")
            figures["plain_from"] = args.plain_from
        else:
            plain = in_fresh_process(args, "--one-curve", PLAIN)
        if not args.side_by_side:
            figures["loops"]["plain loop"] = plain
            for name in plain_loops[1:]:
                figures["loops"][name] = in_fresh_process(args, "--one-curve", name)
            target = plain[-1]["fid"]
            figures["target_fid"] = target
            args.target = target if args.stop_at_target else None
            for text in ganzoo_loops:  # --variant none: the plain loop alone
                figures["loops"][f"ganzoo {text}"] = in_fresh_process(args, "--one-curve", text)
            report(figures, target)
    if "speed" in figures:
        report_speed(figures["speed"])
    if args.record:
        Path(args.record).write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return figures


def report_speed(speeds: dict[str, dict[str, Any]]) -> None:
    """The Markdown table of images/s, each variant against ganzoo's defaults."""
    base = speeds["defaults"]["images_per_second"]
    say("")
    say("| variant | steps | images/s, each round | median | × defaults |")
    say("|---|---|---|---|---|")
    for name, f in speeds.items():
        each = " / ".join(f"{x:.0f}" for x in f["images_per_second_each"])
        say(f"| {name} | {f['steps']} | {each} | {f['images_per_second']:.1f} | "
            f"{f['images_per_second'] / base:.2f} |")  # fmt: skip


def report(figures: dict[str, Any], target: float) -> None:
    """The Markdown table of time to the plain loop's final FID, with the command."""
    plain_time = time_to(figures["loops"]["plain loop"], target)
    say("")
    say(f"    {figures['command']}")
    say("")
    say(f"target: the plain loop's FID at {figures['marks_seconds'][-1]:g} s, {target:.2f}")
    say("")
    say("| loop | FID at its last mark | G images/s | time to target | × plain loop's time |")
    say("|---|---|---|---|---|")
    for name, points in figures["loops"].items():
        reached = time_to(points, target)
        last = points[-1]
        speed = last["images"] / max(last["train_seconds"], 1e-9)
        ratio = reached / plain_time if reached is not None and plain_time else None
        say(
            f"| {name} | {last['fid']:.2f} | {speed:.0f} | "
            f"{'-' if reached is None else f'{reached / 60:.1f} min ({reached:.0f} s)'} | "
            f"{'-' if ratio is None else f'{ratio:.2f}'} |"
        )
        figures.setdefault("time_to_target_seconds", {})[name] = reached
    say("goal: ganzoo on its defaults in at most 0.50 × the plain loop's time")


if __name__ == "__main__":
    main()
