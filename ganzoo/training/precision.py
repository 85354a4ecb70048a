"""Mixed precision: bf16 or fp16 autocast, with a gradient scaler where fp16 needs one."""

from __future__ import annotations

import contextlib
from typing import Any

import torch

MODES = ("none", "bf16", "fp16")


class Precision:
    """Autocast and loss scaling for one device; ``mode="none"`` is plain float32."""

    def __init__(self, mode: str, device: torch.device) -> None:
        if mode not in MODES:
            raise ValueError(f"precision must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode, self.device = mode, device
        self.dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(mode)
        self.scaler = torch.amp.GradScaler(device.type, enabled=mode == "fp16")

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """The forward-pass context: autocast to the reduced dtype, or nothing."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def backward(self, loss: torch.Tensor) -> None:
        """Backward pass of the (scaled, for fp16) loss."""
        self.scaler.scale(loss).backward() if self.scaler.is_enabled() else loss.backward()

    def step(self, optimizer: torch.optim.Optimizer) -> None:
        """Optimizer step (skipped by the scaler when fp16 gradients overflowed)."""
        self.scaler.step(optimizer) if self.scaler.is_enabled() else optimizer.step()

    @property
    def scaled(self) -> bool:
        """Whether gradients carry fp16's loss scale until :meth:`unscale`."""
        return self.scaler.is_enabled()

    def unscale(self, optimizer: torch.optim.Optimizer) -> None:
        """Divide the loss scale out of ``optimizer``'s gradients now (fp16; else nothing).

        For reading true gradient norms; the following :meth:`step` does not unscale again.
        """
        if self.scaler.is_enabled():
            self.scaler.unscale_(optimizer)

    def update(self) -> None:
        """Adjust the loss scale once per training step."""
        if self.scaler.is_enabled():
            self.scaler.update()

    def state_dict(self) -> dict[str, Any]:
        """The scaler's state (saved with every checkpoint)."""
        return self.scaler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the scaler's state."""
        if state:
            self.scaler.load_state_dict(state)
