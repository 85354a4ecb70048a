"""First-party loss plugin: the objectives of the original GAN paper, and a zoo beyond it.

Registered by import path, so ``ganzoo list`` never imports torch.
"""

from ganzoo.api import hookimpl


@hookimpl
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
    register(
        "wgan-gp",
        "ganzoo_losses.wasserstein:WassersteinGPLoss",
        description="Wasserstein critic loss with gradient penalty (λ: -L gp_weight=10).",
        family="adversarial",
        # the penalty is per sample: D must score each sample on its own (no batch norm)
        per_sample_critic=True,
        paper="Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028",
    )
    register(
        "hinge",
        "ganzoo_losses.hinge:HingeLoss",
        description="Hinge loss: D max(0, 1 - l(x)) + max(0, 1 + l(G(z))), G -l(G(z)).",
        family="adversarial",
        paper="Lim & Ye 2017, https://arxiv.org/abs/1705.02894",
    )
    register(
        "lsgan",
        "ganzoo_losses.least_squares:LeastSquaresLoss",
        description="Least squares GAN: D regresses scores to labels a/b, G to c (0/1/1).",
        family="adversarial",
        paper="Mao et al. 2017, https://arxiv.org/abs/1611.04076",
    )
    register(
        "rsgan",
        "ganzoo_losses.relativistic:RelativisticLoss",
        description="Relativistic standard GAN: D and G judge C(x_r) - C(x_f).",
        family="adversarial",
        paper="Jolicoeur-Martineau 2018, https://arxiv.org/abs/1807.00734",
    )
    register(
        "ragan",
        "ganzoo_losses.relativistic:RelativisticAverageLoss",
        description="Relativistic average GAN: each score against the other batch's mean.",
        family="adversarial",
        paper="Jolicoeur-Martineau 2018, https://arxiv.org/abs/1807.00734",
    )


@hookimpl
def register_regularisers(register):
    register(
        "r1",
        "ganzoo_losses.penalties:R1",
        description="γ/2 E_real‖∇D(x)‖²: D flat on the data (-R gamma=10, -R every=16: lazy).",
        family="adversarial",
        paper="Mescheder et al. 2018, https://arxiv.org/abs/1801.04406",
    )
    register(
        "r2",
        "ganzoo_losses.penalties:R2",
        description="γ/2 E_fake‖∇D(x)‖²: R1 on generated samples (-R gamma, -R every).",
        family="adversarial",
        paper="Mescheder et al. 2018, https://arxiv.org/abs/1801.04406",
    )
    register(
        "gp",
        "ganzoo_losses.penalties:GradientPenalty",
        description="WGAN-GP's λ E(‖∇D(x̂)‖ - 1)² on interpolates, for any loss (-R weight=10).",
        family="adversarial",
        per_sample_critic=True,  # a per-sample gradient: D must not couple samples
        paper="Gulrajani et al. 2017, https://arxiv.org/abs/1704.00028",
    )
