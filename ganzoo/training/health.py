"""Health of an adversarial run, measured every step at almost no cost and no host sync.

- ``d_acc``: D's accuracy, the share of real logits > 0 and of fake logits < 0 (averaged). Near
  1 for long: D wins and G's gradients vanish; near 0.5: balanced (or both lost).
- ``d_grad_norm`` / ``g_grad_norm``: the L2 norm of each network's gradient before its update
  (unscaled under fp16; a step the fp16 scaler skips counts 0). Exploding or vanishing norms
  come before a diverged or stalled run.
- ``g_spread``: the mean pairwise distance of the generated batch over that of the real
  batch. About 1 when G is as varied as the data; near 0 when G has collapsed to a few
  images. Below :data:`SPREAD_ALERT` at a log line, the loop raises a mode-collapse alert.

Every value is a 0-d tensor on the training device; the loop stacks and reads them only at
log lines, as it does the losses.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

#: Statistics :func:`adversarial_stats` adds to a step's losses, in order.
HEALTH_STATS = ("d_acc", "d_grad_norm", "g_grad_norm", "g_spread")
#: ``g_spread`` below this at a log line: the generated batches are a fifth as varied as
#: the real ones (measured on digits, vanilla GAN: 0.13 at step 100 while every sample was
#: the same blob, 0.79 at step 600; a constant generator scores 0). An alert ends only once
#: the spread is back above SPREAD_RECOVERED, so that a value near the line does not flap.
SPREAD_ALERT = 0.2
SPREAD_RECOVERED = 0.3
#: No training-batch alert before this step: every generator starts with alike samples
#: (the README's first run: spread 0.14 at step 100, 0.17 at 200, 0.61 at 400, 0.81 at 500).
ALERT_AFTER_STEPS = 500
SPREAD_ROWS = 32  # images of each batch compared pairwise (32·31/2 distances)


def grad_norm(params: Iterable[torch.nn.Parameter], precision: Any, optimizer: Any) -> torch.Tensor:
    """L2 norm of the gradients of ``params``, unscaled first under fp16 (on the device).

    ``precision.unscale(optimizer)`` divides fp16's loss scale out in place; the scaler's
    ``step`` then does not unscale again, so the update is unchanged.
    """
    precision.unscale(optimizer)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)).float())
    if precision.scaled:  # an overflowed fp16 step is skipped, not a divergence
        norm = torch.where(torch.isfinite(norm), norm, torch.zeros_like(norm))
    return norm


def spread(x: torch.Tensor) -> torch.Tensor:
    """Mean pairwise Euclidean distance of the first :data:`SPREAD_ROWS` rows of a batch."""
    flat = x[:SPREAD_ROWS].detach().float().reshape(min(len(x), SPREAD_ROWS), -1)
    if len(flat) < 2:
        return torch.ones((), device=x.device)
    return torch.pdist(flat).mean()


def adversarial_stats(
    real_logits: torch.Tensor,
    fake_logits: torch.Tensor,
    d_grad_norm: torch.Tensor,
    g_grad_norm: torch.Tensor,
    real: torch.Tensor,
    fake: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """The health statistics of one step (see the module docstring)."""
    d_acc = 0.5 * ((real_logits > 0).float().mean() + (fake_logits < 0).float().mean())
    ratio = spread(fake) / spread(real).clamp_min(1e-12)
    return {
        "d_acc": d_acc.detach(),
        "d_grad_norm": d_grad_norm.detach().to(d_acc.device),
        "g_grad_norm": g_grad_norm.detach().to(d_acc.device),
        "g_spread": ratio.detach(),
    }


def collapse_alert(stats: dict[str, float], active: bool = False) -> str | None:
    """A one-line alert if a log line's statistics show a collapsed generator, else ``None``.

    ``active``: an alert is in force, and stays until the spread recovers past
    :data:`SPREAD_RECOVERED`.
    """
    value = stats.get("g_spread")
    if value is None or value >= (SPREAD_RECOVERED if active else SPREAD_ALERT):
        return None
    return (
        f"mode collapse? generated batches are {value:.2f} as varied as real ones "
        f"(g_spread < {SPREAD_ALERT}); see the samples and the evaluation's class histogram"
    )
