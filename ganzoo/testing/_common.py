"""What every conformance check shares: the error, the report, devices, seeded builds."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import torch

from ganzoo.api.errors import GanzooError
from ganzoo.host.plugins import get_registry
from ganzoo.host.registry import Component

T = TypeVar("T")


class ConformanceError(AssertionError):
    """A registered component breaks ganzoo's plugin contract; the message says how.

    An ``AssertionError``, so pytest reports it as a failed test with the message in full.
    """


@dataclass
class Report:
    """What a check verified (``passed``) and what it could not try here (``skipped``)."""

    component: str
    passed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def ok(self, what: str) -> None:
        """Record a passed check."""
        self.passed.append(what)

    def skip(self, what: str) -> None:
        """Record a check that could not run here, and why."""
        self.skipped.append(what)

    def __str__(self) -> str:
        lines = [f"{self.component}: {len(self.passed)} checks passed"]
        lines += [f"  ok    {p}" for p in self.passed]
        lines += [f"  skip  {s}" for s in self.skipped]
        return "\n".join(lines)


def component(kind: str, name: str) -> Component:
    """The registered component, or :class:`ConformanceError` listing what is registered."""
    try:
        return get_registry().get(kind, name)
    except GanzooError as exc:
        raise ConformanceError(f"{exc} (is the plugin installed, and enabled?)") from None


def who(c: Component) -> str:
    """``model 'mygan' (ganzoo-mygan 0.1.0)``: how messages name a component."""
    return f"{c.kind} {c.name!r} ({c.provider})"


def expect(condition: bool, c: Component, message: str) -> None:
    """Raise :class:`ConformanceError` about ``c`` unless ``condition`` holds."""
    if not condition:
        raise ConformanceError(f"{who(c)}: {message}")


def built(c: Component, build: Callable[[], T], keep: tuple[type[Exception], ...] = ()) -> T:
    """``build()``, with ganzoo's build-time errors (but those in ``keep``) as failures."""
    try:
        return build()
    except keep:
        raise
    except GanzooError as exc:
        raise ConformanceError(f"{who(c)} could not be built: {exc}") from exc


def available_devices(devices: Iterable[str] | None = None) -> list[torch.device]:
    """``devices`` as ``torch.device``; by default the CPU plus CUDA and MPS where present."""
    if devices is not None:
        return [torch.device(d) for d in devices]
    found = [torch.device("cpu")]
    if torch.cuda.is_available():
        found.append(torch.device("cuda"))
    if torch.backends.mps.is_available():
        found.append(torch.device("mps"))
    return found


def unavailable_devices(found: list[torch.device]) -> list[str]:
    """The accelerator kinds not among ``found`` (reported as skipped checks)."""
    kinds = {d.type for d in found}
    return [k for k in ("cuda", "mps") if k not in kinds]


def check_tensor(
    c: Component,
    what: str,
    x: Any,
    shape: tuple[int, ...] | None = None,
    device: torch.device | None = None,
    dtype: torch.dtype | None = torch.float32,
) -> torch.Tensor:
    """``x`` is a tensor of ``shape``, ``dtype`` and ``device`` with only finite values."""
    expect(isinstance(x, torch.Tensor), c, f"{what} returned a {type(x).__name__}, not a tensor")
    if shape is not None:
        expect(tuple(x.shape) == shape, c, f"{what} has shape {tuple(x.shape)}, expected {shape}")
    if dtype is not None:
        expect(x.dtype == dtype, c, f"{what} has dtype {x.dtype}, expected {dtype}")
    if device is not None:
        expect(x.device.type == device.type, c, f"{what} is on {x.device}, expected {device}")
    expect(bool(torch.isfinite(x).all()), c, f"{what} has non-finite values (nan or inf)")
    return x


def finite_parameters(c: Component, module: torch.nn.Module, when: str) -> None:
    """Every parameter of ``module`` is finite."""
    for name, p in module.named_parameters():
        expect(bool(torch.isfinite(p).all()), c, f"parameter {name!r} is not finite {when}")


def same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    """Two state dicts with the same keys and bit-identical tensors."""
    return a.keys() == b.keys() and all(torch.equal(a[k].cpu(), b[k].cpu()) for k in a)


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A detached CPU copy of ``module``'s state."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
