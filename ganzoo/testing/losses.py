"""``check_loss``: a registered objective against its family's contract.

For the adversarial family (a pair of functions of D's logits, plus an optional penalty)
the contract defines order, not values: an objective may be negative or unbounded (WGAN),
but D's loss must be lower when D is right than when it is wrong, G's loss must fall as D
scores the fakes higher, both are batch means, pure, and finite even for extreme logits,
and a penalty is a non-negative scalar that reaches D's parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganzoo.build import create_loss
from ganzoo.data import DataInfo
from ganzoo.device import seed_everything
from ganzoo.models import GAN
from ganzoo.plugins import get_registry
from ganzoo.registry import Component
from ganzoo.testing._common import (
    Report,
    available_devices,
    built,
    check_tensor,
    component,
    expect,
    finite_parameters,
    same_state,
    snapshot,
    unavailable_devices,
    who,
)

RIGHT = (torch.linspace(0.5, 3.0, 8), torch.linspace(-3.0, -0.5, 8))  # real high, fake low
WRONG = (RIGHT[1], RIGHT[0])  # D calls the real batch fake and the fake batch real
G_GRID = (-4.0, -3.0, -2.0, -1.0, -0.5)  # fake logits from "D sure it is fake" upwards
EXTREME = 100.0
TOLERANCE = 1e-6


def check_loss(
    name: str,
    *,
    options: dict[str, Any] | None = None,
    model: str | None = None,
    dataset: str = "digits",
    data_dir: str | Path | None = None,
    steps: int = 5,
    seed: int = 0,
    devices: Iterable[str] | None = None,
) -> Report:
    """Check loss ``name`` (built with ``options``) against its family's contract.

    Adversarial losses are checked in closed form (see the module docstring) and trained
    for ``steps`` steps on a small built-in GAN, twice, to the same weights. With ``model``
    given, or for other families, the loss also trains that registered model (default: the
    first one of its family) on ``dataset`` through :func:`ganzoo.testing.check_model`.

    :raises ConformanceError: naming the loss, its distribution and the broken promise.
    """
    c = component("loss", name)
    loss = built(c, lambda: create_loss(name, dict(options or {})))
    report = Report(who(c))
    report.ok(f"builds and keeps the {c.family} contract")
    found = available_devices(devices)
    if c.family == "adversarial":
        _check_adversarial(c, loss, report, found, seed)
        _check_adversarial_training(c, loss, report, steps, seed)
    if model is None and c.family != "adversarial":
        model = next(
            (m.name for m in get_registry().components("model") if m.family == c.family), None
        )
        if model is None:
            report.skip(f"training: no registered {c.family} model to train")
    if model is not None:
        from ganzoo.testing.models import check_model

        trained = check_model(
            model,
            dataset,
            loss=name,
            loss_options=options,
            data_dir=data_dir,
            steps=steps,
            seed=seed,
            devices=devices,
        )
        report.passed += [f"with model {model!r}: {p}" for p in trained.passed]
    for kind in unavailable_devices(found) if devices is None else []:
        report.skip(f"{kind}: not available here")
    return report


def _value(c: Component, what: str, x: Any, device: torch.device | None = None) -> float:
    return check_tensor(c, what, x, (), device=device).item()


def _check_adversarial(
    c: Component, loss: Any, report: Report, devices: list[torch.device], seed: int
) -> None:
    d_right = _value(c, "discriminator_loss (D right)", loss.discriminator_loss(*RIGHT))
    d_wrong = _value(c, "discriminator_loss (D wrong)", loss.discriminator_loss(*WRONG))
    expect(
        d_right < d_wrong,
        c,
        f"D's loss is {d_right:.4g} when D is right (real logits > 0 > fake logits) and "
        f"{d_wrong:.4g} when it is wrong; it must be lower when D is right",
    )
    report.ok("discriminator_loss: lower when D is right than when it is wrong")

    g = [
        _value(c, f"generator_loss({v})", loss.generator_loss(torch.full((8,), v))) for v in G_GRID
    ]
    falling = all(b <= a + TOLERANCE for a, b in pairwise(g)) and g[-1] < g[0]
    expect(
        falling,
        c,
        f"G's loss at fake logits {G_GRID} is {[round(v, 4) for v in g]}; it must fall as D "
        "scores the fakes higher",
    )
    logits = torch.linspace(G_GRID[0], G_GRID[-1], 8, requires_grad=True)
    loss.generator_loss(logits).backward()
    grad = check_tensor(c, "d generator_loss / d fake logits", logits.grad, (8,))
    expect(bool((grad <= TOLERANCE).all() and grad.sum() < 0), c, "G's gradient pushes fakes down")
    report.ok("generator_loss: falls as the fake logits rise")

    _check_pure_means(c, loss, seed)
    report.ok("batch means; inputs untouched; same inputs, same value")
    _check_extremes(c, loss)
    report.ok(f"finite values and gradients for logits of ±{EXTREME:g}")
    _check_penalty(c, loss, report, seed)

    for device in devices:
        if device.type == "cpu":
            continue
        on = [t.to(device) for t in RIGHT]
        there = _value(c, f"discriminator_loss on {device}", loss.discriminator_loss(*on), device)
        expect(abs(there - d_right) <= 1e-4 * max(1.0, abs(d_right)), c, f"differs on {device}")
        _value(c, f"generator_loss on {device}", loss.generator_loss(on[1]), device)
        report.ok(f"same values on {device}")


def _check_pure_means(c: Component, loss: Any, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    real, fake = torch.randn(6, generator=g) * 2, torch.randn(6, generator=g) * 2
    kept = real.clone(), fake.clone()
    once = loss.discriminator_loss(real, fake)
    twice = loss.discriminator_loss(real, fake)
    doubled = loss.discriminator_loss(torch.cat([real, real]), torch.cat([fake, fake]))
    expect(torch.equal(real, kept[0]) and torch.equal(fake, kept[1]), c, "a loss changed its input")
    expect(torch.equal(once, twice), c, "discriminator_loss gave two values for the same input")
    expect(
        torch.allclose(once, doubled, rtol=1e-5, atol=1e-6),
        c,
        f"discriminator_loss is {once.item():.6g} on a batch and {doubled.item():.6g} on it "
        "twice over: losses must be means over the batch, not sums",
    )
    single = loss.generator_loss(fake)
    doubled = loss.generator_loss(torch.cat([fake, fake]))
    expect(
        torch.allclose(single, doubled, rtol=1e-5, atol=1e-6),
        c,
        "generator_loss is not a mean over the batch",
    )


def _check_extremes(c: Component, loss: Any) -> None:
    logits = torch.tensor([-EXTREME, EXTREME], requires_grad=True)
    d = loss.discriminator_loss(logits, logits.flip(0))
    _value(c, f"discriminator_loss at ±{EXTREME:g}", d)
    d.backward()
    check_tensor(c, f"gradient of discriminator_loss at ±{EXTREME:g}", logits.grad, (2,))
    logits.grad = None
    g = loss.generator_loss(logits)
    _value(c, f"generator_loss at ±{EXTREME:g}", g)
    g.backward()
    check_tensor(c, f"gradient of generator_loss at ±{EXTREME:g}", logits.grad, (2,))


def _check_penalty(c: Component, loss: Any, report: Report, seed: int) -> None:
    cases: list[tuple[tuple[int, ...], Callable[[], nn.Module]]] = [
        ((2,), lambda: nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))),
        (
            (1, 4, 4),
            lambda: nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, 1)),
        ),
    ]
    for shape, make in cases:
        torch.manual_seed(seed)
        critic = make()
        real, fake = torch.randn(6, *shape), torch.randn(6, *shape) + 1
        kept = snapshot(critic)

        def penalty(critic: nn.Module = critic, real=real, fake=fake) -> Any:
            torch.manual_seed(seed + 1)
            return loss.penalty(critic, real, fake)

        first = penalty()
        if first is None:
            report.ok("penalty: none")
            return
        value = _value(c, f"penalty for samples of shape {shape}", first)
        expect(value >= 0, c, f"penalty is {value:.4g}; a penalty is never negative")
        first.backward()
        grads = [p.grad for p in critic.parameters() if p.grad is not None]
        expect(bool(grads), c, "penalty does not reach D's parameters (no gradient)")
        for g in grads:
            check_tensor(c, "gradient of the penalty for D's parameters", g, tuple(g.shape))
        expect(any(bool(g.abs().sum() > 0) for g in grads), c, "penalty's gradient is zero")
        expect(same_state(kept, snapshot(critic)), c, "penalty changed D's parameters")
        expect(torch.equal(first.detach(), penalty().detach()), c, "penalty is not seeded")
    report.ok("penalty: a non-negative scalar with gradients for D, reproducible under a seed")


def _check_adversarial_training(
    c: Component, loss: Any, report: Report, steps: int, seed: int
) -> None:
    first = _train_small_gan(c, loss, steps, seed)
    again = _train_small_gan(c, loss, steps, seed)
    expect(same_state(first, again), c, f"two trainings with seed {seed} gave different weights")
    report.ok(f"{steps} steps of a small GAN (2 D updates each): finite, reproducible")


def _train_small_gan(c: Component, loss: Any, steps: int, seed: int) -> dict[str, torch.Tensor]:
    from ganzoo.training.adversarial import AdversarialTrainer

    seed_everything(seed)
    info = DataInfo("conformance-2d", (2,), "vector")
    generator = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    discriminator = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    model = GAN(generator, discriminator, 2, info)
    trainer = AdversarialTrainer(model, loss, lr=1e-3, betas=(0.5, 0.999), d_steps=2)
    rng = torch.Generator().manual_seed(seed)
    data = 0.5 * torch.randn(512, 2, generator=rng) + 1.0
    before = snapshot(model)
    for step in range(1, steps + 1):
        stats = trainer.step(lambda: data[torch.randint(len(data), (32,), generator=rng)])
        for key, value in stats.items():
            check_tensor(c, f"statistic {key!r} at step {step}", value, ())
    finite_parameters(c, model, f"after {steps} steps")
    expect(not same_state(before, snapshot(model)), c, "training left every weight unchanged")
    return snapshot(model)
