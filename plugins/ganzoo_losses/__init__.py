"""First-party loss plugin: the objectives of the original GAN paper.

Registered by import path, so ``ganzoo list`` never imports torch.
"""

import ganzoo


@ganzoo.hookimpl
def register_losses(register):
    register(
        "minimax",
        "ganzoo_losses.gan:MinimaxLoss",
        description="Saturating GAN objective: G minimises log(1 - D(G(z))), as in V(D, G).",
        family="adversarial",
        paper="Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661",
    )
    register(
        "nonsat",
        "ganzoo_losses.gan:NonSaturatingLoss",
        description="Non-saturating GAN objective: G maximises log D(G(z)).",
        family="adversarial",
        paper="Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661",
    )
