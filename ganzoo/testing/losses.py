"""``check_loss``: a registered objective against its family's contract.

For the adversarial family (a pair of functions of D's logits, plus an optional penalty)
the contract defines order, not values: an objective may be negative or unbounded (WGAN),
but D's loss must be lower when D is right than when it is wrong, G's loss must fall as D
scores the fakes higher, both are batch means, pure, and finite even for extreme logits,
and a penalty is a non-negative scalar that reaches D's parameters.

"Pure" is checked in earnest: G's loss must be the same on a fresh copy of the loss (no
``discriminator_loss`` before it), after ``discriminator_loss`` on the step's logits and
after one on other logits. A loss that keeps D's real logits on ``self`` between the two
calls fails here; a ``real_logits`` parameter hands G's loss the real logits instead. Every
loss is called as ganzoo calls it, through :class:`ganzoo.api.losses.BoundLoss`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.api.losses import BoundLoss
from ganzoo.api.models import GAN
from ganzoo.host.build import create_loss
from ganzoo.host.device import seed_everything
from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Component
from ganzoo.testing._common import (
    ConformanceError,
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


def _bind(c: Component, loss: Any) -> BoundLoss:
    try:
        return BoundLoss(loss)
    except (TypeError, ValueError) as exc:
        raise ConformanceError(f"{who(c)}: {exc}") from None


def _check_adversarial(
    c: Component, loss: Any, report: Report, devices: list[torch.device], seed: int
) -> None:
    bound = _bind(c, loss)
    version = f"called as {bound.describe()}"
    _check_no_hidden_state(c, loss, seed)
    report.ok(
        f"{version}: generator_loss depends only on its arguments (no state carried from "
        "discriminator_loss), and discriminator_loss likewise"
    )
    d_right = _value(c, "discriminator_loss (D right)", bound.d(*RIGHT))
    d_wrong = _value(c, "discriminator_loss (D wrong)", bound.d(*WRONG))
    expect(
        d_right < d_wrong,
        c,
        f"D's loss is {d_right:.4g} when D is right (real logits > 0 > fake logits) and "
        f"{d_wrong:.4g} when it is wrong; it must be lower when D is right",
    )
    report.ok("discriminator_loss: lower when D is right than when it is wrong")

    real = RIGHT[0]  # contract 2: D's scores of the real batch, held fixed
    g = [_value(c, f"generator_loss({v})", bound.g(torch.full((8,), v), real)) for v in G_GRID]
    falling = all(b <= a + TOLERANCE for a, b in pairwise(g)) and g[-1] < g[0]
    expect(
        falling,
        c,
        f"G's loss at fake logits {G_GRID} is {[round(v, 4) for v in g]}; it must fall as D "
        "scores the fakes higher",
    )
    logits = torch.linspace(G_GRID[0], G_GRID[-1], 8, requires_grad=True)
    bound.g(logits, real).backward()
    grad = check_tensor(c, "d generator_loss / d fake logits", logits.grad, (8,))
    expect(bool((grad <= TOLERANCE).all() and grad.sum() < 0), c, "G's gradient pushes fakes down")
    report.ok("generator_loss: falls as the fake logits rise")

    _check_pure_means(c, bound, seed)
    report.ok("batch means; inputs untouched; same inputs, same value")
    _check_extremes(c, bound)
    report.ok(f"finite values and gradients for logits of ±{EXTREME:g}")
    _check_penalty(c, loss, report, seed)

    for device in devices:
        if device.type == "cpu":
            continue
        on = [t.to(device) for t in RIGHT]
        there = _value(c, f"discriminator_loss on {device}", bound.d(*on), device)
        expect(abs(there - d_right) <= 1e-4 * max(1.0, abs(d_right)), c, f"differs on {device}")
        _value(c, f"generator_loss on {device}", bound.g(on[1], on[0]), device)
        report.ok(f"same values on {device}")


ADVICE = (
    "a loss must be a pure function of its arguments: nothing it computes in "
    "discriminator_loss may reach generator_loss through self. A generator loss that needs "
    "D's logits on the real batch (a relativistic loss) names a real_logits parameter and "
    "receives them: generator_loss(self, fake_logits, real_logits)"
)


def _check_no_hidden_state(c: Component, loss: Any, seed: int) -> None:
    """G's loss on fixed arguments is the same alone and after any ``discriminator_loss``.

    Each order runs on its own deep copy of the loss, so what one call leaves on ``self``
    can only show up as a difference between the orders.
    """
    g = torch.Generator().manual_seed(seed + 17)
    real_d, fake_d = 2 * torch.randn(8, generator=g) + 1, 2 * torch.randn(8, generator=g) - 1
    real_g, fake_g = torch.randn(8, generator=g) + 2, torch.randn(8, generator=g) - 2
    other = (-3 * real_d, 5 + fake_d)  # a D step on quite different logits
    called = f"; it is called as {_fresh(c, loss).describe()}"

    def g_after(*d_calls: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        bound = _fresh(c, loss)
        for real, fake in d_calls:  # copies: a loss that mutates its input fails elsewhere
            bound.d(real.clone(), fake.clone())
        return bound.g(fake_g.clone(), real_g.clone())

    orders = {
        "on a fresh loss, with no discriminator_loss before it": (),
        "after discriminator_loss on the same step's logits": ((real_d, fake_d),),
        "after discriminator_loss on other logits": ((real_d, fake_d), other),
    }
    values = {
        what: _g_value(c, what, called, lambda d=d: g_after(*d)) for what, d in orders.items()
    }
    first = next(iter(values.values()))
    if any(abs(v - first) > TOLERANCE * max(1.0, abs(first)) for v in values.values()):
        shown = "; ".join(f"{v:.6g} {what}" for what, v in values.items())
        raise ConformanceError(
            f"{who(c)}: generator_loss on the same arguments gave {shown}: it carries state "
            f"from discriminator_loss{called}; {ADVICE}"
        )
    alone = _fresh(c, loss).d(real_d.clone(), fake_d.clone())
    bound = _fresh(c, loss)
    bound.g(fake_g.clone(), real_g.clone())
    bound.d(other[0].clone(), other[1].clone())
    expect(
        torch.allclose(alone, bound.d(real_d.clone(), fake_d.clone()), rtol=1e-6, atol=TOLERANCE),
        c,
        "discriminator_loss on the same arguments changes after other calls: it carries "
        f"state between calls; {ADVICE}",
    )


def _fresh(c: Component, loss: Any) -> BoundLoss:
    """A deep copy of ``loss``, bound: what one call left on ``self`` stays on the copy."""
    try:
        return _bind(c, copy.deepcopy(loss))
    except ConformanceError:
        raise
    except Exception as exc:
        raise ConformanceError(
            f"{who(c)}: the loss object cannot be deep-copied ({type(exc).__name__}: "
            f"{exc}); keep only plain settings on it"
        ) from exc


def _g_value(c: Component, what: str, called: str, compute: Callable[[], Any]) -> float:
    """G's loss computed ``what`` (one order of calls); an exception names the order."""
    try:
        return _value(c, f"generator_loss {what}", compute())
    except ConformanceError:
        raise
    except Exception as exc:
        raise ConformanceError(
            f"{who(c)}: generator_loss raised {type(exc).__name__}: {exc} when called "
            f"{what}{called}; {ADVICE}"
        ) from exc


def _check_pure_means(c: Component, loss: BoundLoss, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    real, fake = torch.randn(6, generator=g) * 2, torch.randn(6, generator=g) * 2
    kept = real.clone(), fake.clone()
    once = loss.d(real, fake)
    twice = loss.d(real, fake)
    doubled = loss.d(torch.cat([real, real]), torch.cat([fake, fake]))
    expect(torch.equal(real, kept[0]) and torch.equal(fake, kept[1]), c, "a loss changed its input")
    expect(torch.equal(once, twice), c, "discriminator_loss gave two values for the same input")
    expect(
        torch.allclose(once, doubled, rtol=1e-5, atol=1e-6),
        c,
        f"discriminator_loss is {once.item():.6g} on a batch and {doubled.item():.6g} on it "
        "twice over: losses must be means over the batch, not sums",
    )
    single = loss.g(fake, real)
    expect(torch.equal(real, kept[0]) and torch.equal(fake, kept[1]), c, "a loss changed its input")
    doubled = loss.g(torch.cat([fake, fake]), torch.cat([real, real]))
    expect(
        torch.allclose(single, doubled, rtol=1e-5, atol=1e-6),
        c,
        "generator_loss is not a mean over the batch",
    )


def _check_extremes(c: Component, loss: BoundLoss) -> None:
    logits = torch.tensor([-EXTREME, EXTREME], requires_grad=True)
    d = loss.d(logits, logits.flip(0))
    _value(c, f"discriminator_loss at ±{EXTREME:g}", d)
    d.backward()
    check_tensor(c, f"gradient of discriminator_loss at ±{EXTREME:g}", logits.grad, (2,))
    logits.grad = None
    g = loss.g(logits, logits.detach().flip(0))
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
