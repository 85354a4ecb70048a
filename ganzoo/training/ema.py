"""An exponential moving average of the sampling network (a GAN's generator).

Averaging G's weights over the last ~1/(1-decay) steps smooths the oscillation of
adversarial training; sample grids and evaluations then use the average, as StyleGAN,
BigGAN and most GAN codebases do. The average is a frozen copy of the network, updated
with ``torch._foreach_lerp_`` (the arithmetic of ``torch.optim.swa_utils.AveragedModel``
with an EMA function, without its per-call grouping and device read-back, which cost a
tiny model's CPU step 0.45 ms of its 7: benchmarks/bench_first_run.py); buffers
(batch-norm statistics) are copied from the live network each step rather than averaged.
It is saved in checkpoints and restored bit-exact on resume.

The decay warms up: update ``n`` (counting from 0) uses ``min(decay, (1 + n) / (10 + n))``,
TensorFlow's ``ExponentialMovingAverage(num_updates=n)`` rule. Without it a decay of 0.999
keeps the random initialisation in the average for thousands of steps, so a short run's
average lags far behind the live generator (StyleGAN ramps its EMA for the same reason).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn


def warmed_up(decay: float, updates: int) -> float:
    """The decay of update number ``updates`` (from 0): ``min(decay, (1 + n) / (10 + n))``."""
    return min(decay, (1 + updates) / (10 + updates))


class EMA:
    """The moving average of ``model.<network>`` (``network`` from the model's family)."""

    def __init__(self, model: nn.Module, network: str, decay: float) -> None:
        self.model, self.network, self.decay = model, network, decay
        self.average = copy.deepcopy(getattr(model, network)).requires_grad_(False)
        self._updates = 0  # updates so far: the warm-up's n, saved as "n_averaged"
        self._listed: tuple[Any, ...] | None = None  # see _parameters
        self._has_buffers = any(True for _ in self.average.buffers())

    @torch.no_grad()
    def update(self) -> None:
        """Fold the live network's weights into the average (after each optimizer step).

        The first update copies (the average starts as the network after one step), later
        ones compute avg <- d * avg + (1 - d) * live with the warmed-up decay d.
        """
        live = getattr(self.model, self.network)
        mine, theirs = self._parameters(live)
        if self._updates == 0:
            torch._foreach_copy_(mine, theirs)
        else:
            torch._foreach_lerp_(mine, theirs, 1.0 - warmed_up(self.decay, self._updates))
        self._updates += 1
        if self._has_buffers:  # batch-norm statistics are copied, not averaged
            torch._foreach_copy_(list(self.average.buffers()), list(live.buffers()))

    def _parameters(self, live: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        """The average's and ``live``'s parameters, listed once per network.

        Walking both module trees every step cost the README's first run 0.1 ms a step.
        A network keeps its parameter objects for life (``.to()`` and state loads change
        what they hold, not which they are; ``update`` runs without autograd, so they need
        no ``detach``); buffers are replaced by ``.to()``, so they are listed each time.
        """
        if self._listed is None or self._listed[0] is not live:
            self._listed = (live, list(self.average.parameters()), list(live.parameters()))
        return self._listed[1], self._listed[2]

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """Inside the block, ``model.<network>`` is the average (for samples and metrics)."""
        live = getattr(self.model, self.network)
        setattr(self.model, self.network, self.average)
        try:
            yield
        finally:
            setattr(self.model, self.network, live)

    def state_dict(self) -> dict[str, Any]:
        """The averaged weights (loadable into the network itself) and the update count."""
        return {
            "decay": self.decay,
            "network": self.network,
            "weights": self.average.state_dict(),
            "n_averaged": torch.tensor(self._updates, dtype=torch.long),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        self.average.load_state_dict(state["weights"])
        self._updates = int(state["n_averaged"])
