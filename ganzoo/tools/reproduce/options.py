"""What ``ganzoo reproduce`` is asked, checked and with its defaults filled in, and the
settings a study's folder records (``study.json``): a command that continues a folder must
give the same ones, so that one report's numbers come from one protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.metrics.spec import EvalSpec, check_extractor_name, check_samples
from ganzoo.tools.reproduce.studies import Study, get_study
from ganzoo.training.config import DEVICES

SETTINGS_FILE = "study.json"
#: the settings that decide what a folder's numbers mean: a command that continues a folder
#: must give the same ones (the device, the data folder and the workers may change, and so
#: may the rows: each row is its own search and re-runs, so a command can add rows later)
SETTINGS_KEYS = ("study", "budget", "seeds", "steps", "datasets", "extractor", "samples", "storage")


@dataclass(frozen=True)
class ReproduceOptions:
    """What ``ganzoo reproduce`` was asked; ``None``: the study's default."""

    study: str
    out: Path | None = None  # None: runs/reproduce-STUDY (the same command continues it)
    budget: int | None = None  # search trials per row; 0: no search, the zoo's defaults
    seeds: int = 3  # re-runs of each row's best setting
    steps: int | None = None  # generator updates (VAE: steps) of every run
    datasets: tuple[str, ...] | None = None
    rows: tuple[str, ...] | None = None  # the study's rows to run; None: every row
    extractor: str = "domain"
    samples: int = 1000
    inception_weights: str | None = None
    data_dir: str | None = None
    download: bool = False
    workers: int = 1
    storage: str | None = None  # an Optuna storage URL; None: sqlite in the folder
    device: str = "auto"

    def resolved(self) -> tuple[Study, ReproduceOptions]:
        """The study and these options with every default filled in, validated."""
        study = self.study_rows()
        options = replace(
            self,
            out=Path(self.out)
            if self.out is not None
            else Path("runs") / f"reproduce-{study.name}",
            budget=study.default_budget if self.budget is None else self.budget,
            steps=study.default_steps if self.steps is None else self.steps,
            datasets=tuple(self.datasets) if self.datasets else study.datasets,
        )
        options.validate()
        return study, options

    def study_rows(self) -> Study:
        """The study, with only the rows ``--rows`` names (:meth:`Study.only`)."""
        return get_study(self.study).only(self.rows)

    def validate(self) -> None:
        """Raise :class:`UsageError` naming the first bad option and its valid values."""
        _int_at_least("--budget", self.budget, 0)
        _int_at_least("--seeds", self.seeds, 2, " (an interval needs two)")
        _int_at_least("--steps", self.steps, 1)
        _int_at_least("--workers", self.workers, 1)
        check_extractor_name(self.extractor)
        check_samples(self.samples)
        if self.storage is not None and "://" not in self.storage:
            raise UsageError(
                f"--storage must be a database URL such as sqlite:///study.db, got {self.storage!r}"
            )
        base = self.device.split(":")[0]
        if base not in DEVICES or (":" in self.device and base != "cuda"):
            raise UsageError(
                f"--device must be one of {', '.join(DEVICES)} (or cuda:N), got {self.device!r}"
            )
        datasets = self.datasets or ()
        if len(set(datasets)) < len(datasets):
            raise UsageError(f"--datasets names a dataset twice: {','.join(datasets)}")

    def settings(self, study: Study) -> dict[str, Any]:
        """What ``study.json`` records (see :data:`SETTINGS_KEYS`)."""
        return {
            "study": study.name,
            "budget": self.budget,
            "seeds": list(seed_list(self.seeds)),
            "steps": self.steps,
            "datasets": list(self.datasets or ()),
            "rows": [row.name for row in study.rows],
            "extractor": self.extractor,
            "samples": self.samples,
            "storage": self.storage,
        }

    @property
    def storage_url(self) -> str:
        """Where the searches are stored: ``--storage``, else ``sqlite:///OUT/study.db``."""
        return self.storage or f"sqlite:///{Path(str(self.out)).resolve() / 'study.db'}"

    def eval_spec(self) -> EvalSpec:
        """How every re-run is measured: one extractor, one sample count, one sampling seed."""
        return EvalSpec(
            samples=self.samples,
            feature_extractor=self.extractor,
            inception_weights=self.inception_weights,
            data_dir=self.data_dir,
            seed=0,
        ).validate()


def _int_at_least(option: str, value: object, low: int, why: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise UsageError(f"{option} must be an integer >= {low}{why}, got {value!r}")


def seed_list(count: int) -> range:
    """The re-runs' seeds: 1..count (the search trains with seed 0)."""
    return range(1, count + 1)
