"""ganzoo's conformance kit: check a registered model, loss, dataset or augmentation against
the contract.

A plugin author runs it in their own test suite, after installing their package::

    from ganzoo.testing import (
        check_augmentation, check_dataset, check_loss, check_model,
    )

    def test_my_model():
        check_model("mygan", dataset="digits")

    def test_my_loss():
        check_loss("myloss")

    def test_my_augmentation():
        check_augmentation("myaug")

Each check builds the component exactly as ``ganzoo train`` does, tries the promises of the
plugin contract (shapes and dtypes, devices, a few training steps without non-finite values,
the properties the kind defines, determinism under a seed) and returns a :class:`Report`
of what it verified. A broken promise raises :class:`ConformanceError`, an
``AssertionError`` whose message names the component, its distribution and what broke, so
pytest shows it as an ordinary failed assertion. Nothing here needs a network or a GPU;
CUDA and MPS are tried where present. This module imports torch.
"""

from ganzoo.testing._common import ConformanceError, Report, available_devices
from ganzoo.testing.augmentations import check_augmentation
from ganzoo.testing.datasets import check_dataset
from ganzoo.testing.losses import check_loss
from ganzoo.testing.models import check_model

__all__ = [
    "ConformanceError",
    "Report",
    "available_devices",
    "check_augmentation",
    "check_dataset",
    "check_loss",
    "check_model",
]
