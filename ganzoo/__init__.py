"""ganzoo: a plugin-based zoo of generative models for PyTorch.

Importing this package is cheap: it does not import torch. The layers, from the bottom:
``ganzoo.api`` (all a plugin may import), ``ganzoo.host`` (plugins, registry, building by
name), ``ganzoo.runs`` (the run folder), ``ganzoo.metrics``, ``ganzoo.training``,
``ganzoo.tools`` (sampling, export, compare) and ``ganzoo.cli``; each imports only those
below it (see the Architecture page). The registry records names,
metadata and import paths; heavy modules load only when a component is built.

    >>> import ganzoo
    >>> ganzoo.list_models()              # doctest: +SKIP
    ['vanilla']
"""

from ganzoo import _moved
from ganzoo.api.errors import GanzooError, IncompatibleDataError, UnknownNameError, UsageError
from ganzoo.api.hooks import hookimpl
from ganzoo.host.plugins import get_registry, register_plugin, unregister_plugin
from ganzoo.host.registry import Component, Registry

_moved.install()  # ganzoo 0.1's import paths (ganzoo.models, ganzoo.build, ...) still work

__version__ = "0.1.0"

__all__ = [
    "Component",
    "GanzooError",
    "IncompatibleDataError",
    "Registry",
    "UnknownNameError",
    "UsageError",
    "__version__",
    "get_registry",
    "hookimpl",
    "list_datasets",
    "list_losses",
    "list_models",
    "register_plugin",
    "unregister_plugin",
]


def list_models(pattern: str | None = None) -> list[str]:
    """Names of the registered models, optionally filtered by an ``fnmatch`` pattern."""
    return get_registry().names("model", pattern)


def list_losses(pattern: str | None = None) -> list[str]:
    """Names of the registered losses (objectives), optionally filtered by a pattern."""
    return get_registry().names("loss", pattern)


def list_datasets(pattern: str | None = None) -> list[str]:
    """Names of the registered datasets, optionally filtered by a pattern."""
    return get_registry().names("dataset", pattern)
