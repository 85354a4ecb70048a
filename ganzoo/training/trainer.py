"""The seam between the loop and a model family: the :class:`Trainer` protocol.

The loop calls ``trainer.step(next_batch)`` once per generator update and saves
``trainer.state_dict()`` in checkpoints; it never knows what one step does. Each family
(:mod:`ganzoo.host.families`) names a :class:`TrainerFactory` that builds its trainer from the
model, the objective, the optimiser settings, the precision and the networks as they run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import nn

from ganzoo.host.families import Family, get_family
from ganzoo.training import distributed
from ganzoo.training.distributed import DistEnv
from ganzoo.training.precision import Precision

#: A batch: images alone, or ``(images, labels)`` in a conditional run.
Batch = torch.Tensor | tuple[torch.Tensor, torch.Tensor]
NextBatch = Callable[[], Batch]


class Trainer(Protocol):
    """One family's step logic, with its optimisers."""

    @property
    def batches_per_step(self) -> int:
        """Real batches one step consumes (k for a GAN with ``--d-steps k``)."""
        ...

    def step(self, next_batch: NextBatch) -> dict[str, torch.Tensor]:
        """One update; returns detached scalar statistics, kept on the device."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """Optimiser and loss-scaler states (the loop saves the model's weights)."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        ...


@dataclass(frozen=True)
class OptimSettings:
    """What every trainer's optimiser needs from the run's configuration."""

    lr: float
    betas: tuple[float, float] = (0.5, 0.999)
    d_steps: int = 1  # discriminator updates per generator update (adversarial only)
    regularisers: tuple[Any, ...] = ()  # D's --reg penalties (adversarial only)
    augment: Any = None  # D's --augment policy, a ganzoo.training.augment.Policy (adversarial)
    lr_d: float | None = None  # the discriminator's own lr (adversarial only); None: lr


def adam(params: Any, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    """Adam with the fused kernel where torch has one for the parameters' device.

    One kernel per step instead of a loop of small ones: the for-loop Adam that torch
    uses by default on CPU took about a tenth of the MLP GAN's step (benchmarks/README.md).
    """
    params = list(params)
    fused = bool(params) and params[0].device.type in ("cpu", "cuda", "mps")
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=fused or None)


class TrainerFactory(Protocol):
    """``factory(model, objective, settings, precision, wrap) -> Trainer``.

    ``wrap(module)`` returns the network as it will run (SyncBatchNorm, DDP, compiled);
    the factory wraps the networks its step calls and keeps the model for everything else.
    """

    def __call__(
        self,
        model: Any,
        objective: Any,
        settings: OptimSettings,
        precision: Precision,
        wrap: Callable[[nn.Module], nn.Module],
    ) -> Trainer: ...


def make_trainer(
    model: Any,
    objective: Any,
    settings: OptimSettings,
    *,
    device: torch.device,
    family: Family | None = None,
    amp: str = "none",
    compile: bool = False,
    sync_bn: bool = False,
    env: DistEnv | None = None,
) -> Trainer:
    """The trainer of ``family``, with ``model``'s networks as they will run.

    A training run passes the family it resolved once (``ResolvedRun.family``); a
    caller with a bare model (the conformance kit) leaves it out: the model's own is used.
    """
    env = env or DistEnv()
    precision = Precision(amp, device)

    def wrap(module: nn.Module) -> nn.Module:
        if env.enabled and sync_bn:  # converts children in place: checkpoints keep their keys
            module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
        module = distributed.wrap(module, env, device)
        return torch.compile(module) if compile else module

    family = family if family is not None else get_family(model.family)
    factory: TrainerFactory = family.trainer_factory()
    return factory(model, objective, settings, precision, wrap)
