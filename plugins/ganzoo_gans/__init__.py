"""First-party model plugin: the GAN architectures.

Registered by import path, so ``ganzoo list`` never imports torch.
"""

from ganzoo.api import hookimpl


@hookimpl
def register_models(register):
    register(
        "vanilla",
        "ganzoo_gans.vanilla:build",
        description="MLP GAN of Goodfellow et al. 2014, sized from the data's shape.",
        family="adversarial",
        data_kinds=("image", "vector"),
        conditional=True,  # --conditional: label embeddings concatenated (Mirza & Osindero)
        lr=1e-3,  # small MLPs on small data train best a little faster than DCGAN's 2e-4
        paper="https://arxiv.org/abs/1406.2661",
    )
    register(
        "dcgan",
        "ganzoo_gans.dcgan:build",
        description="Deep convolutional GAN of Radford et al. 2015 (square images, 8 to 64 px).",
        family="adversarial",
        data_kinds=("image",),
        conditional=True,  # --conditional: conditional BN in G, projection D (Miyato & Koyama)
        lr=2e-4,
        # MNIST-like 28 px images give only two stages (7·2²); the PyTorch examples and
        # most CPU-scale DCGAN work resize them to 32 px for the usual three (4·2³).
        dataset_options={"mnist": {"image_size": 32}, "fashion-mnist": {"image_size": 32}},
        paper="https://arxiv.org/abs/1511.06434",
    )
