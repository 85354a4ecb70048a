"""The VAE's objective: the negative evidence lower bound (Kingma & Welling 2014).

    -ELBO(x) = E_q(z|x)[-log p(x|z)] + KL(q(z|x) || N(0, I))

with q(z|x) = N(mu, diag(exp(logvar))), one reparameterised sample of z, and the KL term in
closed form:  KL = ½ Σ_j (mu_j² + exp(logvar_j) − 1 − logvar_j).
``beta`` ≠ 1 weighs the KL term (beta-VAE, Higgins et al. 2017). Values are nats per sample,
and what they mean depends on the model's likelihood (see :mod:`ganzoo_vae.likelihoods`):
with ``logistic`` pixels ``recon`` is a negative log-likelihood and ``loss`` an upper bound on
-log p(x); with the default ``bernoulli`` on grey-level pixels both are cross-entropies of a
likelihood that is not normalised for such pixels, and are not NLLs of the data.
"""

from __future__ import annotations

import torch

from ganzoo.api.losses import LikelihoodLoss


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)) per sample, summed over latent dimensions."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)


class ELBO(LikelihoodLoss):
    """Minimise reconstruction term + beta · KL; logs ``recon`` and ``kl`` too."""

    def __init__(self, beta: float = 1.0) -> None:
        if not beta >= 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.beta = float(beta)

    def __call__(self, model: torch.nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        decoded, mu, logvar = model(x)
        recon = model.reconstruction_nll(x, decoded).mean()
        kl = kl_to_standard_normal(mu, logvar).mean()
        return {"loss": recon + self.beta * kl, "recon": recon, "kl": kl}
