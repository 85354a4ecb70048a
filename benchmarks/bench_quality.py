"""Sample quality at equal steps: ganzoo against the loop a researcher writes by hand.

    python benchmarks/bench_quality.py --data-dir ../shared/data [--steps 6500] [--rows dcgan]

For each row (DCGAN + non-saturating, the MLP GAN + non-saturating, the VAE) this trains
ganzoo with its defaults (``ganzoo.training.train``, the same code as ``ganzoo train``) and
a plain PyTorch loop written here in the style of the PyTorch examples, for the **same
number of steps at the same batch size** on MNIST, then scores both the same way: FID (and
IS, KID) of 10,000 samples against the 10,000 MNIST test images, with ganzoo's MNIST domain
extractor (a LeNet-like classifier: the usual practice for MNIST). Every generator is scored
at 28×28: a 32-px generator's samples are resized with the same antialiased resampling that
ganzoo uses for ``image_size``. The real-data floor is real training images scored the same
way. A GAN row also scores ganzoo's raw generator beside its moving average (EMA), which is
what the EMA buys.

The plain loops, all Adam with betas (0.5, 0.999), one D and one G update per step:

- ``dcgan``: the PyTorch examples' DCGAN at 32×32 (ngf = ndf = 64, three stages, BCE on a
  sigmoid D, N(0, 0.02) init, lr 2e-4; G's update reuses the batch D just saw).
- ``vanilla``: the MLP GAN most hand-written code uses (G 100-128-256-512-1024-784 with
  batch norm and LeakyReLU, D 784-512-256-1), BCE, lr 2e-4.
- ``vae``: the PyTorch examples' VAE (784-400-20, Bernoulli decoder, summed BCE + KL),
  lr 1e-3; samples are the decoder's means.

Prints one table (stderr) and the figures as JSON (stdout). Goal: ganzoo's FID <= the plain
loop's in every row. ``--quick`` is a smoke run (200 steps, 1,000 samples).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

ROWS = {"dcgan": ("dcgan", "nonsat"), "vanilla": ("vanilla", "nonsat"), "vae": ("vae", "elbo")}
SIDE = 28  # every generator is scored at MNIST's own size
Z = 100


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
    """FID, KID and IS of ``samples`` images against as many MNIST test images."""
    from ganzoo.metrics import EvalSpec, evaluate

    spec = EvalSpec(dataset="mnist", samples=samples, data_dir=data_dir, split="test")
    result = evaluate(sampler, spec)
    return {
        "fid": result["fid"],
        "kid": result["kid_mean"],
        "is": result["inception_score_mean"],
        "extractor": result["extractor"],
    }


# --- ganzoo -----------------------------------------------------------------------------


def ganzoo_run(row: str, data_dir: str, steps: int, batch: int, seed: int, out: Path) -> dict:
    """Train ganzoo's defaults for ``row``; return its samplers (EMA and raw where present)."""
    from ganzoo.runs.loading import load_run_model
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    model, loss = ROWS[row]
    config = TrainConfig(
        model=model, loss=loss, dataset="mnist", data_dir=data_dir, steps=steps,
        batch_size=batch, seed=seed, device="cpu", out=str(out), log_every=500,
        sample_every=10**6,
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


def dcgan_init(m: nn.Module) -> None:
    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def plain_dcgan() -> tuple[nn.Module, nn.Module]:
    """The examples' DCGAN, three stages for 32×32 (ngf = ndf = 64)."""
    ngf = ndf = 64
    g = nn.Sequential(
        nn.ConvTranspose2d(Z, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),
    )  # fmt: skip
    d = nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False), nn.Sigmoid(),
    )  # fmt: skip
    g.apply(dcgan_init)
    d.apply(dcgan_init)
    return nn.Sequential(nn.Unflatten(1, (Z, 1, 1)), g), d


def plain_mlp_gan() -> tuple[nn.Module, nn.Module]:
    """The MLP GAN of most hand-written code: batch norm in G, a sigmoid D."""

    def block(i: int, o: int, bn: bool = True) -> list[nn.Module]:
        return [nn.Linear(i, o), *([nn.BatchNorm1d(o, 0.8)] if bn else []), nn.LeakyReLU(0.2)]

    g = nn.Sequential(
        *block(Z, 128, bn=False), *block(128, 256), *block(256, 512), *block(512, 1024),
        nn.Linear(1024, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)),
    )  # fmt: skip
    d = nn.Sequential(
        nn.Flatten(), nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256),
        nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid(),
    )  # fmt: skip
    return g, d


def plain_gan(row: str, data_dir: str, steps: int, batch: int, seed: int) -> dict:
    """A GAN trained the way the PyTorch examples write it; returns its sampler."""
    torch.manual_seed(seed)
    side = 32 if row == "dcgan" else 28
    g, d = plain_dcgan() if row == "dcgan" else plain_mlp_gan()
    data = batches(mnist_train(data_dir, side), batch, seed)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCELoss()
    ones, zeros = torch.ones(batch), torch.zeros(batch)
    start = time.perf_counter()
    for _ in range(steps):
        real = next(data)
        fake = g(torch.randn(batch, Z))
        opt_d.zero_grad()
        loss_d = bce(d(real).view(-1), ones) + bce(d(fake.detach()).view(-1), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        bce(d(fake).view(-1), ones).backward()
        opt_g.step()
    seconds = time.perf_counter() - start
    g.eval()

    def sample(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        with torch.no_grad():
            return g(torch.randn(n, Z, generator=generator))

    return {"samplers": {"plain loop": At28(sample)}, "seconds": seconds}


class PlainVAE(nn.Module):
    """The PyTorch examples' VAE: 784-400-20, Bernoulli pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


def plain_vae(row: str, data_dir: str, steps: int, batch: int, seed: int) -> dict:
    """The examples' VAE training loop; its samples are the decoder's means."""
    torch.manual_seed(seed)
    model = PlainVAE()
    data = batches((mnist_train(data_dir, 28) + 1) / 2, batch, seed)  # pixels in [0, 1]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    for _ in range(steps):
        x = next(data).view(-1, 784)
        recon, mu, logvar = model(x)
        bce = F.binary_cross_entropy(recon, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        opt.zero_grad()
        (bce + kld).backward()
        opt.step()
    seconds = time.perf_counter() - start

    def sample(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        with torch.no_grad():
            return model.decode(torch.randn(n, 20, generator=generator)).view(n, 1, 28, 28) * 2 - 1

    return {"samplers": {"plain loop": At28(sample)}, "seconds": seconds}


# --- the table --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).parents[2] / "shared" / "data"))
    parser.add_argument("--steps", type=int, default=6500, help="steps of every row")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rows", default="dcgan,vanilla,vae", help="comma-separated")
    parser.add_argument("--quick", action="store_true", help="200 steps, 1,000 samples")
    args, _ = parser.parse_known_args(argv)  # benchmarks/run.py passes its arguments to all
    if args.quick:
        args.steps, args.samples = 200, 1000
    if not (Path(args.data_dir) / "MNIST" / "raw").is_dir():
        print(f"MNIST not found under {args.data_dir}: nothing to measure", file=sys.stderr)
        return {}
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    if unknown := set(rows) - set(ROWS):
        parser.error(f"unknown rows {sorted(unknown)}; valid: {', '.join(ROWS)}")

    torch.set_num_threads(min(2, torch.get_num_threads()))
    figures: dict[str, Any] = {
        "steps": args.steps, "batch_size": args.batch_size, "samples": args.samples,
        "seed": args.seed, "torch": torch.__version__, "rows": [],
    }  # fmt: skip
    floor = score(RealImages(mnist_train(args.data_dir, 28)), args.data_dir, args.samples)
    figures["real_train_vs_test"] = floor
    say(f"extractor {floor['extractor']}; real train vs test: FID {floor['fid']:.2f}")
    say(f"{'row':8} {'loop':14} {'FID':>8} {'KID':>8} {'IS':>6} {'train s':>8}")
    for row in rows:
        with tempfile.TemporaryDirectory() as tmp:
            ours = ganzoo_run(row, args.data_dir, args.steps, args.batch_size, args.seed,
                              Path(tmp) / "run")  # fmt: skip
            plain_fn = plain_vae if row == "vae" else plain_gan
            theirs = plain_fn(row, args.data_dir, args.steps, args.batch_size, args.seed)
            entry: dict[str, Any] = {"row": row, "ema": ours.get("ema"), "loops": {}}
            for part in (ours, theirs):
                for name, sampler in part["samplers"].items():
                    s = score(sampler, args.data_dir, args.samples)
                    s["train_seconds"] = round(part["seconds"], 1)
                    entry["loops"][name] = s
                    say(f"{row:8} {name:14} {s['fid']:8.2f} {s['kid']:8.4f} "
                        f"{s['is'] or math.nan:6.2f} {s['train_seconds']:8.1f}")  # fmt: skip
        entry["fid_ratio"] = entry["loops"]["ganzoo"]["fid"] / entry["loops"]["plain loop"]["fid"]
        say(f"{row:8} ganzoo FID / plain FID = {entry['fid_ratio']:.2f} (goal <= 1)")
        figures["rows"].append(entry)
    print(json.dumps(figures, indent=2))
    return figures


def say(line: str) -> None:
    """A line of the human-readable table (stderr; stdout carries the JSON)."""
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
