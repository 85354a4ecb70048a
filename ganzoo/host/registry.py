"""The registry: names are the API.

Every model, loss and dataset is a :class:`Component` recorded under a unique name per kind.
Components record where their factory lives; nothing heavy is imported until
:meth:`Component.build` is called.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ganzoo.api.errors import PluginError, UnknownNameError
from ganzoo.host.families import family_names

KINDS: tuple[str, ...] = ("model", "loss", "regulariser", "dataset")
PLURAL: dict[str, str] = {
    "model": "models",
    "loss": "losses",
    "regulariser": "regularisers",
    "dataset": "datasets",
}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Provider:
    """Who registered a component: the plugin name and its distribution, if installed."""

    plugin: str
    distribution: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        if self.distribution is None:
            return f"{self.plugin} (registered at run time)"
        return f"{self.distribution} {self.version or ''}".strip()


@dataclass(frozen=True)
class Component:
    """One registered model, loss or dataset."""

    kind: str
    name: str
    target: Callable[..., Any] | str
    description: str
    provider: Provider
    family: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def load(self) -> Callable[..., Any]:
        """Import and return the factory (resolving a ``"module:attr"`` target)."""
        if callable(self.target):
            return self.target
        module_name, _, attr = self.target.partition(":")
        try:
            obj: Any = importlib.import_module(module_name)
            for part in attr.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise PluginError(
                f"{self.kind} {self.name!r} from {self.provider}: cannot import "
                f"{self.target!r} ({type(exc).__name__}: {exc})"
            ) from exc
        if not callable(obj):
            raise PluginError(f"{self.kind} {self.name!r}: {self.target!r} is not callable")
        return obj

    def build(self, *args: Any, **kwargs: Any) -> Any:
        """Call the factory with ``args`` and ``kwargs``."""
        return self.load()(*args, **kwargs)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly description (used by ``ganzoo list --json``)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "family": self.family,
            "plugin": self.provider.plugin,
            "distribution": self.provider.distribution,
            "version": self.provider.version,
            "meta": {k: _jsonable(v) for k, v in self.meta.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that was skipped (or partly skipped), and why."""

    plugin: str
    distribution: str | None
    reason: str

    def __post_init__(self) -> None:  # reasons are shown on one line
        object.__setattr__(self, "reason", " ".join(str(self.reason).split()))

    def __str__(self) -> str:
        who = f"plugin {self.plugin!r}"
        if self.distribution:
            who += f" (distribution {self.distribution})"
        return f"{who}: {self.reason}"


class Registry:
    """Components by kind and name, plus the problems met while registering them."""

    def __init__(self) -> None:
        self._components: dict[str, dict[str, Component]] = {kind: {} for kind in KINDS}
        self.problems: list[PluginProblem] = []

    def add(self, component: Component) -> None:
        """Add a component; raise :class:`PluginError` if it breaks the contract."""
        if component.kind not in KINDS:
            raise PluginError(f"unknown component kind {component.kind!r}")
        if not isinstance(component.name, str) or not _NAME.match(component.name):
            raise PluginError(
                f"invalid {component.kind} name {component.name!r}: use lowercase letters, "
                "digits, '.', '_' or '-'"
            )
        if not (callable(component.target) or _is_import_path(component.target)):
            raise PluginError(
                f"{component.kind} {component.name!r}: factory must be a callable or a "
                f"'module:attribute' string, got {component.target!r}"
            )
        if component.kind in ("model", "loss") and component.family not in family_names():
            raise PluginError(
                f"{component.kind} {component.name!r}: family must be one of "
                f"{', '.join(family_names())}, got {component.family!r}"
            )
        existing = self._components[component.kind].get(component.name)
        if existing is not None:
            raise PluginError(
                f"{component.kind} {component.name!r} is already registered by "
                f"{existing.provider} (plugin {existing.provider.plugin!r}); kept that one, "
                "skipped this one"
            )
        self._components[component.kind][component.name] = component

    def get(self, kind: str, name: str) -> Component:
        """The component ``name`` of ``kind``, or :class:`UnknownNameError` with suggestions."""
        try:
            return self._components[kind][name]
        except KeyError:
            raise UnknownNameError(kind, name, self._components.get(kind, {})) from None

    def names(self, kind: str, pattern: str | list[str] | None = None) -> list[str]:
        """Sorted names of ``kind``, filtered by one or more ``fnmatch`` patterns."""
        patterns = [pattern] if isinstance(pattern, str) else list(pattern or ["*"])
        return sorted(
            n for n in self._components[kind] if any(fnmatch.fnmatch(n, p) for p in patterns)
        )

    def components(self, kind: str | None = None) -> Iterator[Component]:
        """All components (of one kind, if given), sorted by kind then name."""
        for k in [kind] if kind else KINDS:
            for name in sorted(self._components[k]):
                yield self._components[k][name]

    def __contains__(self, key: tuple[str, str]) -> bool:
        kind, name = key
        return name in self._components.get(kind, {})


def _is_import_path(target: object) -> bool:
    if not isinstance(target, str):
        return False
    module, sep, attr = target.partition(":")
    return bool(sep and module and attr)
