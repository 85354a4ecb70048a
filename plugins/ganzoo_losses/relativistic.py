"""Relativistic GAN losses, Jolicoeur-Martineau 2018.

"The relativistic discriminator: a key element missing from standard GAN",
https://arxiv.org/abs/1807.00734, eq. (3)-(4) (RSGAN) and (6)-(7) (RaGAN).
With C(x) D's raw output (ganzoo's "logit") and σ the sigmoid, the discriminator estimates
how much more realistic a real sample is than a fake one, not whether a sample is real:

    RSGAN  L_D = E[-log σ(C(x_r) - C(x_f))]        = E[softplus(C(x_f) - C(x_r))]
           L_G = E[-log σ(C(x_f) - C(x_r))]        = E[softplus(C(x_r) - C(x_f))]

    RaGAN  L_D = E_r[softplus(-(C(x_r) - E_f C(x_f)))] + E_f[softplus(C(x_f) - E_r C(x_r))]
           L_G = E_f[softplus(-(C(x_f) - E_r C(x_r)))] + E_r[softplus(C(x_r) - E_f C(x_f))]

G's loss reads D's logits on the real batch too: its signature names ``real_logits``, so
ganzoo calls ``generator_loss(fake_logits, real_logits)`` (D's current scores of the real
batch, without gradient; G's gradient flows through the fake ones). Nothing is remembered between
calls. RSGAN pairs the i-th real sample with the i-th fake one, so both batches have the
same size (ganzoo draws them so); RaGAN compares each sample with the other batch's mean.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganzoo.api.losses import AdversarialLoss


def _paired(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> None:
    if real_logits.shape != fake_logits.shape:
        raise ValueError(
            "RSGAN pairs real and fake samples: logits of shapes "
            f"{tuple(real_logits.shape)} and {tuple(fake_logits.shape)} differ"
        )


class RelativisticLoss(AdversarialLoss):
    """RSGAN: D raises C(x_r) - C(x_f) over pairs; G raises C(x_f) - C(x_r)."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """E[-log σ(C(x_r) - C(x_f))] = E[softplus(C(x_f) - C(x_r))]."""
        _paired(real_logits, fake_logits)
        return F.softplus(fake_logits - real_logits).mean()

    def generator_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor) -> torch.Tensor:
        """E[-log σ(C(x_f) - C(x_r))] = E[softplus(C(x_r) - C(x_f))]."""
        _paired(real_logits, fake_logits)
        return F.softplus(real_logits - fake_logits).mean()


class RelativisticAverageLoss(AdversarialLoss):
    """RaGAN: each sample is judged against the mean score of the other batch."""

    def discriminator_loss(
        self, real_logits: torch.Tensor, fake_logits: torch.Tensor
    ) -> torch.Tensor:
        """E_r[softplus(-(C(x_r) - E_f C))] + E_f[softplus(C(x_f) - E_r C)]."""
        return (
            F.softplus(-(real_logits - fake_logits.mean())).mean()
            + F.softplus(fake_logits - real_logits.mean()).mean()
        )

    def generator_loss(self, fake_logits: torch.Tensor, real_logits: torch.Tensor) -> torch.Tensor:
        """E_f[softplus(-(C(x_f) - E_r C))] + E_r[softplus(C(x_r) - E_f C)]."""
        return (
            F.softplus(-(fake_logits - real_logits.mean())).mean()
            + F.softplus(real_logits - fake_logits.mean()).mean()
        )
