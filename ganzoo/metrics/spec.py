"""What an evaluation is (:class:`EvalSpec`) and the limits of its options (torch-free).

``ganzoo train --help`` and the training config validate these without importing torch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ganzoo.api.errors import UsageError, unknown_name_message

#: Feature extractors by user-facing name. ``domain`` (a classifier trained on the dataset)
#: works offline; ``inception`` is torch-fidelity's ``inception-v3-compat``, as in papers.
EXTRACTORS: tuple[str, ...] = ("domain", "inception")
DEFAULT_EXTRACTOR = "domain"
SPLITS: tuple[str, ...] = ("test", "train")
#: Fewer samples leave IS splits of one image and KID subsets too small to estimate anything.
MIN_SAMPLES = 10
DEFAULT_SAMPLES = 1000  # generated images per evaluation (the real side: at most as many)
DEFAULT_BATCH_SIZE = 64


def check_extractor_name(name: str) -> str:
    """``name`` if it is a known extractor, else a :class:`UsageError` with suggestions."""
    if name not in EXTRACTORS:
        raise UsageError(unknown_name_message("feature extractor", name, EXTRACTORS))
    return name


def check_samples(samples: object, option: str = "--samples") -> int:
    """``samples`` if it is an integer >= :data:`MIN_SAMPLES`, else a :class:`UsageError`."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < MIN_SAMPLES:
        raise UsageError(f"{option} must be an integer >= {MIN_SAMPLES}, got {samples!r}")
    return samples


def check_split(split: str) -> str:
    """``split`` if it is ``test`` or ``train``."""
    if split not in SPLITS:
        raise UsageError(f"--split must be one of {', '.join(SPLITS)}, got {split!r}")
    return split


@dataclass(frozen=True)
class EvalSpec:
    """What one evaluation measures: which real images, which extractor, how many samples.

    The one description of an evaluation that ``ganzoo eval``, ``compare``, ``--eval-every``
    and the Python API share. ``dataset=None`` means "the run's own" (filled in by
    :func:`ganzoo.metrics.evaluate_run` from the run's config).

    ``train_subset`` is the training subset a run trained on (``data_fraction``,
    ``data_limit``, ``data_seed`` as in ``config.json``; ``None``: the whole training
    split). ``memorisation`` asks for the nearest-neighbour memorisation figure
    (:mod:`ganzoo.metrics.memorisation`) against those training images; ``None`` measures
    it when the run trained on a subset, where memorising is the risk.
    """

    dataset: str | None = None
    samples: int = DEFAULT_SAMPLES
    feature_extractor: str = DEFAULT_EXTRACTOR
    split: str = "test"
    data_dir: str | None = None
    inception_weights: str | None = None
    dataset_options: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int = DEFAULT_BATCH_SIZE
    seed: int = 0
    train_subset: Mapping[str, Any] | None = None
    memorisation: bool | None = None

    @property
    def measures_memorisation(self) -> bool:
        """Whether this evaluation includes the memorisation figure (see the class docstring)."""
        return self.memorisation if self.memorisation is not None else bool(self.train_subset)

    def validate(self, samples_option: str = "--samples") -> EvalSpec:
        """Raise :class:`UsageError` naming the first bad field and its valid values."""
        check_extractor_name(self.feature_extractor)
        check_samples(self.samples, samples_option)
        check_split(self.split)
        if (
            isinstance(self.batch_size, bool)
            or not isinstance(self.batch_size, int)
            or self.batch_size < 1
        ):
            raise UsageError(f"--batch-size must be an integer >= 1, got {self.batch_size!r}")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed < 2**63
        ):
            raise UsageError(f"--seed must be an integer in [0, 2**63), got {self.seed!r}")
        if self.memorisation not in (None, True, False):
            raise UsageError(f"memorisation must be true, false or None, got {self.memorisation!r}")
        return self

    def replace(self, **changes: Any) -> EvalSpec:
        """A copy with ``changes`` (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)
