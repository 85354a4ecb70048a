"""What a run takes from its model when the user sets nothing (torch-free).

A model registers its paper's training settings (``betas=(0.0, 0.9), d_steps=5`` for SNGAN,
InfoGAN's two learning rates, the image size it trains MNIST at), and may register other
settings for one dataset (``dataset_settings``: the vanilla GAN trains the README's 8×8
digits at batch 128). Each applies only where the user gave no option, in this order: the
user's option, the model's setting for the dataset, the model's own, ganzoo's default;
:func:`ganzoo.training.config.resolve` records the values used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganzoo.api.errors import UsageError

if TYPE_CHECKING:
    from ganzoo.host.resolve import Components
    from ganzoo.training.config import TrainConfig

__all__ = [
    "batch_size", "dataset_options", "discriminator_lr", "learning_rate", "model_setting",
    "optimiser_defaults",
]  # fmt: skip


def _check(config: TrainConfig) -> Components:
    """:func:`ganzoo.training.config.check` (imported here: config imports this module)."""
    from ganzoo.training.config import check

    return check(config)


def dataset_options(config: TrainConfig, components: Components | None = None) -> dict[str, Any]:
    """The dataset options of the run: the model's defaults for this dataset, then the user's.

    A model may register the data options the field trains it with on a dataset
    (``dataset_options={"mnist": {"image_size": 32}}``); an explicit ``-D`` always wins.
    ``components`` (from :func:`check`) saves looking the names up again.
    """
    components = components or _check(config)
    return components.dataset_options(config.dataset_options)


def model_setting(config: TrainConfig, components: Components, name: str) -> Any:
    """The model's training setting ``name`` for ``config``'s dataset: its
    ``dataset_settings`` entry for the dataset, else its own registered value (``None``:
    neither; ganzoo's default then applies)."""
    record = components.model.record
    for_dataset = record.dataset_settings.get(config.dataset, {})  # type: ignore[union-attr]
    if name in for_dataset:
        return for_dataset[name]
    return getattr(record, name, None)


def _given_or_model(config: TrainConfig, components: Components, name: str) -> Any:
    """The user's option ``name``, else the model's setting for the dataset (or ``None``)."""
    given = getattr(config, name)
    return given if given is not None else model_setting(config, components, name)


def learning_rate(config: TrainConfig, components: Components) -> float:
    """G's learning rate (and D's, unless it has its own): ``--lr``, else the model's."""
    return float(_given_or_model(config, components, "lr") or config.DEFAULT_LR)


def batch_size(config: TrainConfig, components: Components | None = None) -> int:
    """The batch size of each process: ``--batch-size``, else the model's for the dataset,
    else :attr:`TrainConfig.DEFAULT_BATCH_SIZE` (64)."""
    if config.batch_size is not None:  # no lookup needed
        return int(config.batch_size)
    own = model_setting(config, components or _check(config), "batch_size")
    return int(own or config.DEFAULT_BATCH_SIZE)


def optimiser_defaults(
    config: TrainConfig, components: Components | None = None
) -> tuple[tuple[float, float], int]:
    """Adam's betas and the D updates per G update: the user's, else the model's, else ganzoo's.

    A model registers its paper's settings (``betas=(0.0, 0.9), d_steps=5`` for SNGAN), so
    that ``ganzoo train --model sngan`` trains as the paper did; an explicit option wins.
    ``components`` (from :func:`check`) saves looking the names up again.
    """
    components = components or _check(config)
    betas = _given_or_model(config, components, "betas") or config.DEFAULT_BETAS
    d_steps = _given_or_model(config, components, "d_steps") or config.DEFAULT_D_STEPS
    return (float(betas[0]), float(betas[1])), int(d_steps)


def discriminator_lr(
    config: TrainConfig, components: Components, lr: float, registered: bool = True
) -> float | None:
    """D's learning rate: ``--lr-d``, else the model's registered ``lr_d``, else G's ``lr``
    (one time scale); None for a family without a discriminator, where ``--lr-d`` is refused.
    ``registered=False`` skips the model's: a stored config without ``lr_d`` was trained
    before D had a rate of its own, at ``lr``.

    Two time scales (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule")
    give D its own, usually larger, step size: SAGAN and BigGAN train D at 4e-4, G at 1e-4.
    """
    if "discriminator" not in components.family.model_networks:
        if config.lr_d is not None:
            raise UsageError(
                f"--lr-d sets the discriminator's learning rate; {config.model} "
                f"({components.family.name} family) has no discriminator: use --lr"
            )
        return None
    if config.lr_d is not None:
        return float(config.lr_d)
    own = model_setting(config, components, "lr_d") if registered else None
    return float(own) if own is not None else lr
