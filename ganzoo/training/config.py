"""The resolved configuration of a training run (torch-free), with validation.

Every value a run depends on is here, so ``config.json`` in the run folder is enough to
reproduce it. Validation messages name the CLI option and the valid range.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ganzoo.errors import UsageError
from ganzoo.metrics.names import check_extractor_name, check_samples

DEVICES = ("auto", "cpu", "cuda", "mps")
AMP_MODES = ("none", "bf16", "fp16")


@dataclass
class TrainConfig:
    """Everything ``ganzoo train`` needs; field names match the CLI options."""

    model: str = "vanilla"
    loss: str | None = None  # None: the model family's default objective
    dataset: str = "digits"
    data_dir: str | None = None
    download: bool = False
    epochs: int | None = None  # None and steps None: DEFAULT_EPOCHS
    steps: int | None = None  # generator updates; overrides epochs
    time_budget: float | None = None  # seconds of training; stops early when spent
    batch_size: int = 64
    lr: float | None = None  # None: the model's recommended lr (meta "lr"), else DEFAULT_LR
    betas: tuple[float, float] = (0.5, 0.999)
    latent_dim: int | None = None  # None: the model's default for the data
    d_steps: int = 1  # discriminator updates per generator update (k in the paper)
    seed: int = 0
    device: str = "auto"
    amp: str = "none"  # mixed precision: none, bf16 or fp16
    compile: bool = False  # torch.compile the networks
    sync_bn: bool = False  # SyncBatchNorm across processes (torchrun)
    out: str | None = None
    log_every: int = 25
    sample_every: int = 1  # epochs between sample grids
    checkpoint_every: int | None = None  # steps; None: once per epoch
    keep_checkpoints: int = 3
    eval_every: int | None = None  # steps between IS/FID/KID evaluations; None: none
    eval_samples: int = 1000  # generated images per evaluation
    feature_extractor: str = "domain"  # see ganzoo.metrics.names.EXTRACTORS
    inception_weights: str | None = None  # local weights for the inception extractor
    model_options: dict[str, Any] = field(default_factory=dict)
    loss_options: dict[str, Any] = field(default_factory=dict)
    dataset_options: dict[str, Any] = field(default_factory=dict)

    DEFAULT_EPOCHS = 30
    DEFAULT_LR = 2e-4
    DEFAULT_LOSS = {"adversarial": "nonsat", "likelihood": "elbo"}  # noqa: RUF012

    def validate(self) -> TrainConfig:
        """Raise :class:`UsageError` naming the first bad option and its valid range."""
        _positive_int("--batch-size", self.batch_size)
        _positive_int("--d-steps", self.d_steps)
        _positive_int("--log-every", self.log_every)
        _positive_int("--sample-every", self.sample_every)
        _positive_int("--keep-checkpoints", self.keep_checkpoints)
        if self.eval_every is not None:
            _positive_int("--eval-every", self.eval_every)
        check_samples(self.eval_samples, "--eval-samples")
        check_extractor_name(self.feature_extractor)
        for name, value in (
            ("--epochs", self.epochs),
            ("--steps", self.steps),
            ("--latent-dim", self.latent_dim),
            ("--checkpoint-every", self.checkpoint_every),
        ):
            if value is not None:
                _positive_int(name, value)
        if self.time_budget is not None and not (
            isinstance(self.time_budget, int | float) and 0 < self.time_budget < float("inf")
        ):
            raise UsageError(
                f"--time-budget must be a number of seconds > 0, got {self.time_budget}"
            )
        if self.lr is not None and not (
            isinstance(self.lr, int | float) and 0 < self.lr < float("inf")
        ):
            raise UsageError(f"--lr must be a number > 0, got {self.lr}")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise UsageError(f"--betas must be two numbers in [0, 1), got {tuple(self.betas)}")
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
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Rebuild from :meth:`to_dict` output; unknown keys are a :class:`UsageError`."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise UsageError(f"unknown config keys: {', '.join(unknown)}")
        data = dict(data)
        if "betas" in data:
            data["betas"] = tuple(data["betas"])
        return cls(**data)


def _positive_int(option: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{option} must be an integer >= 1, got {value!r}")
