"""Plugin discovery: entry points in the ``ganzoo`` group, one try per plugin.

First-party plugins (under ``plugins/``) load exactly like third-party ones. A plugin that
fails to import, raises inside a hook or breaks the contract is skipped and recorded in
``Registry.problems``; it never stops ganzoo. ``GANZOO_DISABLE_PLUGINS=name,name`` turns
plugins off by entry-point name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from ganzoo import hookspecs
from ganzoo.errors import PluginError
from ganzoo.registry import Component, PluginProblem, Provider, Registry

DISABLE_ENV = "GANZOO_DISABLE_PLUGINS"
HOOKS: dict[str, str] = {  # component kind -> the hook that registers it
    "model": "register_models",
    "loss": "register_losses",
    "dataset": "register_datasets",
}

pm = pluggy.PluginManager(hookspecs.PROJECT)
pm.add_hookspecs(hookspecs)

_providers: dict[str, Provider] = {}  # plugin name -> who ships it
_load_problems: list[PluginProblem] = []  # import failures, kept across registry rebuilds
_loaded_entrypoints = False
_registry: Registry | None = None
_disabled: frozenset[str] = frozenset()


def disabled_plugins() -> frozenset[str]:
    """Plugin names turned off by ``GANZOO_DISABLE_PLUGINS`` or :func:`disable_plugins`."""
    from_env = {p.strip() for p in os.environ.get(DISABLE_ENV, "").split(",") if p.strip()}
    return frozenset(from_env) | _disabled


def disable_plugins(names: list[str] | tuple[str, ...]) -> None:
    """Turn plugins off for this process (the CLI's ``--disable-plugin``)."""
    global _disabled, _registry
    _disabled = _disabled | frozenset(names)
    _registry = None


def load_entrypoint_plugins() -> None:
    """Import every plugin of the ``ganzoo`` entry-point group once, isolating failures."""
    global _loaded_entrypoints
    if _loaded_entrypoints:
        return
    _loaded_entrypoints = True
    for ep in entry_points(group=hookspecs.PROJECT):
        dist = ep.dist.name if ep.dist else None
        version = ep.dist.version if ep.dist else None
        if ep.name in _providers or pm.has_plugin(ep.name):
            other = _providers.get(ep.name)
            if other is not None and other.distribution == dist:
                continue  # loaded already (a refresh)
            _load_problems.append(
                PluginProblem(ep.name, dist, f"plugin name already taken by {other}; skipped")
            )
            continue
        _providers[ep.name] = Provider(ep.name, dist, version)
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:  # a broken plugin must never break ganzoo
            _load_problems.append(
                PluginProblem(ep.name, dist, f"failed to load: {type(exc).__name__}: {exc}")
            )


def register_plugin(plugin: Any, name: str | None = None) -> str:
    """Register a plugin object or module at run time; returns its name."""
    global _registry
    registered = pm.register(plugin, name=name)
    if registered is None:
        raise PluginError(f"plugin {name!r} is already registered")
    _providers.setdefault(registered, Provider(registered))
    _registry = None
    return registered


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with :func:`register_plugin` (or an installed one)."""
    global _registry
    pm.unregister(name=name)
    _providers.pop(name, None)
    _registry = None


def get_registry(refresh: bool = False) -> Registry:
    """The registry, built once from every enabled plugin's ``register_*`` hooks."""
    global _registry
    if _registry is None or refresh:
        load_entrypoint_plugins()
        _registry = _build_registry()
    return _registry


def call_each(
    hook_name: str,
    problems: list[PluginProblem],
    kwargs_for: Callable[[Provider], dict[str, Any]],
) -> None:
    """Call every enabled implementation of ``hook_name`` on its own, recording failures.

    pluggy would stop at the first exception; here one broken plugin costs only itself.
    ``kwargs_for(provider)`` builds the hook's arguments for each plugin.
    """
    for impl in getattr(pm.hook, hook_name).get_hookimpls():
        name = pm.get_name(impl.plugin) or repr(impl.plugin)
        if name in disabled_plugins():
            continue
        provider = _providers.get(name, Provider(name))
        kwargs = kwargs_for(provider)
        try:
            impl.function(*[kwargs[arg] for arg in impl.argnames])
        except Exception as exc:
            problems.append(
                PluginProblem(
                    name, provider.distribution, f"{hook_name} raised {type(exc).__name__}: {exc}"
                )
            )


def _build_registry() -> Registry:
    registry = Registry()
    registry.problems.extend(p for p in _load_problems if p.plugin not in disabled_plugins())
    for kind, hook in HOOKS.items():
        call_each(
            hook,
            registry.problems,
            lambda provider, kind=kind: {"register": _registrar(registry, kind, provider)},
        )
    return registry


def _registrar(registry: Registry, kind: str, provider: Provider) -> Callable[..., None]:
    """The ``register`` callback for one plugin and one kind."""

    def register(name: str, factory: Any, *, description: str | None = None, **meta: Any) -> None:
        family = meta.pop("family", "adversarial") if kind != "dataset" else None
        if description is None:
            doc = getattr(factory, "__doc__", None) if callable(factory) else None
            description = (doc or "").strip().splitlines()[0] if doc else ""
        try:
            registry.add(Component(kind, name, factory, description, provider, family, meta))
        except PluginError as exc:
            registry.problems.append(
                PluginProblem(provider.plugin, provider.distribution, str(exc))
            )

    return register
