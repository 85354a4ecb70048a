"""One adversarial training step: k discriminator updates, then one generator update.

The objective is any :class:`ganzoo.losses.AdversarialLoss`; this module never knows which.
Statistics stay on the device as tensors (no host sync per step); the loop reads them
only when it logs.

During G's update D's weights are frozen: the generator loss back-propagates through D to
G, and no gradient is computed for D's weights (it would be thrown away). Under DDP the
update also runs inside D's ``no_sync``, so only G's gradients are averaged across ranks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from ganzoo.losses import AdversarialLoss
from ganzoo.models import GAN
from ganzoo.training import health
from ganzoo.training.precision import Precision
from ganzoo.training.trainer import OptimSettings

STATS = ("d_loss", "g_loss", "d_real", "d_fake", *health.HEALTH_STATS)


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
        precision: Precision | None = None,
        networks: tuple[nn.Module, nn.Module] | None = None,
    ) -> None:
        """``networks``: (G, D) as they run (DDP-wrapped or compiled); default the model's."""
        self.model = model
        self.objective = objective
        self.d_steps = d_steps
        self.precision = precision or Precision("none", model.device)
        self.g_net, self.d_net = networks or (model.generator, model.discriminator)
        self.d_params = [p for p in model.discriminator.parameters() if p.requires_grad]
        self.opt_d = torch.optim.Adam(self.d_params, lr=lr, betas=betas)
        self.opt_g = torch.optim.Adam(model.generator.parameters(), lr=lr, betas=betas)

    @property
    def batches_per_step(self) -> int:
        """Real batches consumed by one step (one per discriminator update)."""
        return self.d_steps

    def _d(self, x: torch.Tensor) -> torch.Tensor:
        return self.d_net(x).reshape(-1).float()

    def step(self, next_batch: Callable[[], torch.Tensor]) -> dict[str, torch.Tensor]:
        """Run k D updates and one G update; return detached scalar statistics."""
        model, objective, amp = self.model, self.objective, self.precision
        for _ in range(self.d_steps):
            real = next_batch()
            with torch.no_grad(), amp.autocast():
                fake = self.g_net(model.sample_latent(real.shape[0]))
            with amp.autocast():
                real_logits = self._d(real)
                fake_logits = self._d(fake)
                d_loss = objective.discriminator_loss(real_logits, fake_logits)
            penalty = objective.penalty(self.d_net, real, fake.float())
            if penalty is not None:
                d_loss = d_loss + penalty
            self.opt_d.zero_grad(set_to_none=True)
            amp.backward(d_loss)
            d_grad = health.grad_norm(self.d_params, amp, self.opt_d)
            amp.step(self.opt_d)
            amp.update()  # fp16: a scaler steps each optimizer once between updates

        no_sync = getattr(self.d_net, "no_sync", contextlib.nullcontext)
        with no_sync(), _frozen(self.d_params):
            with amp.autocast():
                fake_logits_g = self._d(self.g_net(model.sample_latent(real.shape[0])))
                g_loss = objective.generator_loss(fake_logits_g)
            self.opt_g.zero_grad(set_to_none=True)
            amp.backward(g_loss)
        g_grad = health.grad_norm(model.generator.parameters(), amp, self.opt_g)
        amp.step(self.opt_g)
        amp.update()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(),
            **health.adversarial_stats(real_logits, fake_logits, d_grad, g_grad, real, fake),
        }

    def state_dict(self) -> dict[str, Any]:
        """Optimizer and loss-scaler states (the model's weights are saved by the loop)."""
        return {
            "opt_d": self.opt_d.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "scaler": self.precision.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore optimizer and loss-scaler states."""
        self.opt_d.load_state_dict(state["opt_d"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.precision.load_state_dict(state.get("scaler", {}))


@contextlib.contextmanager
def _frozen(params: list[nn.Parameter]) -> Iterator[None]:
    """D's weights need no gradient while G learns: skipping it saves a third of D's backward."""
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def make_trainer(
    model: GAN,
    objective: AdversarialLoss,
    settings: OptimSettings,
    precision: Precision,
    wrap: Callable[[nn.Module], nn.Module],
) -> AdversarialTrainer:
    """The adversarial family's :class:`ganzoo.training.trainer.TrainerFactory`."""
    networks = (wrap(model.generator), wrap(model.discriminator))
    return AdversarialTrainer(
        model, objective, settings.lr, settings.betas, settings.d_steps, precision, networks
    )
