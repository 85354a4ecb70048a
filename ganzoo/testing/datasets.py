"""``check_dataset``: a registered dataset against the dataset contract."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch

from ganzoo.api.data import SPLITS, DataInfo
from ganzoo.api.errors import DataError
from ganzoo.host.build import load_dataset
from ganzoo.host.registry import Component
from ganzoo.testing._common import (
    Report,
    available_devices,
    built,
    check_tensor,
    component,
    expect,
    unavailable_devices,
    who,
)

KINDS = ("image", "vector")
MAX_COUNTED_BATCHES = 5000  # count a whole epoch's batches only up to this many


def check_dataset(
    name: str,
    *,
    root: str | Path | None = None,
    options: dict[str, Any] | None = None,
    splits: Iterable[str] = SPLITS,
    batch_size: int = 16,
    seed: int = 0,
    devices: Iterable[str] | None = None,
) -> Report:
    """Check dataset ``name`` (files under ``root``) against the contract; return a report.

    For each split: the factory returns a :class:`ganzoo.api.data.DataSource` whose
    :class:`~ganzoo.api.data.DataInfo` agrees with the registered metadata (``shape``,
    ``kind``, ``num_classes``); it is not empty; an epoch yields ``batches_per_epoch`` full
    float32 batches ``(batch_size, *shape)``, finite, images in ``[-1, 1]``; the order
    follows the ``torch.Generator`` (same seed, same batches, also from a second build);
    a known ``density`` is finite and non-negative; and ``to(device)`` moves the batches to
    every device in ``devices`` (default: the CPU, and CUDA or MPS where present).

    A dataset whose files are missing raises its own :class:`ganzoo.api.errors.DataError`
    (skip the test with its message: it is the machine, not the plugin).

    :raises ConformanceError: naming the dataset, its distribution and the broken promise.
    """
    c = component("dataset", name)
    report = Report(who(c))
    found = available_devices(devices)

    def load(split: str) -> Any:  # missing files are the machine's fault: DataError passes
        return built(
            c, lambda: load_dataset(name, root, split=split, options=options), (DataError,)
        )

    for split in splits:
        _check_split(c, load, split, batch_size, seed, found, report)
    devices_checked = [str(d) for d in found if d.type != "cpu"]
    if devices_checked:
        report.ok(f"batches move to {', '.join(devices_checked)}")
    for kind in unavailable_devices(found) if devices is None else []:
        report.skip(f"{kind}: not available here")
    return report


def _check_split(
    c: Component,
    load: Callable[[str], Any],
    split: str,
    batch_size: int,
    seed: int,
    found: list[torch.device],
    report: Report,
) -> None:
    """Every check of one split: info, batches, epoch length, seeded order, density, devices."""
    source = load(split)
    info = source.info
    _check_info(c, info)
    expect(len(source) >= 1, c, f"split {split!r} is empty")
    size = min(batch_size, len(source))
    batches = _first_batches(source, size, seed)
    for batch in batches:
        _check_batch(c, f"a {split} batch", batch, (size, *info.shape), info, found[0])
    _check_epoch_length(c, source, size, split)
    same = _first_batches(load(split), size, seed)
    expect(
        all(torch.equal(a, b) for a, b in zip(batches, same, strict=True)),
        c,
        f"two builds of split {split!r} gave different batches for the same seed",
    )
    if len(source) >= 2 * size:
        other = _first_batches(source, size, seed + 1)
        expect(
            not all(torch.equal(a, b) for a, b in zip(batches, other, strict=True)),
            c,
            "epoch(batch_size, generator) ignores the generator: every seed, same order",
        )
    _check_density(c, source, batches[0])
    for device in found:
        if device.type != "cpu":
            moved = next(source.to(device).epoch(size, torch.Generator().manual_seed(seed)))
            _check_batch(c, f"a batch on {device}", moved, (size, *info.shape), info, device)
    report.ok(
        f"split {split!r}: {len(source)} samples of {tuple(info.shape)} ({info.kind}), "
        "full float32 batches in range, seeded order, reproducible"
    )


def _check_info(c: Component, info: Any) -> None:
    expect(isinstance(info, DataInfo), c, f"info is a {type(info).__name__}, not a DataInfo")
    shape = info.shape
    expect(
        isinstance(shape, tuple) and all(isinstance(s, int) and s > 0 for s in shape),
        c,
        f"info.shape must be a tuple of positive ints, got {shape!r}",
    )
    expect(info.kind in KINDS, c, f"info.kind must be one of {KINDS}, got {info.kind!r}")
    if info.kind == "image":
        expect(len(shape) == 3, c, f"images are C×H×W, got shape {shape}")
    registered = c.record.shape
    if isinstance(registered, tuple):
        expect(
            tuple(registered) == shape,
            c,
            f"registered with shape={tuple(registered)} but its samples have shape {shape}",
        )
    for key in ("kind", "num_classes"):  # checked where the plugin registered them
        if getattr(c.record, key) is not None:
            expect(
                getattr(c.record, key) == getattr(info, key),
                c,
                f"registered with {key}={getattr(c.record, key)!r} but info.{key} is "
                f"{getattr(info, key)!r}",
            )


def _first_batches(source: Any, size: int, seed: int, n: int = 2) -> list[torch.Tensor]:
    batches = []
    for batch in source.epoch(size, torch.Generator().manual_seed(seed)):
        batches.append(batch)
        if len(batches) == n:
            break
    return batches


def _check_batch(
    c: Component,
    what: str,
    batch: Any,
    shape: tuple[int, ...],
    info: DataInfo,
    device: torch.device,
) -> None:
    batch = check_tensor(c, what, batch, shape, device=device)
    if info.kind == "image":
        low, high = batch.min().item(), batch.max().item()
        expect(
            low >= -1 - 1e-6 and high <= 1 + 1e-6,
            c,
            f"{what} has values in [{low:.3g}, {high:.3g}]; images are in [-1, 1]",
        )


def _check_epoch_length(c: Component, source: Any, size: int, split: str) -> None:
    expected = source.batches_per_epoch(size)
    expect(
        expected == len(source) // size,
        c,
        f"batches_per_epoch({size}) is {expected}, expected len // batch_size",
    )
    if expected > MAX_COUNTED_BATCHES or not hasattr(source, "samples"):
        return  # streamed from disk or very large: counting would read the whole split
    counted = sum(1 for _ in source.epoch(size, torch.Generator().manual_seed(0)))
    expect(
        counted == expected,
        c,
        f"an epoch of split {split!r} yielded {counted} batches, batches_per_epoch says {expected}",
    )


def _check_density(c: Component, source: Any, batch: torch.Tensor) -> None:
    density = source.density(batch)
    if density is None:
        return
    p = check_tensor(c, "density(x)", density, (batch.shape[0],), dtype=None)
    expect(bool((p >= 0).all()), c, "density(x) has negative values")
