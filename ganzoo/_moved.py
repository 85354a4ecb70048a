"""Import paths from before the layered layout (ganzoo 0.1), kept working as aliases.

``import ganzoo.models`` (or ``from ganzoo.losses import AdversarialLoss``) still works: a
finder on ``sys.meta_path`` answers each old name with the module that now holds it, the
same module object, so classes, functions and monkeypatches are shared. Each old path
warns once with a :class:`DeprecationWarning` naming its new home.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: old module path -> new module path (ganzoo 0.1 -> the layered layout)
MOVED: dict[str, str] = {
    "ganzoo.hookspecs": "ganzoo.api.hooks",
    "ganzoo.errors": "ganzoo.api.errors",
    "ganzoo.models": "ganzoo.api.models",
    "ganzoo.losses": "ganzoo.api.losses",
    "ganzoo.data": "ganzoo.api.data",
    "ganzoo.paths": "ganzoo.api.paths",
    "ganzoo.standalone_generator": "ganzoo.api.layers",
    "ganzoo.plugins": "ganzoo.host.plugins",
    "ganzoo.registry": "ganzoo.host.registry",
    "ganzoo.families": "ganzoo.host.families",
    "ganzoo.build": "ganzoo.host.build",
    "ganzoo.device": "ganzoo.host.device",
    "ganzoo.rundir": "ganzoo.runs.rundir",
    "ganzoo.outputs": "ganzoo.runs.outputs",
    "ganzoo.plotting": "ganzoo.runs.plotting",
    "ganzoo.theory": "ganzoo.metrics.theory",
    "ganzoo.sampling": "ganzoo.tools.sampling",
    "ganzoo.export": "ganzoo.tools.export",
    "ganzoo.compare": "ganzoo.tools.compare",
    "ganzoo.scaffold": "ganzoo.tools.scaffold",
}
#: names that moved to another module than the rest of their old one
MOVED_NAMES: dict[tuple[str, str], str] = {
    ("ganzoo.build", "load_run_model"): "ganzoo.runs.loading",
}


class _Alias(importlib.abc.Loader):
    """Loads an old path as the module at its new path."""

    def __init__(self, new: str) -> None:
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.new}; import it from there (the old path will go)",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(self.new)
        for (old, name), home in MOVED_NAMES.items():
            if old == spec.name and not hasattr(module, name):
                _lazy_attribute(module, name, home)
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module is the one at its new path, already executed."""


def _lazy_attribute(module: ModuleType, name: str, home: str) -> None:
    """Give ``module`` a module-level ``__getattr__`` that finds ``name`` in ``home``."""
    previous = module.__dict__.get("__getattr__")

    def __getattr__(attr: str):
        if attr == name:
            return getattr(importlib.import_module(home), name)
        if previous is not None:
            return previous(attr)
        raise AttributeError(f"module {module.__name__!r} has no attribute {attr!r}")

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]


class _MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old import paths (and only those)."""

    def find_spec(self, fullname, path=None, target=None):
        new = MOVED.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
