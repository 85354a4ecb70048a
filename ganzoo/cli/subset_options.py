"""``--data-fraction``, ``--data-limit`` and ``--data-seed``: the training subset, as one group.

Kept together (and out of ``train_cmd``) because they mean one thing: which fixed subset of
the training split a run sees (:mod:`ganzoo.host.subset` picks it). Torch-free, like
``ganzoo.training.config``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ganzoo.training.config import TrainConfig


def subset_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the three training-subset options to ``command`` (in this order in its help)."""
    options = (
        click.option(
            "--data-fraction",
            type=float,
            default=None,
            metavar="F",
            help="Train on this fraction (0, 1] of the training split: a fixed, class-stratified "
            "subset picked by --data-seed (e.g. 0.01: 600 MNIST images).",
        ),
        click.option(
            "--data-limit",
            type=int,
            default=None,
            metavar="N",
            help="Train on N images of the training split (the same subset, sized by count).",
        ),
        click.option(
            "--data-seed",
            type=int,
            default=TrainConfig().data_seed,
            show_default=True,
            help="Picks the --data-fraction/--data-limit subset; not --seed, so every training "
            "seed of a study sees the same images.",
        ),
    )
    for option in reversed(options):  # click applies the last decorator first
        command = option(command)
    return command
