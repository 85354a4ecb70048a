"""Everything a plugin may import: the plugin API, in one place.

A model, loss or dataset plugin imports from here and nowhere else in ganzoo; what is not
reachable from this package is ganzoo's machinery and may change between releases.

    hooks.py     ``hookimpl`` and the ``register_*`` hooks (the whole contract; torch-free)
    records.py   what ``register`` accepts for each kind, typed (an unknown keyword is an error)
    errors.py    the errors a plugin raises for its users (one line, an exit code)
    models.py    ``GenerativeModel``, ``GAN`` and ``AdversarialModel`` (what the trainer calls)
    losses.py    ``AdversarialLoss``, ``LikelihoodLoss`` and how a loss method is called
    regularisers.py  ``Regulariser``: a penalty on D usable with any adversarial loss
    augmentations.py ``Augmentation``: a random, differentiable transform of D's inputs
    data.py      ``DataInfo``, ``DataSource`` and the in-memory/streaming sources
    layers.py    the standard layers an exportable generator is built from (``ScaleShift``)
    codes.py     ``LatentCode``/``CodedModel``: named codes in z (InfoGAN), for ``sample --code``
    paths.py     where datasets are looked for by default

Importing this package is cheap (no torch): the torch-backed names load on first use.

    from ganzoo.api import hookimpl, GAN, AdversarialLoss, DataInfo
"""

from __future__ import annotations

import importlib
from typing import Any

from ganzoo.api.errors import (
    DataError,
    GanzooError,
    IncompatibleDataError,
    PluginError,
    UnknownNameError,
    UsageError,
)
from ganzoo.api.hooks import CONTRACT_VERSION, Register, hookimpl, hookspec
from ganzoo.api.paths import cache_dir, default_data_dir
from ganzoo.api.records import (
    AugmentationRecord,
    DatasetRecord,
    LossRecord,
    ModelRecord,
    RegulariserRecord,
)

#: torch-backed names -> the module that defines them (imported on first use)
_LAZY: dict[str, str] = {
    "GenerativeModel": "ganzoo.api.models",
    "GAN": "ganzoo.api.models",
    "AdversarialModel": "ganzoo.api.models",
    "AdversarialLoss": "ganzoo.api.losses",
    "LikelihoodLoss": "ganzoo.api.losses",
    "BoundLoss": "ganzoo.api.losses",
    "Regulariser": "ganzoo.api.regularisers",
    "Augmentation": "ganzoo.api.augmentations",
    "DataInfo": "ganzoo.api.data",
    "DataSource": "ganzoo.api.data",
    "TensorSource": "ganzoo.api.data",
    "StreamingSource": "ganzoo.api.data",
    "resize_images": "ganzoo.api.data",
    "ScaleShift": "ganzoo.api.layers",
    "LatentCode": "ganzoo.api.codes",
    "CodedModel": "ganzoo.api.codes",
    "set_code": "ganzoo.api.codes",
}

__all__ = [
    "CONTRACT_VERSION",
    "AugmentationRecord",
    "DataError",
    "DatasetRecord",
    "GanzooError",
    "IncompatibleDataError",
    "LossRecord",
    "ModelRecord",
    "PluginError",
    "Register",
    "RegulariserRecord",
    "UnknownNameError",
    "UsageError",
    "cache_dir",
    "default_data_dir",
    "hookimpl",
    "hookspec",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganzoo.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
