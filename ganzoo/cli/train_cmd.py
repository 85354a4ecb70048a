"""``ganzoo train``: compose a model, a loss and a dataset into a run (torch loads lazily)."""

from __future__ import annotations

import click

from ganzoo.cli.launch import launch_torchrun
from ganzoo.cli.options import parse_key_values, split_names
from ganzoo.cli.registry_help import (
    RegistryHelpOption,
    augmentation_names,
    conditional_model_names,
)
from ganzoo.cli.subset_options import subset_options
from ganzoo.training.config import AMP_MODES, DEVICES, TrainConfig

D = TrainConfig()


RESUMABLE = {"resume", "steps", "epochs", "device", "quiet", "overwrite", "nproc"}


class _EpochsOption(click.Option):
    """``--epochs``, whose help reads the default the digits dataset registers (not a copy)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = epochs_help()
        return super().get_help_record(ctx)


def epochs_help() -> str:
    """The help of ``--epochs``, with the epochs the digits dataset registers (torch-free)."""
    from ganzoo.api.errors import GanzooError
    from ganzoo.host.plugins import get_registry

    try:
        digits = get_registry().get("dataset", "digits").record.epochs
    except GanzooError:
        digits = None
    example = f" ({digits} for digits)" if digits is not None else ""
    return (
        f"Passes over the data [default: the dataset's{example}, else "
        f"{TrainConfig.DEFAULT_EPOCHS}]."
    )


@click.command("train")
@click.option(
    "--resume",
    type=click.Path(file_okay=False),
    default=None,
    help="Continue this run from its newest good checkpoint (--steps/--epochs/--device may vary).",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace the run in --out (deleted only once the new run is checked and built).",
)
@click.option(
    "--time-budget",
    type=float,
    default=None,
    help="Stop after this many seconds of training (runs then differ in length).",
)
@click.option("--model", "-m", default=D.model, show_default=True, help="Model name (ganzoo list).")
@click.option(
    "--loss",
    "-l",
    default=None,
    help="Objective name; default: the model's (hinge for sngan), else its family's "
    "(nonsat for GANs).",
)
@click.option("--dataset", "-d", default=D.dataset, show_default=True, help="Dataset name.")
@click.option(
    "--conditional",
    is_flag=True,
    cls=RegistryHelpOption,
    names=conditional_model_names,
    help="Class-conditional: train on the data's labels, sample given a class "
    "(models registered conditional: {names}).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where dataset files are (default: $GANZOO_DATA_DIR or ~/.cache/ganzoo/data).",
)
@subset_options
@click.option(
    "--download",
    is_flag=True,
    help="Download the dataset if its files are missing (needs internet).",
)
@click.option("--epochs", type=int, default=None, cls=_EpochsOption)
@click.option("--steps", type=int, default=None, help="Generator updates; overrides --epochs.")
@click.option(
    "--batch-size",
    "-b",
    type=int,
    default=None,
    help="Samples per batch and process [default: the model's for the dataset, else "
    f"{TrainConfig.DEFAULT_BATCH_SIZE}].",
)
@click.option(
    "--lr",
    type=float,
    default=None,
    help=f"Adam learning rate [default: the model's, else {TrainConfig.DEFAULT_LR}].",
)
@click.option(
    "--lr-d",
    type=float,
    default=None,
    help="The discriminator's own learning rate: two time scales (TTUR, Heusel et al. 2017; "
    "e.g. --lr 1e-4 --lr-d 4e-4) [default: the model's, else --lr].",
)
@click.option(
    "--betas",
    type=(float, float),
    default=None,
    help="Adam betas [default: the model's, else 0.5 0.999].",
)
@click.option(
    "--latent-dim",
    type=int,
    default=None,
    help="Size of z; default: the model's choice for the data.",
)
@click.option(
    "--d-steps",
    type=int,
    default=None,
    help="Discriminator updates per generator update (k) [default: the model's, else 1].",
)
@click.option("--seed", type=int, default=D.seed, show_default=True)
@click.option(
    "--device", default=D.device, show_default=True, help=f"One of {', '.join(DEVICES)} or cuda:N."
)
@click.option(
    "--amp",
    default=D.amp,
    show_default=True,
    help=f"Mixed precision: {', '.join(AMP_MODES)} (fp16 adds a gradient scaler); auto: bf16 "
    "on a CPU with AMX for models of 500k parameters or more, else none.",
)
@click.option(
    "--threads",
    type=int,
    default=None,
    help="CPU intra-op threads [default: 1 for models under 500k parameters, else this "
    "process's share of the cores].",
)
@click.option(
    "--ema",
    type=float,
    default=D.ema,
    metavar="DECAY",
    help="Decay of the generator's moving average used for samples and metrics (0: none) "
    "[default: 0.999 for GANs, warmed up over the first steps; none for VAEs].",
)
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the networks.")
@click.option(
    "--channels-last/--no-channels-last",
    default=None,
    help="Convolution weights in channels-last (NHWC) memory, faster on CPUs and GPUs; the "
    "same model, other rounding [default: on].",
)
@click.option("--sync-bn", is_flag=True, help="Under torchrun: synchronise batch-norm statistics.")
@click.option(
    "--nproc",
    type=int,
    default=None,
    help="Launch this many processes with torchrun on this machine (DDP).",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(),
    default=None,
    help="Run folder (must not exist or be empty) [default: runs/<model>-<loss>-<dataset>-<time>].",
)
@click.option(
    "--log-every",
    type=int,
    default=D.log_every,
    show_default=True,
    help="Steps between metrics log lines.",
)
@click.option(
    "--sample-every",
    type=int,
    default=D.sample_every,
    help=f"Epochs between sample figures [default: each epoch, at most about "
    f"{TrainConfig.MAX_GRIDS} per run].",
)
@click.option(
    "--checkpoint-every",
    type=int,
    default=None,
    help=f"Steps between checkpoints [default: once per epoch, at most about "
    f"{TrainConfig.MAX_CHECKPOINTS} per run].",
)
@click.option("--keep-checkpoints", type=int, default=D.keep_checkpoints, show_default=True)
@click.option(
    "--eval-every",
    type=int,
    default=None,
    help="Steps between IS/FID/KID evaluations, saved in RUN/eval/ (and one at the end).",
)
@click.option(
    "--eval-samples",
    type=int,
    default=D.eval_samples,
    show_default=True,
    help="Generated images per evaluation.",
)
@click.option(
    "--feature-extractor",
    default=D.feature_extractor,
    show_default=True,
    help="Extractor of the evaluations: domain (offline) or inception (see ganzoo eval).",
)
@click.option(
    "--inception-weights",
    type=click.Path(dir_okay=False),
    default=None,
    help="Local InceptionV3 weights for --feature-extractor inception.",
)
@click.option(
    "--tensorboard/--no-tensorboard",
    default=D.tensorboard,
    show_default=True,
    help="Write losses, D(x), D(G(z)), gradient norms, evaluations and sample grids to "
    "RUN/tensorboard (needs: pip install 'ganzoo[tensorboard]').",
)
@click.option(
    "--model-option",
    "-M",
    "model_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to the model factory (e.g. hidden_dim=512).",
)
@click.option(
    "--loss-option",
    "-L",
    "loss_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to the loss factory.",
)
@click.option(
    "--reg",
    "reg",
    multiple=True,
    metavar="NAME[,NAME]",
    help="Regularisers of D added to any loss: r1, r2, gp (ganzoo list regularisers).",
)
@click.option(
    "--reg-option",
    "-R",
    "reg_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to every --reg that takes it (e.g. gamma=10, every=16 for lazy R1).",
)
@click.option(
    "--augment",
    "augment",
    multiple=True,
    metavar="NAME[,NAME]",
    cls=RegistryHelpOption,
    names=augmentation_names,
    help="Augment D's real and generated images (DiffAugment), applied in the order given; "
    "registered: {names} (ganzoo list augmentations).",
)
@click.option(
    "--augment-option",
    "-A",
    "augment_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to every --augment that takes it (e.g. shift=0.25 for translation).",
)
@click.option(
    "--dataset-option",
    "-D",
    "dataset_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to the dataset factory (e.g. image_size=32).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def train_command(
    ctx: click.Context,
    quiet: bool,
    resume: str | None,
    overwrite: bool,
    compile_: bool,
    nproc: int | None,
    model_options,
    loss_options,
    reg,
    reg_options,
    augment,
    augment_options,
    dataset_options,
    **values,
) -> None:
    """Train a model and leave a run folder: config, metrics, samples, curves, checkpoints.

    \b
    Examples:
      ganzoo train --model vanilla --loss nonsat
      ganzoo train --model vanilla --dataset gaussian1d --steps 2000
      ganzoo train --model vanilla --dataset mnist --data-dir ../shared/data \\
          --epochs 5
      ganzoo train --model dcgan --dataset digits --conditional
      ganzoo train --model dcgan --reg r1 -R gamma=10 -R every=16
      ganzoo train --model dcgan --augment color,translation,cutout
      ganzoo train --model dcgan --dataset mnist --data-fraction 0.01 \\
          --augment color,translation,cutout
      ganzoo train --resume runs/vanilla-nonsat-digits-20260101-120000
    """
    if nproc is not None:
        launch_torchrun(nproc, resume)
    if resume is not None:
        _resume(ctx, resume, quiet, values)
        return
    config = TrainConfig(
        **values,
        compile=compile_,
        model_options=parse_key_values("--model-option", model_options),
        loss_options=parse_key_values("--loss-option", loss_options),
        reg=split_names(reg),
        reg_options=parse_key_values("--reg-option", reg_options),
        augment=split_names(augment),
        augment_options=parse_key_values("--augment-option", augment_options),
        dataset_options=parse_key_values("--dataset-option", dataset_options),
    ).validate()

    from rich.console import Console

    from ganzoo.cli.progress import RichProgress
    from ganzoo.training.loop import train

    console = Console(stderr=True)
    _done(console, train(config, RichProgress(console, bar=not quiet), overwrite=overwrite))


def _resume(ctx: click.Context, resume: str, quiet: bool, values: dict) -> None:
    """``--resume RUN``: only --steps, --epochs and --device may be given beside it."""
    from ganzoo.api.errors import UsageError

    source = click.core.ParameterSource.COMMANDLINE
    extra = [
        p.opts[0]
        for p in ctx.command.params
        if p.name not in RESUMABLE and ctx.get_parameter_source(p.name) == source
    ]
    if extra:
        raise UsageError(
            f"--resume continues a run with its own config; {', '.join(extra)} cannot "
            "change (only --steps, --epochs, --device)"
        )
    from rich.console import Console

    from ganzoo.cli.progress import RichProgress
    from ganzoo.training.loop import resume as resume_run

    console = Console(stderr=True)
    _done(console, resume_run(
        resume, steps=values["steps"], epochs=values["epochs"],
        device=values["device"] if ctx.get_parameter_source("device") == source else None,
        progress=RichProgress(console, bar=not quiet),
    ))  # fmt: skip


def _done(console, result) -> None:
    import os

    if os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 speaks for the job
        return
    stats = "  ".join(f"{k}={v:.4f}" for k, v in result.final.items())
    console.print(
        f"[green]done[/] {result.steps} steps in {result.seconds:.1f}s  {stats}\n"
        f"run folder: [bold]{result.run_dir}[/]",
        soft_wrap=True,
        highlight=False,
    )
