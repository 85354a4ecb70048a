"""Sample quality at equal steps: ganzoo against the loop a researcher writes by hand.

    python benchmarks/bench_quality.py --data-dir ../shared/data [--steps 6500] [--rows dcgan]

Each row (DCGAN + non-saturating, the MLP GAN + non-saturating, the VAE) is measured in two
settings, ganzoo (``ganzoo.training.train``, the same code as ``ganzoo train``) against a
plain PyTorch loop written here in the style of the PyTorch examples, for the **same number
of steps at the same batch size** on MNIST:

- ``like for like``: the plain loop trains the *same networks* ganzoo builds, with the same
  optimiser settings (Adam, lr, betas), steps and batch; ganzoo's extras are switched off
  through its own options (``--ema 0``, ``-M dropout=0``, ``--lr``, ``--betas``, ``-M arch=...``).
  What still differs (the loops' own mechanics) is named in the table's last column.
- ``defaults``: ganzoo as ``ganzoo train`` runs it (its registered lr, D's dropout, the EMA
  generator as the headline with the raw G beside it, the conv VAE) against the classic
  hand-written loop (the examples' networks and settings); every difference is named.
  DCGAN's rows pin Radford et al.'s Adam and one D update per step (``paper_settings``),
  whatever a model registers for MNIST: equal steps mean equal work only then.

Both are scored the same way: FID (and the classifier score, KID) of ``--samples`` samples
against as many MNIST test images, with ganzoo's MNIST domain extractor (a LeNet-like
classifier: the usual practice for MNIST; its "IS" is the classifier score, not Inception's).
Every generator is scored at 28×28: a 32-px generator's samples are resized with the same
antialiased resampling ganzoo uses for ``image_size``. The real-data floor is real training
images scored the same way.

The classic plain loops (``defaults``), one D and one G update per step:

- ``dcgan``: the PyTorch examples' DCGAN at 32×32 (ngf = ndf = 64, three stages, BCE on a
  sigmoid D, N(0, 0.02) init, Adam 2e-4 (0.5, 0.999); G's update reuses the batch D just
  saw). ganzoo's DCGAN at 32 px is the same network, so both settings train it.
- ``vanilla``: the MLP GAN most hand-written code uses (G 100-128-256-512-1024-784 with
  batch norm and LeakyReLU, D 784-512-256-1), BCE, Adam 2e-4 (0.5, 0.999). That code is
  usually written ``nn.BatchNorm1d(o, 0.8)``, which sets eps = 0.8 (the second positional
  argument is eps, not momentum): fixed here to ``nn.BatchNorm1d(o)`` (eps 1e-5).
- ``vae``: the PyTorch examples' VAE (784-400-20, Bernoulli decoder, BCE + KL summed over
  the batch), Adam 1e-3 with torch's default betas (0.9, 0.999); samples are decoder means.

Prints one table (stderr) and the figures as JSON (stdout). Goal: ganzoo's FID <= the plain
loop's like for like. ``--quick`` is a smoke run (300 steps, 1,000 samples).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from paper_settings import FLOAT32, RADFORD
from quality_nets import PlainVAE, Z, ganzoo_mlp_gan, plain_dcgan, plain_mlp_gan
from torch import nn

ROWS = {"dcgan": ("dcgan", "nonsat"), "vanilla": ("vanilla", "nonsat"), "vae": ("vae", "elbo")}
SIDE = 28  # every generator is scored at MNIST's own size


# --- scoring ----------------------------------------------------------------------------


class At28:
    """A sampler whose images are resized to 28×28 (as ganzoo resizes data) for scoring."""

    def __init__(self, sample) -> None:
        self._sample = sample

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        from ganzoo.api.data import resize_images

        return resize_images(self._sample(n, generator).float().cpu(), SIDE)


class RealImages:
    """MNIST training images as a 'generator': the floor every model is measured against."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        index = torch.randperm(len(self.images), generator=generator)[:n]
        return self.images[index]


def score(sampler: Any, data_dir: str, samples: int) -> dict[str, float]:
    """FID, KID and the domain classifier score of ``samples`` images against as many MNIST
    test images (the score is the Inception Score's formula on ganzoo's MNIST classifier)."""
    from ganzoo.metrics import EvalSpec, evaluate
    from ganzoo.metrics.scores import score_of

    spec = EvalSpec(dataset="mnist", samples=samples, data_dir=data_dir, split="test")
    result = evaluate(sampler, spec)
    return {
        "fid": result["fid"],
        "kid": result["kid_mean"],
        "classifier_score": score_of(result)[0],
        "precision": result.get("precision"),
        "recall": result.get("recall"),
        "density": result.get("density"),
        "coverage": result.get("coverage"),
        "extractor": result["extractor"],
        "floors": result.get("floors"),  # real data and uniform noise, measured alike
    }


# --- ganzoo -----------------------------------------------------------------------------


def ganzoo_run(
    row: str, setting: Setting, data_dir: str, steps: int, batch: int, seed: int, out: Path
) -> dict:
    """Train ganzoo for ``row`` with ``setting.ganzoo``'s options; return its samplers (the
    EMA generator as the headline and the raw one beside it, where there is an EMA)."""
    from ganzoo.runs.loading import load_run_model
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    model, loss = ROWS[row]
    config = TrainConfig(
        model=model, loss=loss, dataset="mnist", data_dir=data_dir, steps=steps,
        batch_size=batch, seed=seed, device="cpu", out=str(out), log_every=500,
        sample_every=10**6, **FLOAT32, **setting.ganzoo,
    )  # fmt: skip
    result = train(config)
    samplers = {"ganzoo": At28(load_run_model(out).sample)}
    stored = json.loads((out / "config.json").read_text())["config"]
    if stored.get("ema"):
        samplers["ganzoo, raw G"] = At28(load_run_model(out, ema=False).sample)
    return {"samplers": samplers, "seconds": result.seconds, "ema": stored.get("ema")}


# --- the plain loops --------------------------------------------------------------------


def mnist_train(data_dir: str, side: int) -> torch.Tensor:
    """MNIST's training images in [-1, 1], resized to ``side`` (as the examples' transform)."""
    from torchvision.datasets import MNIST
    from torchvision.transforms.functional import resize

    images = MNIST(root=data_dir, train=True, download=False).data.unsqueeze(1)
    if side != images.shape[-1]:
        images = resize(images, [side, side], antialias=True)
    return images.float() / 127.5 - 1.0


def batches(x: torch.Tensor, batch: int, seed: int):
    """Shuffled full batches forever (an epoch at a time), like a DataLoader with drop_last."""
    gen = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(x), generator=gen)
        for i in range(len(x) // batch):
            yield x[order[i * batch : (i + 1) * batch]]


class PlainGAN:
    """A GAN trained the way the PyTorch examples write it, one :meth:`step` at a time.

    :func:`plain_gan` runs it for a number of steps; ``bench_time_to_quality.py`` runs it
    to wall-clock marks and scores it at each.
    """

    def __init__(
        self, setting: Setting, data_dir: str, batch: int, seed: int, amp: str = "none"
    ) -> None:
        """``amp="bf16"``: the forward passes under bfloat16 autocast, as ``--amp bf16``."""
        torch.manual_seed(seed)
        self.g, self.d = setting.networks()
        self.data = batches(mnist_train(data_dir, setting.side), batch, seed)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=setting.lr, betas=setting.betas)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=setting.lr, betas=setting.betas)
        self.bce = nn.BCEWithLogitsLoss() if setting.logits else nn.BCELoss()
        self.ones, self.zeros = torch.ones(batch), torch.zeros(batch)
        self.batch = batch
        dtype = {"none": None, "bf16": torch.bfloat16}[amp]
        self.autocast = (
            (lambda: torch.autocast("cpu", dtype=dtype)) if dtype else contextlib.nullcontext
        )

    def step(self) -> None:
        """One D update and one G update (G's reuses the fakes D just saw)."""
        g, d, bce = self.g, self.d, self.bce
        real = next(self.data)
        with self.autocast():
            fake = g(torch.randn(self.batch, Z))
            out_real, out_fake = d(real).view(-1).float(), d(fake.detach()).view(-1).float()
        self.opt_d.zero_grad()
        loss_d = bce(out_real, self.ones) + bce(out_fake, self.zeros)
        loss_d.backward()
        self.opt_d.step()
        self.opt_g.zero_grad()
        with self.autocast():
            out_g = d(fake).view(-1).float()
        bce(out_g, self.ones).backward()
        self.opt_g.step()

    def sampler(self) -> At28:
        """G as it is now, in eval mode while it samples (training mode after)."""

        def sample(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
            was_training = self.g.training
            self.g.eval()
            try:
                with torch.no_grad():
                    return self.g(torch.randn(n, Z, generator=generator))
            finally:
                self.g.train(was_training)

        return At28(sample)


def plain_gan(setting: Setting, data_dir: str, steps: int, batch: int, seed: int) -> dict:
    """A GAN trained the way the PyTorch examples write it; returns its sampler."""
    loop = PlainGAN(setting, data_dir, batch, seed)
    start = time.perf_counter()
    for _ in range(steps):
        loop.step()
    seconds = time.perf_counter() - start
    return {"samplers": {"plain loop": loop.sampler()}, "seconds": seconds}


def plain_vae(setting: Setting, data_dir: str, steps: int, batch: int, seed: int) -> dict:
    """The examples' VAE training loop; its samples are the decoder's means."""
    torch.manual_seed(seed)
    model = setting.networks()
    data = batches((mnist_train(data_dir, 28) + 1) / 2, batch, seed)  # pixels in [0, 1]
    opt = torch.optim.Adam(model.parameters(), lr=setting.lr, betas=setting.betas)
    per_sample = 1.0 / batch if setting.logits else 1.0  # like ganzoo: the batch's mean
    start = time.perf_counter()
    for _ in range(steps):
        x = next(data).view(-1, 784)
        logits, mu, logvar = model(x)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        opt.zero_grad()
        ((bce + kld) * per_sample).backward()
        opt.step()
    seconds = time.perf_counter() - start

    def sample(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        with torch.no_grad():
            z = torch.randn(n, model.latent, generator=generator)
            return model.decode(z).view(n, 1, 28, 28) * 2 - 1

    return {"samplers": {"plain loop": At28(sample)}, "seconds": seconds}


# --- the settings -----------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One pairing of ganzoo with a plain loop: ganzoo's options, the plain loop's networks
    and optimiser, and what still differs between the two."""

    name: str
    ganzoo: dict[str, Any]  # TrainConfig fields on top of the row's model, loss and budget
    networks: Callable[[], Any]  # the plain loop's (G, D), or its VAE
    lr: float
    betas: tuple[float, float]
    differences: str
    logits: bool = True  # GAN: D gives a logit (BCE with logits); VAE: loss averaged
    side: int = 28  # the plain loop's image side
    extra: dict[str, Any] = field(default_factory=dict)


LOOP = "G's update draws new z (plain: reuses the fakes D just saw); data order, init draws"
SETTINGS: dict[str, tuple[Setting, ...]] = {
    "dcgan": (
        Setting("like for like", {"ema": 0.0, **RADFORD}, plain_dcgan, RADFORD["lr"],
                RADFORD["betas"],
                f"same 32-px DCGAN, Adam 2e-4 (0.5, 0.999), no EMA; D logit vs sigmoid "
                f"(same loss); {LOOP}", logits=False, side=32),
        Setting("defaults", dict(RADFORD), plain_dcgan, RADFORD["lr"], RADFORD["betas"],
                f"ganzoo's EMA G (0.999) headline, raw G beside it; {LOOP}",
                logits=False, side=32),
    ),
    "vanilla": (
        Setting("like for like", {"ema": 0.0, "lr": 2e-4, "model_options": {"dropout": 0.0}},
                ganzoo_mlp_gan, 2e-4, (0.5, 0.999),
                f"same MLPs (G 100-1024-1024-784, D 784-1024-1024-1), lr 2e-4, no dropout, "
                f"no EMA; {LOOP}"),
        Setting("defaults", {}, plain_mlp_gan, 2e-4, (0.5, 0.999),
                "ganzoo: lr 1e-3, D 784-1024-1024-1 with dropout 0.3, G 100-1024-1024-784, EMA G "
                "headline; plain: lr 2e-4, D 784-512-256-1, G 100-128-256-512-1024-784 with "
                f"batch norm (eps 1e-5, the usual eps=0.8 slip fixed); {LOOP}", logits=False),
    ),
    "vae": (
        Setting("like for like",
                {"lr": 1e-3, "betas": (0.9, 0.999), "latent_dim": 20,
                 "model_options": {"arch": "mlp", "hidden_dim": 400}},
                lambda: PlainVAE(layers=2), 1e-3, (0.9, 0.999),
                "same MLP VAE (784-400-400-20, Bernoulli), Adam 1e-3 (0.9, 0.999), loss "
                "averaged over the batch; data order, init and noise draws"),
        Setting("defaults", {}, PlainVAE, 1e-3, (0.9, 0.999),
                "ganzoo: conv VAE (2 conv + 256 hidden, 16 latents), Adam 1e-3 (0.5, 0.999); "
                "plain: the examples' 784-400-20 MLP, Adam 1e-3 (0.9, 0.999), loss summed over "
                "the batch; data order, init draws", logits=False),
    ),
}  # fmt: skip


# --- the table --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).parents[2] / "shared" / "data"))
    parser.add_argument("--steps", type=int, default=6500, help="steps of every row")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", default="dcgan,vanilla,vae", help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="300 steps, 1,000 samples")
    parser.add_argument(
        "--settings", default="like for like,defaults", help="comma-separated: which settings"
    )
    args, _ = parser.parse_known_args(argv)  # benchmarks/run.py passes its arguments to all
    if args.quick:
        args.steps, args.samples = 300, 1000
    if not (Path(args.data_dir) / "MNIST" / "raw").is_dir():
        print(f"MNIST not found under {args.data_dir}: nothing to measure", file=sys.stderr)
        return {}
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    if unknown := set(rows) - set(ROWS):
        parser.error(f"unknown rows {sorted(unknown)}; valid: {', '.join(ROWS)}")
    wanted = [w.strip() for w in args.settings.split(",") if w.strip()]
    if unknown := set(wanted) - {"like for like", "defaults"}:
        parser.error(f"unknown settings {sorted(unknown)}; valid: like for like, defaults")

    torch.set_num_threads(min(2, torch.get_num_threads()))
    figures: dict[str, Any] = {
        "steps": args.steps, "batch_size": args.batch_size, "samples": args.samples,
        "seed": args.seed, "torch": torch.__version__, "rows": [],
    }  # fmt: skip
    floor = score(RealImages(mnist_train(args.data_dir, 28)), args.data_dir, args.samples)
    figures["real_train_vs_test"] = floor
    say(f"extractor {floor['extractor']}; real train vs test: FID {floor['fid']:.2f}")
    for kind, f in (floor.get("floors") or {}).items():
        say(f"floor {kind:6} ({f.get('source')}): " + "  ".join(
            f"{k} {f[k]:.3f}" for k in ("fid", "precision", "recall", "density", "coverage")
            if f.get(k) is not None))  # fmt: skip
    say(f"{'row':8} {'setting':14} {'loop':14} {'FID':>8} {'KID':>8} {'clf.sc':>6} "
        f"{'train s':>8}  differences")  # fmt: skip
    for row in rows:
        for setting in (s for s in SETTINGS[row] if s.name in wanted):
            figures["rows"].append(measure(row, setting, args))
    print(json.dumps(figures, indent=2))
    return figures


def measure(row: str, setting: Setting, args: argparse.Namespace) -> dict[str, Any]:
    """Train ganzoo and the plain loop of ``row`` in ``setting``; score every sampler."""
    budget = (args.data_dir, args.steps, args.batch_size, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        ours = ganzoo_run(row, setting, *budget, Path(tmp) / "run")
        theirs = (plain_vae if row == "vae" else plain_gan)(setting, *budget)
        entry: dict[str, Any] = {
            "row": row, "setting": setting.name, "ema": ours.get("ema"),
            "differences": setting.differences, "loops": {},
        }  # fmt: skip
        for part in (ours, theirs):
            for name, sampler in part["samplers"].items():
                s = score(sampler, args.data_dir, args.samples)
                s["train_seconds"] = round(part["seconds"], 1)
                entry["loops"][name] = s
                note = setting.differences if name == "ganzoo" else ""
                say(f"{row:8} {setting.name:14} {name:14} {s['fid']:8.2f} {s['kid']:8.4f} "
                    f"{s['classifier_score'] or math.nan:6.2f} {s['train_seconds']:8.1f}  "
                    f"{note}")  # fmt: skip
    entry["fid_ratio"] = entry["loops"]["ganzoo"]["fid"] / entry["loops"]["plain loop"]["fid"]
    say(f"{row:8} {setting.name:14} ganzoo FID / plain FID = {entry['fid_ratio']:.2f}")
    return entry


def say(line: str) -> None:
    """A line of the human-readable table (stderr; stdout carries the JSON)."""
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
