"""First-party model plugin: the GAN architectures, and DiffAugment's augmentations of D.

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
        # The README's first run: on the 8x8 digits a batch of 128 at twice the rate (the
        # linear scaling rule) gives digits as confident as 64 at 1e-3 in two thirds of the
        # time, seeds 0-2 (benchmarks/bench_first_run.py).
        dataset_settings={"digits": {"batch_size": 128, "lr": 2e-3}},
        paper="Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661",
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
        # A loss registered with per_sample_critic=True (wgan-gp) gets a D without batch
        # norm: layer norm, as in the WGAN-GP reference code (an explicit -M d_norm wins).
        critic_options={"d_norm": "layer"},
        paper="Radford et al. 2015, https://arxiv.org/abs/1511.06434",
    )
    register(
        "sngan",
        "ganzoo_gans.sngan:build",
        description="ResNet GAN with a spectrally normalised D, Miyato et al. 2018 (8-64 px).",
        family="adversarial",
        data_kinds=("image",),
        conditional=True,  # --conditional: conditional BN in G, projection D (Miyato & Koyama)
        # The paper's CIFAR-10 setting (Table 4, hinge loss): the defaults a run takes when
        # --loss, --lr, --betas and --d-steps are not given (recorded in config.json).
        loss="hinge",  # SNGAN's ResNet results use the hinge loss (eq. 16-17)
        lr=2e-4,  # α = 0.0002
        betas=(0.0, 0.9),  # the ResNet runs' Adam, after Gulrajani et al. 2017 (no momentum)
        d_steps=5,  # n_dis = 5 D updates per G update
        dataset_options={"mnist": {"image_size": 32}, "fashion-mnist": {"image_size": 32}},
        paper="Miyato et al. 2018, https://arxiv.org/abs/1802.05957",
    )
    register(
        "infogan",
        "ganzoo_gans.infogan:build",
        description="InfoGAN of Chen et al. 2016: DCGAN with latent codes, a Q head on D's body.",
        family="adversarial",
        data_kinds=("image",),
        lr=1e-3,  # the paper's two rates (its appendix C.1, MNIST): G 1e-3, D 2e-4
        lr_d=2e-4,
        dataset_options={"mnist": {"image_size": 32}, "fashion-mnist": {"image_size": 32}},
        critic_options={"d_norm": "layer"},  # as dcgan: WGAN-GP needs a per-sample critic
        # InfoGAN is the unsupervised answer to a conditional GAN: no labels to condition on
        conditional_refusal="its categorical code c1 plays the label's role, learnt without "
        "labels: choose it with ganzoo sample RUN --code c1=0..9",
        paper="Chen et al. 2016, https://arxiv.org/abs/1606.03657",
    )


DIFFAUGMENT = "Zhao et al. 2020, https://arxiv.org/abs/2006.10738"


@hookimpl
def register_augmentations(register):
    # DiffAugment's policies: --augment color,translation,cutout applies them in that order
    register(
        "color",
        "ganzoo_gans.augment:Color",
        description="Random brightness, saturation and contrast per image (DiffAugment).",
        paper=DIFFAUGMENT,
    )
    register(
        "translation",
        "ganzoo_gans.augment:Translation",
        description="Shift each image by up to 1/8 of its size, zero padded (DiffAugment).",
        paper=DIFFAUGMENT,
    )
    register(
        "cutout",
        "ganzoo_gans.augment:Cutout",
        description="Zero a random square of half the image's size (DiffAugment).",
        paper=DIFFAUGMENT,
    )
