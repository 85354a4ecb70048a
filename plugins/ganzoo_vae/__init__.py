"""First-party VAE plugin: the model and its objective, the ELBO.

Registered by import path, so ``ganzoo list`` never imports torch.
"""

from ganzoo.api import hookimpl


@hookimpl
def register_models(register):
    register(
        "vae",
        "ganzoo_vae.vae:build",
        description="Variational autoencoder of Kingma & Welling 2014 (MLP or conv, by data; "
        "-M likelihood=bernoulli|logistic for images).",
        family="likelihood",
        data_kinds=("image", "vector"),
        lr=1e-3,
        paper="Kingma & Welling 2014, https://arxiv.org/abs/1312.6114",
    )


@hookimpl
def register_losses(register):
    register(
        "elbo",
        "ganzoo_vae.elbo:ELBO",
        description="Negative ELBO: reconstruction term + beta · KL(q(z|x) ‖ p(z)), "
        "in nats; an NLL bound only with a normalised likelihood (-M likelihood=logistic).",
        family="likelihood",
        paper="Kingma & Welling 2014, https://arxiv.org/abs/1312.6114",
    )
