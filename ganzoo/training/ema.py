"""An exponential moving average of the sampling network (a GAN's generator).

Averaging G's weights over the last ~1/(1-decay) steps smooths the oscillation of
adversarial training; sample grids and evaluations then use the average, as StyleGAN,
BigGAN and most GAN codebases do. The average is kept by torch's ``AveragedModel`` with
``get_ema_multi_avg_fn``; buffers (batch-norm statistics) are copied from the live network
each step rather than averaged. It is saved in checkpoints and restored bit-exact on resume.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


class EMA:
    """The moving average of ``model.<network>`` (``network`` from the model's family)."""

    def __init__(self, model: nn.Module, network: str, decay: float) -> None:
        self.model, self.network, self.decay = model, network, decay
        live = getattr(model, network)
        self.average = AveragedModel(live, multi_avg_fn=get_ema_multi_avg_fn(decay))
        self.average.requires_grad_(False)

    @torch.no_grad()
    def update(self) -> None:
        """Fold the live network's weights into the average (after each optimizer step)."""
        live = getattr(self.model, self.network)
        self.average.update_parameters(live)
        for mine, theirs in zip(self.average.module.buffers(), live.buffers(), strict=True):
            mine.copy_(theirs)

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """Inside the block, ``model.<network>`` is the average (for samples and metrics)."""
        live = getattr(self.model, self.network)
        setattr(self.model, self.network, self.average.module)
        try:
            yield
        finally:
            setattr(self.model, self.network, live)

    def state_dict(self) -> dict[str, Any]:
        """The averaged weights (loadable into the network itself) and the update count."""
        return {
            "decay": self.decay,
            "network": self.network,
            "weights": self.average.module.state_dict(),
            "n_averaged": self.average.n_averaged.clone(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        self.average.module.load_state_dict(state["weights"])
        self.average.n_averaged.copy_(state["n_averaged"])
