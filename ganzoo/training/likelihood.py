"""One likelihood training step (VAEs): minimise the objective on a real batch with Adam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ganzoo.losses import LikelihoodLoss
from ganzoo.models import GenerativeModel


class LikelihoodTrainer:
    """Plain gradient descent on ``objective(model, x)["loss"]``."""

    batches_per_step = 1

    def __init__(
        self,
        model: GenerativeModel,
        objective: LikelihoodLoss,
        lr: float,
        betas: tuple[float, float],
    ) -> None:
        self.model = model
        self.objective = objective
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, betas=betas)

    def step(self, next_batch: Callable[[], torch.Tensor]) -> dict[str, torch.Tensor]:
        """One update; returns the objective's terms, detached."""
        terms = self.objective(self.model, next_batch())
        self.opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self.opt.step()
        return {k: v.detach() for k, v in terms.items()}

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state."""
        return {"opt": self.opt.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the optimizer's state."""
        self.opt.load_state_dict(state["opt"])
