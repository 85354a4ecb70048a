"""``check_model``: a registered model against the model contract."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ganzoo.api.data import DataSource
from ganzoo.api.errors import GanzooError, IncompatibleDataError
from ganzoo.host.build import choose_loss, create_loss, create_model, load_dataset
from ganzoo.host.device import seed_everything
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
from ganzoo.training.config import TrainConfig


def check_model(
    name: str,
    dataset: str | DataSource = "digits",
    *,
    loss: str | None = None,
    data_dir: str | Path | None = None,
    options: dict[str, Any] | None = None,
    loss_options: dict[str, Any] | None = None,
    steps: int = 3,
    batch_size: int = 16,
    seed: int = 0,
    devices: Iterable[str] | None = None,
    conditional: bool | None = None,
) -> Report:
    """Check model ``name``, built for ``dataset``, against the contract; return a report.

    Verifies that the model builds as ``ganzoo train`` builds it and keeps its family's
    contract; honours ``latent_dim``; ``sample(n)`` returns float32 ``(n, *shape)`` tensors
    on the model's device, finite, images in ``[-1, 1]``, reproducible from a
    ``torch.Generator``; (adversarial) ``discriminate`` returns one finite logit per sample;
    ``steps`` training steps with ``loss`` (default: the family's own) keep every statistic
    and parameter finite and change the parameters; the same ``seed`` gives bit-identical
    weights and another seed does not; a ``state_dict`` survives ``torch.save`` and
    ``torch.load(weights_only=True)``; and it trains and samples on every device in
    ``devices`` (default: the CPU, and CUDA or MPS where present).

    ``conditional=True`` checks the class-conditional build (``ganzoo train
    --conditional``) the same way, and more: ``num_classes`` is the data's, ``sample(n,
    labels=...)`` honours and needs its labels (other labels, other samples; labels out of
    range refused), labels drawn from the generator are reproducible, D takes labels, and
    the model trains on labelled batches. ``None`` (the default) checks both builds when the
    model registers ``conditional=True`` and the data has labels, else the unconditional one
    and reports the conditional checks as skipped, with the reason.

    :raises ConformanceError: naming the model, its distribution and the broken promise.
    :raises IncompatibleDataError: the model declares it cannot model ``dataset``'s shape.
    """
    c = component("model", name)
    data = dataset if isinstance(dataset, DataSource) else load_dataset(dataset, data_dir)
    settings = _Settings(loss, options, loss_options, steps, batch_size, seed, devices)
    if conditional is None:
        return _check_both_builds(c, data, settings)
    return _check_build(c, data, settings, conditional)


@dataclass(frozen=True)
class _Settings:
    """What ``check_model`` was asked for, passed to each step of it."""

    loss: str | None
    options: dict[str, Any] | None
    loss_options: dict[str, Any] | None
    steps: int
    batch_size: int
    seed: int
    devices: Iterable[str] | None


def _check_both_builds(c: Component, data: DataSource, settings: _Settings) -> Report:
    """The unconditional build; then the conditional one, or why it is skipped."""
    report = _check_build(c, data, settings, conditional=False)
    if not c.record.conditional:
        report.skip(
            "conditional checks: the model is not registered conditional=True, so "
            "ganzoo train --conditional refuses it"
        )
    elif not getattr(data, "labelled", False):
        report.skip(f"conditional checks: dataset {data.info.name!r} has no labels")
    else:
        more = _check_build(c, data, settings, conditional=True)
        report.passed += [f"conditional: {p}" for p in more.passed]
    return report


def _check_build(c: Component, data: DataSource, s: _Settings, conditional: bool) -> Report:
    """Every check of one build (unconditional or conditional) of model ``c``."""
    info = data.info
    if conditional and not getattr(data, "labelled", False):
        raise ConformanceError(f"{who(c)}: dataset {info.name!r} has no labels to condition on")
    report = Report(f"{who(c)} on {info.name} {tuple(info.shape)}")
    options = dict(s.options or {})

    def build(latent_dim: int | None = None) -> Any:
        try:
            return create_model(c.name, info, latent_dim, options, conditional=conditional)
        except IncompatibleDataError:
            raise
        except GanzooError as exc:
            raise ConformanceError(f"{who(c)} could not be built: {exc}") from exc

    seed_everything(s.seed + 1)
    other_init = snapshot(build())
    seed_everything(s.seed)
    model = build()
    report.ok(f"builds and keeps the {c.family} contract")
    expect(
        not same_state(snapshot(model), other_init),
        c,
        f"seeds {s.seed} and {s.seed + 1} built identical weights: does the factory seed its "
        "own RNG? ganzoo seeds torch before it builds (--seed)",
    )
    _check_latent_dim(c, model, build, report)
    _check_sampling(c, model, info, report)
    if conditional:
        _check_labels(c, model, info, report)
    if c.family == "adversarial":
        _check_discriminate(c, model, data, s, conditional, report)
    objective = built(c, lambda: choose_loss(c.name, s.loss))
    trainer = _Trainer(c, build, data, objective, s.loss_options, s.steps, s.batch_size)
    trainer.conditional = conditional
    trained = _check_training(c, trainer, objective, s, report)
    _check_checkpoint(c, trained, build, report)
    _check_devices(c, trainer, info, s, report)
    return report


def _check_discriminate(
    c: Component, model: Any, data: DataSource, s: _Settings, conditional: bool, report: Report
) -> None:
    size = min(s.batch_size, len(data))
    first = torch.Generator().manual_seed(s.seed)
    if conditional:
        real, labels = next(data.epoch_labelled(size, first))
        labels = labels.to(model.device)
    else:
        real, labels = next(data.epoch(size, first)), None
    x = real.to(model.device)  # an unconditional model's discriminate takes x alone
    logits = model.discriminate(x) if labels is None else model.discriminate(x, labels)
    check_tensor(c, "discriminate(x)", logits, (real.shape[0],), dtype=None)
    report.ok("discriminate(x) gives one finite logit per sample")


def _check_training(
    c: Component, trainer: _Trainer, objective: str, s: _Settings, report: Report
) -> torch.nn.Module:
    """Training keeps everything finite; the seed decides the weights, bit for bit."""
    cpu = torch.device("cpu")
    trained = trainer.run(s.seed, cpu)
    report.ok(f"{s.steps} training steps with {objective!r}: statistics and weights finite")
    again = trainer.run(s.seed, cpu)
    expect(
        same_state(snapshot(trained), snapshot(again)),
        c,
        f"two runs with seed {s.seed} gave different weights: use only torch's global RNG "
        "(ganzoo seeds it) or a generator seeded from it",
    )
    other = trainer.run(s.seed + 1, cpu)
    expect(
        not same_state(snapshot(trained), snapshot(other)),
        c,
        f"seeds {s.seed} and {s.seed + 1} trained to identical weights",
    )
    report.ok("same seed, same weights; another seed, other weights")
    return trained


def _check_devices(
    c: Component, trainer: _Trainer, info: Any, s: _Settings, report: Report
) -> None:
    found = available_devices(s.devices)
    for device in found:
        if device.type == "cpu":
            continue
        moved = trainer.run(s.seed, device)
        x = moved.eval().sample(4, generator=torch.Generator().manual_seed(s.seed))
        check_tensor(c, f"sample(4) on {device}", x, (4, *info.shape), device=device)
        report.ok(f"trains and samples on {device}")
    for kind in unavailable_devices(found) if s.devices is None else []:
        report.skip(f"{kind}: not available here")


def _check_latent_dim(c: Any, model: Any, build: Any, report: Report) -> None:
    latent = getattr(model, "latent_dim", None)
    if not isinstance(latent, int):
        report.skip("latent_dim: the model has no latent_dim attribute")
        return
    other = build(latent + 3).latent_dim
    expect(other == latent + 3, c, f"built with latent_dim={latent + 3}, has {other}")
    report.ok("honours latent_dim")


def _check_sampling(c: Any, model: Any, info: Any, report: Report) -> None:
    model.eval()
    for n in (1, 5):
        x = model.sample(n, generator=torch.Generator().manual_seed(0))
        x = check_tensor(c, f"sample({n})", x, (n, *info.shape), device=model.device)
        if info.kind == "image":
            expect(
                bool(x.min() >= -1 - 1e-6 and x.max() <= 1 + 1e-6),
                c,
                f"sample({n}) has values in [{x.min():.3g}, {x.max():.3g}]; images are in [-1, 1]",
            )
    first = model.sample(5, generator=torch.Generator().manual_seed(1))
    second = model.sample(5, generator=torch.Generator().manual_seed(1))
    other = model.sample(5, generator=torch.Generator().manual_seed(2))
    expect(torch.equal(first, second), c, "sample(n, generator) differs for equal generators")
    expect(not torch.equal(first, other), c, "sample(n, generator) ignores the generator")
    model.train()
    check_tensor(c, "sample(5) in train mode", model.sample(5), (5, *info.shape))
    report.ok("sample(n): float32 (n, *shape), finite, in range, reproducible from a generator")


def _check_labels(c: Any, model: Any, info: Any, report: Report) -> None:
    """A conditional model's promises about labels."""
    classes = getattr(model, "num_classes", None)
    expect(
        classes == info.num_classes,
        c,
        f"built for --conditional on data of {info.num_classes} classes, its num_classes is "
        f"{classes!r}",
    )
    model.eval()
    labels = torch.arange(classes)
    n = len(labels)

    def draw(labels: torch.Tensor | None, seed: int = 5) -> torch.Tensor:
        return model.sample(n, generator=torch.Generator().manual_seed(seed), labels=labels)

    x = check_tensor(c, f"sample({n}, labels=...)", draw(labels), (n, *info.shape), model.device)
    if info.kind == "image":
        expect(
            bool(x.min() >= -1 - 1e-6 and x.max() <= 1 + 1e-6),
            c,
            f"sample(n, labels=...) has values in [{x.min():.3g}, {x.max():.3g}]; images are "
            "in [-1, 1]",
        )
    expect(torch.equal(x, draw(labels)), c, "sample(n, generator, labels) is not reproducible")
    expect(
        not torch.equal(x, draw(labels.roll(1))),
        c,
        "sample(n, generator, labels) ignores its labels: other labels gave the same samples",
    )
    expect(
        torch.equal(draw(None), draw(None)) and not torch.equal(draw(None), draw(None, 6)),
        c,
        "sample(n, generator) of a conditional model must draw its labels from the generator",
    )
    for bad in (torch.full((n,), classes), torch.zeros(n + 1, dtype=torch.long)):
        try:
            draw(bad)
        except ValueError:
            continue
        raise ConformanceError(
            f"{who(c)}: sample(n, labels=...) accepted labels {bad.tolist()} (shape "
            f"{tuple(bad.shape)}); labels are a LongTensor (n,) in 0..{classes - 1}, refused "
            "with ValueError otherwise"
        )
    model.train()
    report.ok(
        f"conditional on {classes} classes: sample(n, labels) honours its labels, in range, "
        "reproducible; labels drawn from the generator; bad labels refused"
    )


def _check_checkpoint(c: Any, model: Any, build: Any, report: Report) -> None:
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    try:
        state = torch.load(buffer, weights_only=True)
    except Exception as exc:
        raise ConformanceError(
            f"{who(c)}: its state_dict does not load with weights_only=True: {exc}"
        ) from exc
    fresh = build()
    try:
        fresh.load_state_dict(state)
    except RuntimeError as exc:
        raise ConformanceError(
            f"{who(c)}: its state_dict does not load into a new build: {exc}"
        ) from exc
    model.eval()
    fresh.eval()
    a = model.sample(4, generator=torch.Generator().manual_seed(3))
    b = fresh.sample(4, generator=torch.Generator().manual_seed(3))
    expect(torch.equal(a, b), c, "a new build loaded with its state_dict samples differently")
    report.ok("state_dict round-trips through torch.save / torch.load(weights_only=True)")


class _Trainer:
    """A few steps of the family's real trainer, as ``ganzoo train`` runs them."""

    def __init__(
        self,
        c: Any,
        build: Any,
        data: DataSource,
        objective: str,
        loss_options: dict[str, Any] | None,
        steps: int,
        batch_size: int,
        conditional: bool = False,
    ) -> None:
        self.c, self.build, self.data, self.steps = c, build, data, steps
        self.conditional = conditional
        self.objective, self.loss_options = objective, dict(loss_options or {})
        self.lr = float(c.record.lr or TrainConfig.DEFAULT_LR)
        self.betas = TrainConfig.DEFAULT_BETAS
        self.batch_size = min(batch_size, len(data))

    def run(self, seed: int, device: torch.device) -> torch.nn.Module:
        """Build under ``seed``, train ``steps`` steps on ``device``; return the model."""
        from ganzoo.training.trainer import OptimSettings, make_trainer

        c = self.c
        seed_everything(seed)
        model = self.build().to(device)
        loss = built(c, lambda: create_loss(self.objective, self.loss_options))
        settings = OptimSettings(self.lr, self.betas)
        trainer = built(c, lambda: make_trainer(model, loss, settings, device=device))
        before = snapshot(model)
        batches = _endless(self.data.to(device), self.batch_size, seed, self.conditional)
        for step in range(1, self.steps + 1):
            stats = trainer.step(lambda: next(batches))
            expect(isinstance(stats, dict) and bool(stats), c, "a training step logged nothing")
            for key, value in stats.items():
                check_tensor(c, f"statistic {key!r} at step {step} on {device}", value, (), None)
        finite_parameters(c, model, f"after {self.steps} steps on {device}")
        expect(
            not same_state(before, snapshot(model)),
            c,
            f"{self.steps} training steps left every weight unchanged",
        )
        return model


def _endless(data: DataSource, batch_size: int, seed: int, labelled: bool = False) -> Iterator[Any]:
    """Shuffled batches (``(x, labels)`` if ``labelled``), epoch after epoch, fixed by ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    while True:
        yield from (data.epoch_labelled if labelled else data.epoch)(batch_size, generator)
