"""One adversarial training step: k discriminator updates, then one generator update.

The objective is any :class:`ganzoo.losses.AdversarialLoss`; this module never knows which.
Statistics stay on the device as tensors (no host sync per step); the loop reads them
only when it logs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ganzoo.losses import AdversarialLoss
from ganzoo.models import GAN

STATS = ("d_loss", "g_loss", "d_real", "d_fake")


class AdversarialTrainer:
    """Alternating updates of D and G with Adam, as in Algorithm 1 of Goodfellow et al."""

    stats = STATS

    def __init__(
        self,
        model: GAN,
        objective: AdversarialLoss,
        lr: float,
        betas: tuple[float, float],
        d_steps: int = 1,
    ) -> None:
        self.model = model
        self.objective = objective
        self.d_steps = d_steps
        self.opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=lr, betas=betas)
        self.opt_g = torch.optim.Adam(model.generator.parameters(), lr=lr, betas=betas)

    @property
    def batches_per_step(self) -> int:
        """Real batches consumed by one step (one per discriminator update)."""
        return self.d_steps

    def step(self, next_batch: Callable[[], torch.Tensor]) -> dict[str, torch.Tensor]:
        """Run k D updates and one G update; return detached scalar statistics."""
        model, objective = self.model, self.objective
        for _ in range(self.d_steps):
            real = next_batch()
            with torch.no_grad():
                fake = model.generator(model.sample_latent(real.shape[0]))
            real_logits = model.discriminate(real)
            fake_logits = model.discriminate(fake)
            d_loss = objective.discriminator_loss(real_logits, fake_logits)
            penalty = objective.penalty(model.discriminator, real, fake)
            if penalty is not None:
                d_loss = d_loss + penalty
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self.opt_d.step()

        fake_logits_g = model.discriminate(model.generator(model.sample_latent(real.shape[0])))
        g_loss = objective.generator_loss(fake_logits_g)
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(),
        }

    def state_dict(self) -> dict[str, Any]:
        """Optimizer states (the model's weights are saved by the loop)."""
        return {"opt_d": self.opt_d.state_dict(), "opt_g": self.opt_g.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore optimizer states."""
        self.opt_d.load_state_dict(state["opt_d"])
        self.opt_g.load_state_dict(state["opt_g"])
