"""One adversarial training step: k discriminator updates, then one generator update.

The objective is any :class:`ganzoo.api.losses.AdversarialLoss`; this module never knows which.
Statistics stay on the device as tensors (no host sync per step); the loop reads them
only when it logs.

With ``--augment`` D sees every batch through the run's augmentation policy
(:mod:`ganzoo.training.augment`): the real and the generated batch of each D update, and the
generated batch of G's update, through which G's gradient flows.

A model may add an objective of its own (``GAN.auxiliary_loss``, e.g. InfoGAN's mutual
information term): its terms are added to D's loss in each D update and to G's in G's.

During G's update D's weights are frozen: the generator loss back-propagates through D to
G, and no gradient is computed for D's weights (it would be thrown away). Under DDP the
update also runs inside D's ``no_sync``, so only G's gradients are averaged across ranks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.api.losses import AdversarialLoss, BoundLoss
from ganzoo.api.models import GAN
from ganzoo.api.regularisers import Regulariser
from ganzoo.training import health
from ganzoo.training.augment import Policy
from ganzoo.training.precision import Precision
from ganzoo.training.regularise import LossPenalty, total_penalty
from ganzoo.training.trainer import Batch, OptimSettings, adam

STATS = ("d_loss", "g_loss", "d_real", "d_fake", *health.HEALTH_STATS)
AUX_STATS = ("d_aux", "g_aux")  # ACGAN: the auxiliary classifier's cross-entropies


def split_batch(batch: Batch) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(x, labels)`` of a batch that is ``x`` alone or ``(x, labels)``."""
    if isinstance(batch, tuple | list):
        return batch[0], batch[1]
    return batch, None


class _LabelledD(nn.Module):
    """D as a penalty sees it: ``d(x)`` -> logits ``(n,)``, the batch's labels bound."""

    def __init__(self, model: GAN, network: nn.Module, labels: torch.Tensor | None) -> None:
        super().__init__()
        self.model, self.network, self.labels = model, network, labels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.discriminate(x, self.labels, self.network)


class AdversarialTrainer:
    """Alternating updates of D and G with Adam, as in Algorithm 1 of Goodfellow et al.

    The objective is called through :class:`ganzoo.api.losses.BoundLoss`: a contract-2 loss
    also gets D's logits on the real batch in G's update. A conditional model's fakes are
    generated with the real batch's labels, so D compares like with like and a penalty
    sees pairs of the same class.
    """

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
        regularisers: tuple[Regulariser, ...] = (),
        augment: Policy | None = None,
        lr_d: float | None = None,
    ) -> None:
        """``networks``: (G, D) as they run (DDP-wrapped or compiled); default the model's.
        ``regularisers``: D's penalties besides the loss's own (``--reg``).
        ``augment``: what D's inputs go through (``--augment``); default none.
        ``lr_d``: D's learning rate (two time scales, ``--lr-d``); default ``lr``."""
        self.model = model
        self.objective = objective
        self.loss = BoundLoss(objective)
        self.regularisers = (LossPenalty(self.loss), *regularisers)
        self.d_updates = 0  # the step counter of lazy regularisers
        self.augment = augment if augment is not None else Policy()
        self.d_steps = d_steps
        self.precision = precision or Precision("none", model.device)
        self.g_net, self.d_net = networks or (model.generator, model.discriminator)
        self.d_params = [p for p in model.discriminator.parameters() if p.requires_grad]
        self.opt_d = adam(self.d_params, lr if lr_d is None else lr_d, betas)
        self.g_params = list(model.generator.parameters())  # listed once: see health.grad_norm
        self.opt_g = adam(self.g_params, lr, betas)
        self.conditional = getattr(model, "num_classes", None) is not None
        self.aux = getattr(model, "aux_classes", None) is not None
        if self.aux:
            self.stats = STATS + AUX_STATS
        #: the model's own objective (GAN.auxiliary_loss), added to both players' losses
        self.terms = tuple(getattr(model, "auxiliary_terms", ()))
        self.stats += tuple(f"{p}_{t}" for p in "dg" for t in self.terms)

    @property
    def batches_per_step(self) -> int:
        """Real batches consumed by one step (one per discriminator update)."""
        return self.d_steps

    def _d(
        self, x: torch.Tensor, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        logits, classes = self.model.discriminate_all(x, labels, self.d_net)
        return logits.float(), None if classes is None else classes.float()

    def _labels(self, labels: torch.Tensor | None) -> torch.Tensor | None:
        if not self.conditional:
            return None
        if labels is None:
            raise ValueError(
                "a conditional model needs labelled batches (x, labels); this data stream "
                "yields images only"
            )
        return labels

    def _fake(self, n: int, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.model.sample_latent(n)
        return z, self.model.generate(z, labels, self.g_net)

    def _auxiliary(
        self, who: str, z: torch.Tensor, outputs: torch.Tensor | None, stats: dict
    ) -> torch.Tensor:
        """The sum of the model's own terms on a generated batch, each logged as ``who_term``."""
        terms = self.model.auxiliary_loss(z, outputs)
        stats.update({f"{who}_{name}": terms[name].float() for name in self.terms})
        return sum(terms[name] for name in self.terms)

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, torch.Tensor]:
        """Run k D updates and one G update; return detached scalar statistics."""
        model, loss, amp = self.model, self.loss, self.precision
        aux: dict[str, torch.Tensor] = {}
        for _ in range(self.d_steps):
            real, labels = split_batch(next_batch())
            labels = self._labels(labels)
            with torch.no_grad(), amp.autocast():
                z, fake = self._fake(real.shape[0], labels)
            with amp.autocast():
                # one policy call per batch: each image its own draw, D sees only these
                real_seen, fake_seen = self.augment(real), self.augment(fake)
                real_logits, real_classes = self._d(real_seen, labels)
                fake_logits, fake_classes = self._d(fake_seen, labels)
                d_loss = loss.d(real_logits, fake_logits, labels)
                if self.aux:  # ACGAN: D names the class of real and generated samples
                    aux["d_aux"] = F.cross_entropy(real_classes, labels) + F.cross_entropy(
                        fake_classes, labels
                    )
                    d_loss = d_loss + model.aux_weight * aux["d_aux"]
                if self.terms:  # the model's own objective (InfoGAN: Q reads the codes)
                    d_loss = d_loss + self._auxiliary("d", z, fake_classes, aux)
            plain = not (self.conditional or self.aux or self.terms)  # D gives one logit
            critic = self.d_net if plain else None
            critic = critic or _LabelledD(model, self.d_net, labels)
            # penalties see what D saw: R1 at the augmented reals, GP between augmented batches
            penalty = total_penalty(
                self.regularisers, critic, real_seen, fake_seen.float(), self.d_updates
            )
            self.d_updates += 1
            if penalty is not None:
                d_loss = d_loss + penalty
            self.opt_d.zero_grad(set_to_none=True)
            amp.backward(d_loss)
            d_grad = health.grad_norm(self.d_params, amp, self.opt_d)
            amp.step(self.opt_d)
            amp.update()  # fp16: a scaler steps each optimizer once between updates
            self.augment.observe(real_logits.detach())  # an adaptive augmentation's hook

        no_sync = getattr(self.d_net, "no_sync", contextlib.nullcontext)
        with no_sync(), _frozen(self.d_params):
            with amp.autocast():
                z, fake_g = self._fake(real.shape[0], labels)
                fake_g = self.augment(fake_g)  # G learns through it
                fake_logits_g, fake_classes_g = self._d(fake_g, labels)
                real_logits_g = None
                if loss.wants_real:  # contract 2: D's current scores of the real batch it saw
                    with torch.no_grad():
                        real_logits_g = self._d(real_seen, labels)[0]
                g_loss = loss.g(fake_logits_g, real_logits_g, labels)
                if self.aux:  # ACGAN: G makes samples D classifies as their labels
                    aux["g_aux"] = F.cross_entropy(fake_classes_g, labels)
                    g_loss = g_loss + model.aux_weight * aux["g_aux"]
                if self.terms:  # ... and G writes codes Q can read
                    g_loss = g_loss + self._auxiliary("g", z, fake_classes_g, aux)
            self.opt_g.zero_grad(set_to_none=True)
            amp.backward(g_loss)
        g_grad = health.grad_norm(self.g_params, amp, self.opt_g)
        amp.step(self.opt_g)
        amp.update()
        return {
            "d_loss": d_loss.detach(),
            "g_loss": g_loss.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(),
            **{k: v.detach() for k, v in aux.items()},
            **self.augment.stats(),  # an adaptive augmentation's strength (ADA's p)
            **health.adversarial_stats(real_logits, fake_logits, d_grad, g_grad, real, fake),
        }

    def state_dict(self) -> dict[str, Any]:
        """Optimizer and loss-scaler states (the model's weights are saved by the loop)."""
        return {
            "opt_d": self.opt_d.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "scaler": self.precision.state_dict(),
            "d_updates": self.d_updates,
            "augment": self.augment.state_dict(),  # an adaptive augmentation's state
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore optimizer and loss-scaler states."""
        self.opt_d.load_state_dict(state["opt_d"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.precision.load_state_dict(state.get("scaler", {}))
        self.d_updates = int(state.get("d_updates", 0))
        self.augment.load_state_dict(state.get("augment", {}))


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
        model, objective, settings.lr, settings.betas, settings.d_steps, precision, networks,
        tuple(settings.regularisers), settings.augment, settings.lr_d,
    )  # fmt: skip
