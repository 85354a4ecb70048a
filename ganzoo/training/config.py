"""The configuration of a training run (torch-free): what the user asked, and what it means.

:class:`TrainConfig` is what the user asked for, with ``None`` for "the default".
:func:`check` looks every name up once (:func:`ganzoo.host.resolve.resolve_names`) and
:func:`resolve` fixes every default (loss, learning rate, epochs, total steps, checkpoint
interval, run folder) into a :class:`ResolvedRun` that carries those components and their
:class:`~ganzoo.host.families.Family`, a new object: the caller's config is never changed,
and the defaults live here and in :mod:`ganzoo.training.defaults` (what a model registers)
alone. Every value a run depends on is recorded, so ``config.json`` in the run folder is
enough to reproduce it. Validation messages name the CLI option and the valid range.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.api.errors import UsageError
from ganzoo.host.subset import SubsetRequest
from ganzoo.metrics.spec import (
    DEFAULT_EXTRACTOR,
    DEFAULT_SAMPLES,
    EvalSpec,
    check_extractor_name,
    check_samples,
)
from ganzoo.training.defaults import (
    batch_size,
    discriminator_lr,
    learning_rate,
    optimiser_defaults,
)

if TYPE_CHECKING:
    from ganzoo.host.families import Family
    from ganzoo.host.resolve import Components

DEVICES = ("auto", "cpu", "cuda", "mps")
AMP_MODES = ("auto", "none", "bf16", "fp16")


@dataclass
class TrainConfig:
    """Everything ``ganzoo train`` needs; field names match the CLI options."""

    model: str = "vanilla"
    loss: str | None = None  # None: the model family's default objective
    dataset: str = "digits"
    data_dir: str | None = None
    download: bool = False
    epochs: int | None = None  # None and steps None: the dataset's "epochs", else DEFAULT_EPOCHS
    steps: int | None = None  # generator updates; overrides epochs
    time_budget: float | None = None  # seconds of training; stops early when spent
    batch_size: int | None = None  # None: the model's for the dataset, else DEFAULT_BATCH_SIZE
    lr: float | None = None  # None: the model's recommended lr (meta "lr"), else DEFAULT_LR
    lr_d: float | None = None  # D's lr (two time scales, Heusel et al. 2017); None: lr
    betas: tuple[float, float] | None = None  # None: the model's (meta "betas"), else DEFAULT_BETAS
    latent_dim: int | None = None  # None: the model's default for the data
    d_steps: int | None = None  # D updates per G update (k); None: the model's, else 1
    seed: int = 0
    device: str = "auto"
    # mixed precision: none, bf16 or fp16; auto: bf16 where the device computes it natively
    # (a CPU with AMX) for a model of 500k parameters or more, else none
    # (ganzoo.host.device.choose_amp; config.json records the choice)
    amp: str = "auto"
    compile: bool = False  # torch.compile the networks
    # convolution weights in channels-last (NHWC) memory: 1.16x DCGAN's images/s on a CPU
    # (benchmarks/bench_time_to_quality.py); None: on for a new run, off for a run stored
    # before the option existed (its resume stays bit-exact)
    channels_last: bool | None = None
    sync_bn: bool = False  # SyncBatchNorm across processes (torchrun)
    threads: int | None = None  # CPU intra-op threads; None: by model size and core share
    ema: float | None = None  # decay of G's moving average; 0: none; None: the family's default
    conditional: bool = False  # class-conditional model, trained on the data's labels
    out: str | None = None
    log_every: int = 25
    sample_every: int | None = None  # epochs between sample grids; None: ~MAX_GRIDS per run
    checkpoint_every: int | None = None  # steps; None: each epoch, ~MAX_CHECKPOINTS per run
    keep_checkpoints: int = 3
    eval_every: int | None = None  # steps between IS/FID/KID evaluations; None: none
    eval_samples: int = DEFAULT_SAMPLES  # generated images per evaluation
    feature_extractor: str = DEFAULT_EXTRACTOR  # see ganzoo.metrics.spec.EXTRACTORS
    inception_weights: str | None = None  # local weights for the inception extractor
    tensorboard: bool = False  # scalars and sample grids in RUN/tensorboard (optional package)
    model_options: dict[str, Any] = field(default_factory=dict)
    loss_options: dict[str, Any] = field(default_factory=dict)
    reg: list[str] = field(default_factory=list)  # D's regularisers (--reg r1,r2)
    reg_options: dict[str, Any] = field(default_factory=dict)  # -R gamma=10 -R every=16
    augment: list[str] = field(default_factory=list)  # D's input augmentations, in order
    augment_options: dict[str, Any] = field(default_factory=dict)  # -A shift=0.25
    dataset_options: dict[str, Any] = field(default_factory=dict)
    # train on part of the training split (ganzoo.host.subset): a fraction or a count of
    # images, class-stratified and picked by data_seed (not seed: every seed, same images)
    data_fraction: float | None = None
    data_limit: int | None = None
    data_seed: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.augment, str):  # "color,cutout" from Python: names, not letters
            self.augment = [n.strip() for n in self.augment.split(",") if n.strip()]

    DEFAULT_EPOCHS = 30
    DEFAULT_BATCH_SIZE = 64  # where the model registers none for the dataset
    DEFAULT_LR = 2e-4  # where the model registers no "lr" of its own
    DEFAULT_BETAS = (0.5, 0.999)  # where the model registers no "betas" (DCGAN's Adam)
    DEFAULT_D_STEPS = 1  # where the model registers no "d_steps"
    # A long run on small data has thousands of short epochs: bound the files it leaves.
    MAX_GRIDS = 30
    MAX_CHECKPOINTS = 30

    def validate(self) -> TrainConfig:
        """Raise :class:`UsageError` naming the first bad option and its valid range."""
        if self.batch_size is not None:
            _positive_int("--batch-size", self.batch_size)
        if self.d_steps is not None:
            _positive_int("--d-steps", self.d_steps)
        _positive_int("--log-every", self.log_every)
        _positive_int("--keep-checkpoints", self.keep_checkpoints)
        if self.eval_every is not None:
            _positive_int("--eval-every", self.eval_every)
        check_samples(self.eval_samples, "--eval-samples")
        if self.tensorboard:
            from ganzoo.training.tensorboard import check_available

            check_available()
        check_extractor_name(self.feature_extractor)
        self.subset_request().check()
        for name, value in (
            ("--threads", self.threads),
            ("--epochs", self.epochs),
            ("--steps", self.steps),
            ("--latent-dim", self.latent_dim),
            ("--checkpoint-every", self.checkpoint_every),
            ("--sample-every", self.sample_every),
        ):
            if value is not None:
                _positive_int(name, value)
        if self.time_budget is not None and not (
            isinstance(self.time_budget, int | float) and 0 < self.time_budget < float("inf")
        ):
            raise UsageError(
                f"--time-budget must be a number of seconds > 0, got {self.time_budget}"
            )
        for option, value in (("--lr", self.lr), ("--lr-d", self.lr_d)):
            if value is not None and not (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and 0 < value < float("inf")
            ):
                raise UsageError(f"{option} must be a number > 0, got {value}")
        if self.betas is not None and (
            len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas)
        ):
            raise UsageError(f"--betas must be two numbers in [0, 1), got {tuple(self.betas)}")
        if self.ema is not None and (
            isinstance(self.ema, bool)
            or not (isinstance(self.ema, int | float) and 0 <= self.ema < 1)
        ):
            raise UsageError(f"--ema must be a decay in [0, 1) (0: off), got {self.ema!r}")
        if not isinstance(self.conditional, bool):
            raise UsageError(f"conditional must be true or false, got {self.conditional!r}")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise UsageError(f"--seed must be an integer in [0, 2**63), got {self.seed}")
        if self.amp not in AMP_MODES:
            raise UsageError(f"--amp must be one of {', '.join(AMP_MODES)}, got {self.amp!r}")
        base = self.device.split(":")[0]
        if base not in DEVICES or (":" in self.device and base != "cuda"):
            raise UsageError(
                f"--device must be one of {', '.join(DEVICES)} (or cuda:N), got {self.device!r}"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (stored as the run's ``config.json``)."""
        d = dataclasses.asdict(self)
        d["betas"] = None if self.betas is None else list(self.betas)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Rebuild from :meth:`to_dict` output; unknown keys are a :class:`UsageError`."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise UsageError(f"unknown config keys: {', '.join(unknown)}")
        data = dict(data)
        if data.get("betas") is not None:
            data["betas"] = tuple(data["betas"])
        return cls(**data)

    def subset_request(self) -> SubsetRequest:
        """The training subset asked for (``--data-fraction``/``--data-limit``, ``--data-seed``)."""
        return SubsetRequest(self.data_fraction, self.data_limit, self.data_seed)

    def eval_spec(self) -> EvalSpec:
        """The evaluation of ``--eval-every``: this run's data, extractor and sample count.

        A run on a training subset is also measured for memorisation against those images.
        """
        subset = self.subset_request()
        return EvalSpec(
            dataset=self.dataset,
            samples=self.eval_samples,
            feature_extractor=self.feature_extractor,
            data_dir=self.data_dir,
            inception_weights=self.inception_weights,
            dataset_options=dict(self.dataset_options),
            seed=self.seed,
            train_subset=subset.as_dict() if subset.requested else None,
        )


@dataclass(frozen=True)
class ResolvedRun:
    """A :class:`TrainConfig` with every default fixed: what the run actually does."""

    config: TrainConfig  # loss, lr and out filled in: the record in config.json
    components: Components  # the model, loss and dataset, looked up once
    steps_per_epoch: int
    epochs: int | None  # None: until the time budget is spent
    total_steps: int | None  # generator updates; None: until the time budget is spent
    checkpoint_every: int  # steps

    @property
    def family(self) -> Family:
        """The model's family: its trainer, EMA network and statistics' networks."""
        return self.components.family

    @property
    def out(self) -> Path:
        """The run folder."""
        return Path(str(self.config.out))

    @property
    def title(self) -> str:
        """``model+loss on dataset``, as the progress line shows it."""
        c = self.config
        return f"{c.model}+{c.loss} on {c.dataset}" + (" (conditional)" if c.conditional else "")


def check(config: TrainConfig) -> Components:
    """Validate ``config``'s values and look up its names (once each), before anything loads.

    The names are the model, the loss, the ``--reg`` regularisers, the ``--augment``
    augmentations and the dataset. The returned record is what every later step reads
    (:func:`resolve`, the session): nothing after this looks a name up again.
    """
    from ganzoo.host.resolve import resolve_names

    config.validate()
    components = resolve_names(
        config.model,
        config.loss,
        config.dataset,
        config.conditional,
        tuple(config.reg),
        tuple(config.augment),
    )
    discriminator_lr(config, components, 1.0)  # --lr-d where there is no D: refused here
    return components


def check_options(config: TrainConfig, components: Components | None = None) -> None:
    """Check every ``-M/-L/-D/-R/-A`` option against its component's factory, building nothing.

    Each key must be one the factory takes and each value must fit its annotation, as when
    the run builds them (:func:`ganzoo.host.build.call_factory`); a value the factory itself
    refuses is only found when it is called. Loads the factories' modules (torch).
    """
    from ganzoo.host.build import check_factory_options, share_options

    components = components or check(config)
    check_factory_options(
        components.model,
        components.model_options(config.model_options),
        positional=1,
        fixed=("latent_dim",),
        internal=("num_classes",),
    )
    check_factory_options(components.loss, config.loss_options)
    check_factory_options(
        components.dataset,
        components.dataset_options(config.dataset_options),
        positional=1,
        fixed=("download", "split"),
    )
    for kind, chosen, options, flag, names in (
        ("regulariser", components.regularisers, config.reg_options, "-R", "--reg"),
        ("augmentation", components.augmentations, config.augment_options, "-A", "--augment"),
    ):
        shares = share_options(kind, list(chosen), options, flag, names)
        for component, mine in zip(chosen, shares, strict=True):
            check_factory_options(component, mine)


def resolve(
    config: TrainConfig,
    steps_per_epoch: int,
    model_defaults: bool = True,
    components: Components | None = None,
) -> ResolvedRun:
    """Fix every default of ``config`` for data of ``steps_per_epoch`` steps per epoch.

    ``model_defaults=False`` keeps ``config.dataset_options`` as they are: a resumed run's
    stored config is resolved already, and a model's defaults may have changed since.
    ``components`` is :func:`check`'s record (checked again if not given).
    """
    components = components or check(config)
    family = components.family
    lr = learning_rate(config, components)
    lr_d = discriminator_lr(config, components, lr, registered=model_defaults)
    betas, d_steps = optimiser_defaults(config, components)
    default_epochs = int(components.dataset.record.epochs or config.DEFAULT_EPOCHS)
    epochs = config.epochs or (None if config.time_budget else default_epochs)
    total = config.steps or (epochs * steps_per_epoch if epochs else None)
    run_epochs = math.ceil(total / steps_per_epoch) if total else None
    sample_every = config.sample_every or (
        max(1, run_epochs // config.MAX_GRIDS) if run_epochs else 1
    )
    checkpoint_every = config.checkpoint_every or (
        max(steps_per_epoch, math.ceil(total / config.MAX_CHECKPOINTS))
        if total
        else steps_per_epoch
    )
    loss = components.loss.name
    name = config.dataset + ("-cond" if config.conditional else "")
    out = config.out or str(default_run_dir(config.model, loss, name))
    options = config.dataset_options
    return ResolvedRun(
        config=dataclasses.replace(
            config,
            loss=loss,
            lr=lr,
            batch_size=batch_size(config, components),
            lr_d=lr_d,
            betas=betas,
            d_steps=d_steps,
            model_options=(
                components.model_options(config.model_options)
                if model_defaults
                else config.model_options
            ),
            ema=config.ema if config.ema is not None else family.default_ema,
            channels_last=(
                config.channels_last if config.channels_last is not None else model_defaults
            ),
            sample_every=sample_every,
            out=out,
            dataset_options=components.dataset_options(options) if model_defaults else options,
        ),
        components=components,
        steps_per_epoch=steps_per_epoch,
        epochs=epochs,
        total_steps=total,
        checkpoint_every=checkpoint_every,
    )


def default_run_dir(model: str, loss: str, dataset: str, root: Path = Path("runs")) -> Path:
    """``runs/<model>-<loss>-<dataset>-<timestamp>``, never an existing folder."""
    from ganzoo.runs.files import timestamped_folder

    return timestamped_folder(root, f"{model}-{loss}-{dataset}")


def _positive_int(option: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{option} must be an integer >= 1, got {value!r}")
