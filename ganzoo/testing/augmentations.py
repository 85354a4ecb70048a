"""``check_augmentation``: a registered augmentation of D's inputs against the contract.

What the trainer relies on (:class:`ganzoo.api.augmentations.Augmentation`), tried on a small
batch of random images: the shape, dtype and device stay; every image gets its own draw,
taken from the generator it is handed; image ``i`` of the output depends on image ``i``
alone; autograd's gradient through the transform matches finite differences (G is trained
through it); its state survives ``torch.save``/``torch.load(weights_only=True)`` into a
fresh build; ``observe`` accepts D's logits and ``stats`` returns 0-dim tensors.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import torch

from ganzoo.api.augmentations import Augmentation
from ganzoo.host.registry import Component
from ganzoo.testing._common import (
    ConformanceError,
    Report,
    available_devices,
    built,
    check_tensor,
    component,
    expect,
    unavailable_devices,
    who,
)

BATCH = 8


def check_augmentation(
    name: str,
    *,
    options: dict[str, Any] | None = None,
    channels: int = 3,
    size: int = 16,
    devices: Iterable[str] | None = None,
) -> Report:
    """Check augmentation ``name`` (built with ``options``) on ``channels × size × size``
    images in ``[-1, 1]``.

    An augmentation that leaves every image as it was in its initial state (an adaptive one
    whose probability starts at 0) cannot show its draws: those checks are reported skipped.

    :raises ConformanceError: naming the augmentation, its distribution and the broken promise.
    """
    c = component("augmentation", name)
    report = Report(who(c))
    make = _builder(c, dict(options or {}))
    aug = make()
    report.ok("builds a ganzoo.api.Augmentation")
    found = available_devices(devices)
    for device in found:
        x = _images(channels, size, device)
        check_tensor(c, f"forward on {device.type}", aug.to(device)(x), tuple(x.shape), device)
        report.ok(f"keeps shape, dtype and device on {device.type}")
    for kind in unavailable_devices(found):
        report.skip(f"{kind}: no such device here")
    aug = aug.to("cpu")
    x = _images(channels, size, torch.device("cpu"))
    if torch.equal(aug(x, _seeded(0)), x) and torch.equal(aug(x, _seeded(1)), x):
        report.skip("draws: the augmentation leaves images as they are in its initial state")
    else:
        _check_draws(c, aug, x[:1].expand(BATCH, -1, -1, -1).contiguous())
        report.ok("each image gets its own draw, taken from the generator it is handed")
    _check_per_image(c, aug, x)
    report.ok("image i of the output depends on image i of the input alone")
    _check_gradient(c, aug, channels)
    report.ok("its gradient is the transform's (gradcheck): G trains through it")
    out = aug(x, _seeded(2))
    aug.observe(torch.randn(BATCH))
    check_tensor(c, "forward after observe(real_logits)", aug(x, _seeded(2)), tuple(out.shape))
    stats = aug.stats()
    expect(isinstance(stats, dict), c, f"stats() returned a {type(stats).__name__}, not a dict")
    for key, value in stats.items():
        check_tensor(c, f"stats()[{key!r}]", value, (), dtype=None)
    _check_state(c, aug, make(), x)
    report.ok("observe(real_logits) and stats() work; its state survives a checkpoint")
    return report


def _builder(c: Component, options: dict[str, Any]) -> Any:
    from ganzoo.training.augment import build_augmentations

    def make() -> Augmentation:
        ((_, aug),) = built(c, lambda: build_augmentations([c], options))
        return aug

    return make


def _images(channels: int, size: int, device: torch.device) -> torch.Tensor:
    x = torch.rand(BATCH, channels, size, size, generator=_seeded(123)) * 1.8 - 0.9
    return x.to(device)


def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _check_draws(c: Component, aug: Augmentation, same: torch.Tensor) -> None:
    """Copies of one image: not all alike (a draw per image), alike under an equal seed."""
    first, again = aug(same, _seeded(5)), aug(same, _seeded(5))
    expect(
        torch.equal(first, again),
        c,
        "two calls with equally seeded generators differ: draw from the generator handed "
        "to forward (None: torch's global one)",
    )
    changed = [not torch.equal(o, same[0]) for o in first]
    alike = all(torch.equal(o, first[0]) for o in first)
    expect(
        not (any(changed) and alike),
        c,
        f"all {BATCH} copies of one image came out alike: each image needs its own draw",
    )


def _check_per_image(c: Component, aug: Augmentation, x: torch.Tensor) -> None:
    x = x.clone().requires_grad_(True)
    out = aug(x, _seeded(6))
    expect(out.requires_grad, c, "its output does not require grad: G cannot train through it")
    (grad,) = torch.autograd.grad(out[1].sum(), x, allow_unused=True)
    others = 0.0 if grad is None else float(grad[[0, *range(2, len(x))]].abs().sum())
    expect(
        others == 0.0,
        c,
        "image 1 of the output depends on other images of the batch (batch statistics?): "
        "a per-sample penalty would no longer be per sample",
    )


def _check_gradient(c: Component, aug: Augmentation, channels: int) -> None:
    x = _images(channels, 8, torch.device("cpu"))[:2].double().requires_grad_(True)
    try:
        ok = torch.autograd.gradcheck(
            lambda t: aug(t, _seeded(7)), (x,), eps=1e-6, atol=1e-4, raise_exception=False
        )
    except RuntimeError as exc:  # a transform that cannot run in float64, say
        raise ConformanceError(f"{who(c)}: gradcheck could not run: {exc}") from None
    expect(
        ok,
        c,
        "autograd's gradient through forward differs from finite differences (a .detach(), "
        "NumPy, or an in-place write?)",
    )


def _check_state(c: Component, aug: Augmentation, fresh: Augmentation, x: torch.Tensor) -> None:
    buffer = io.BytesIO()
    torch.save(aug.state_dict(), buffer)
    buffer.seek(0)
    try:
        state = torch.load(buffer, weights_only=True)
        fresh.load_state_dict(state)
    except Exception as exc:
        raise ConformanceError(
            f"{who(c)}: its state_dict does not survive a checkpoint: {exc}"
        ) from None
    expect(
        torch.equal(aug(x, _seeded(8)), fresh(x, _seeded(8))),
        c,
        "a fresh build given its state_dict transforms differently: keep state in buffers",
    )
