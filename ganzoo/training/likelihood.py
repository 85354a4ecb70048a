"""One likelihood training step (VAEs): minimise the objective on a real batch with Adam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ganzoo.api.losses import LikelihoodLoss
from ganzoo.api.models import GenerativeModel
from ganzoo.training.precision import Precision
from ganzoo.training.trainer import OptimSettings, adam


class LikelihoodTrainer:
    """Plain gradient descent on ``objective(model, x)["loss"]``."""

    batches_per_step = 1

    def __init__(
        self,
        model: GenerativeModel,
        objective: LikelihoodLoss,
        lr: float,
        betas: tuple[float, float],
        precision: Precision | None = None,
        network: nn.Module | None = None,
    ) -> None:
        """``network``: the model as it runs (DDP-wrapped or compiled); default the model."""
        self.model = model
        self.objective = objective
        self.precision = precision or Precision("none", model.device)
        self.network = network or model
        self.opt = adam(model.parameters(), lr, betas)

    def step(self, next_batch: Callable[[], torch.Tensor]) -> dict[str, torch.Tensor]:
        """One update; returns the objective's terms, detached."""
        runner = self.model if self.network is self.model else _Running(self.model, self.network)
        with self.precision.autocast():
            terms = self.objective(runner, next_batch())
        self.opt.zero_grad(set_to_none=True)
        self.precision.backward(terms["loss"].float())
        self.precision.step(self.opt)
        self.precision.update()
        return {k: v.detach().float() for k, v in terms.items()}

    def state_dict(self) -> dict[str, Any]:
        """Optimizer and loss-scaler states."""
        return {"opt": self.opt.state_dict(), "scaler": self.precision.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore optimizer and loss-scaler states."""
        self.opt.load_state_dict(state["opt"])
        self.precision.load_state_dict(state.get("scaler", {}))


class _Running:
    """The model as the objective sees it: calls go through the running (wrapped) network,
    attributes (``reconstruction_nll``, ...) come from the model itself."""

    def __init__(self, model: nn.Module, network: nn.Module) -> None:
        self._model, self._network = model, network

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._network(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)


def make_trainer(
    model: GenerativeModel,
    objective: LikelihoodLoss,
    settings: OptimSettings,
    precision: Precision,
    wrap: Callable[[nn.Module], nn.Module],
) -> LikelihoodTrainer:
    """The likelihood family's :class:`ganzoo.training.trainer.TrainerFactory`."""
    return LikelihoodTrainer(model, objective, settings.lr, settings.betas, precision, wrap(model))
