"""Names and limits of evaluation options, checked before anything heavy loads (torch-free).

``ganzoo train --help`` and the training config validate these without importing torch.
"""

from __future__ import annotations

from ganzoo.errors import UsageError, unknown_name_message

#: Feature extractors by user-facing name. ``domain`` (a classifier trained on the dataset)
#: works offline; ``inception`` is torch-fidelity's ``inception-v3-compat``, as in papers.
EXTRACTORS: tuple[str, ...] = ("domain", "inception")
DEFAULT_EXTRACTOR = "domain"
SPLITS: tuple[str, ...] = ("test", "train")
#: Fewer samples leave IS splits of one image and KID subsets too small to estimate anything.
MIN_SAMPLES = 10


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
