"""Plugin discovery: entry points in the ``ganzoo`` group, one try per plugin.

First-party plugins (under ``plugins/``) load exactly like third-party ones. A plugin that
fails to import, raises inside a hook or breaks the contract is skipped and recorded in
``Registry.problems``; it never stops ganzoo. What a plugin registered from a hook that then
raised is dropped with it, so no half-registered plugin is ever used.

Plugins load in a fixed order: ganzoo's own distribution first, then the others sorted by
distribution name. Where two claim the same name, the first keeps it and the problem names
both, so which one wins never depends on the order of ``sys.path`` or of a folder listing.

``GANZOO_DISABLE_PLUGINS=name,name`` (or ``ganzoo --disable-plugin NAME``) turns plugins off
by entry-point name or by distribution name; a disabled plugin is not even imported.

All of this state lives in one :class:`PluginHost`. The module-level functions act on the
default host (:func:`default_host`); :func:`use_host` swaps in another, e.g. a fresh one.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from ganzoo.api import hooks as hookspecs
from ganzoo.api.errors import PluginError
from ganzoo.host.registry import Component, PluginProblem, Provider, Registry

DISABLE_ENV = "GANZOO_DISABLE_PLUGINS"
CORE_DISTRIBUTION = "ganzoo"
HOOKS: dict[str, str] = {  # component kind -> the hook that registers it
    "model": "register_models",
    "loss": "register_losses",
    "regulariser": "register_regularisers",
    "dataset": "register_datasets",
}


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as ``ganzoo plugin list`` shows it."""

    name: str
    distribution: str | None
    version: str | None
    status: str  # "loaded", "disabled" or "failed"
    hooks: tuple[str, ...] = ()
    components: dict[str, list[str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "hooks": list(self.hooks),
            "components": self.components,
            "problems": list(self.problems),
        }


def canonical(name: str) -> str:
    """A distribution or plugin name as PyPI compares them: ``Ganzoo_Foo`` -> ``ganzoo-foo``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _load_order(ep: EntryPoint) -> tuple[bool, str, str]:
    dist = ep.dist.name if ep.dist else ""
    return (canonical(dist) != CORE_DISTRIBUTION, canonical(dist), ep.name)


class PluginHost:
    """The plugin manager and every piece of discovery state, owned by one object.

    One object, not module globals, so that a test or an application embedding ganzoo can
    make a fresh host (its own plugins, problems, commands and registry) and make it the
    default with :func:`use_host`, instead of reaching into private names. A host reads
    the ``ganzoo`` entry points lazily, on first use.
    """

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._providers: dict[str, Provider] = {}  # plugin -> who ships it (every import tried)
        self._load_problems: list[PluginProblem] = []  # import failures, across rebuilds
        self._command_problems: list[PluginProblem] = []  # from register_commands
        self._command_owners: dict[str, str] = {}  # CLI command name -> plugin that added it
        self._entry_points: list[EntryPoint] = []  # the group's entry points, in load order
        self._attempted: set[tuple[str, str | None]] = set()  # (entry point, dist) tried once
        self._loaded_entrypoints = False  # whether _entry_points has been read
        self._scanned_path: tuple[str, ...] = ()  # sys.path when read: a change reads again
        self._registry: Registry | None = None
        self._disabled: frozenset[str] = frozenset()

    # --- turning plugins off ------------------------------------------------------------

    def disabled_plugins(self) -> frozenset[str]:
        """Plugin names turned off by ``GANZOO_DISABLE_PLUGINS`` or :meth:`disable_plugins`."""
        from_env = {p.strip() for p in os.environ.get(DISABLE_ENV, "").split(",") if p.strip()}
        return frozenset(from_env) | self._disabled

    def disable_plugins(self, names: list[str] | tuple[str, ...]) -> None:
        """Turn plugins off for this host (the CLI's ``--disable-plugin``)."""
        new = self._disabled | frozenset(names)
        if new != self._disabled:
            self._disabled = new
            self._registry = None

    def is_disabled(self, plugin: str, distribution: str | None = None) -> bool:
        """Whether a plugin is turned off, by its entry-point name or its distribution's name."""
        wanted = {canonical(n) for n in self.disabled_plugins()}
        return canonical(plugin) in wanted or (
            distribution is not None and canonical(distribution) in wanted
        )

    # --- discovery ----------------------------------------------------------------------

    def invalidate(self) -> None:
        """Forget the built registry; the next :meth:`get_registry` builds it again."""
        self._registry = None

    def rescan(self) -> None:
        """Entry points changed on ``sys.path``: read them again on next use.

        Plugins already loaded stay loaded; new ones are imported, once each.
        """
        importlib.invalidate_caches()
        self._loaded_entrypoints = False
        self._registry = None

    def load_entrypoint_plugins(self) -> None:
        """Import every enabled plugin of the ``ganzoo`` entry points once, isolating failures.

        A disabled plugin is not imported; it is imported by a later call once it is enabled.
        """
        pm = self.pm
        if not self._loaded_entrypoints or self._scanned_path != tuple(sys.path):
            self._entry_points = sorted(entry_points(group=hookspecs.PROJECT), key=_load_order)
            self._attempted.clear()
            self._loaded_entrypoints, self._scanned_path = True, tuple(sys.path)
        for ep in self._entry_points:
            dist = ep.dist.name if ep.dist else None
            version = ep.dist.version if ep.dist else None
            if self.is_disabled(ep.name, dist) or (ep.name, dist) in self._attempted:
                continue
            self._attempted.add((ep.name, dist))
            if ep.name in self._providers or pm.has_plugin(ep.name):
                other = self._providers.get(ep.name)
                if other is not None and other.distribution == dist:
                    continue  # loaded already, before a rescan
                self._note(ep.name, dist, f"plugin name {ep.name!r} is taken by {other}; skipped")
                continue
            self._providers[ep.name] = Provider(ep.name, dist, version)
            try:
                plugin = ep.load()
                pm.register(plugin, name=ep.name)
            except Exception as exc:  # a broken plugin must never break ganzoo
                if pm.has_plugin(ep.name):
                    pm.unregister(name=ep.name)
                self._note(ep.name, dist, f"failed to load: {type(exc).__name__}: {exc}")
                continue
            for problem in self._hook_problems(plugin, ep.name, dist):
                self._note(problem.plugin, problem.distribution, problem.reason)

    def _note(self, plugin: str, distribution: str | None, reason: str) -> None:
        """Record a loading problem once, however often the entry points are read."""
        problem = PluginProblem(plugin, distribution, reason)
        if problem not in self._load_problems:
            self._load_problems.append(problem)

    def _hook_problems(self, plugin: Any, name: str, dist: str | None) -> list[PluginProblem]:
        """Hook implementations that match no ganzoo hook (a typo, or a newer contract)."""
        pm = self.pm
        callers = pm.get_hookcallers(plugin) or []
        if not callers:
            return [PluginProblem(name, dist, "implements no ganzoo hook (use @ganzoo.hookimpl)")]
        problems = []
        known = sorted(n for n in vars(pm.hook) if getattr(pm.hook, n).has_spec())
        for caller in callers:
            if caller.has_spec():
                continue
            close = difflib.get_close_matches(caller.name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                PluginProblem(
                    name,
                    dist,
                    f"implements {caller.name!r}, which is not a hook of ganzoo's plugin "
                    f"contract version {hookspecs.CONTRACT_VERSION}{hint}; ignored",
                )
            )
        return problems

    # --- run-time plugins ---------------------------------------------------------------

    def register_plugin(self, plugin: Any, name: str | None = None) -> str:
        """Register a plugin object or module at run time; returns its name."""
        try:
            registered = self.pm.register(plugin, name=name)
        except ValueError as exc:
            raise PluginError(f"plugin {name!r} is already registered ({exc})") from None
        if registered is None:
            raise PluginError(f"plugin {name!r} is already registered")
        self._providers.setdefault(registered, Provider(registered))
        for problem in self._hook_problems(plugin, registered, None):
            self._note(problem.plugin, problem.distribution, problem.reason)
        self._registry = None
        return registered

    def unregister_plugin(self, name: str) -> None:
        """Remove a plugin registered with :meth:`register_plugin` (or an installed one)."""
        self.pm.unregister(name=name)
        self._providers.pop(name, None)
        self._load_problems[:] = [p for p in self._load_problems if p.plugin != name]
        self._registry = None

    # --- the registry -------------------------------------------------------------------

    def get_registry(self, refresh: bool = False) -> Registry:
        """The registry, built once from every enabled plugin's ``register_*`` hooks."""
        if self._registry is None or refresh:
            self.load_entrypoint_plugins()
            self._registry = self._build_registry()
        return self._registry

    def call_each(
        self,
        hook_name: str,
        problems: list[PluginProblem],
        kwargs_for: Callable[[Provider], dict[str, Any]],
        after: Callable[[Provider, bool], None] | None = None,
    ) -> None:
        """Call every enabled implementation of ``hook_name`` on its own, recording failures.

        pluggy would stop at the first exception; here one broken plugin costs only itself.
        ``kwargs_for(provider)`` builds the hook's arguments for each plugin; ``after(provider,
        succeeded)``, if given, runs right after each one (to keep or roll back its work).
        """
        pm = self.pm
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            name = pm.get_name(impl.plugin) or repr(impl.plugin)
            provider = self._providers.get(name, Provider(name))
            if self.is_disabled(name, provider.distribution):
                continue
            kwargs = kwargs_for(provider)
            try:
                impl.function(*[kwargs[arg] for arg in impl.argnames])
                succeeded = True
            except Exception as exc:
                succeeded = False
                problems.append(
                    PluginProblem(
                        name,
                        provider.distribution,
                        f"{hook_name} raised {type(exc).__name__}: {exc}; "
                        "nothing it added was kept",
                    )
                )
            if after is not None:
                after(provider, succeeded)

    def add_commands(self, cli: Any) -> None:
        """Let every enabled plugin add CLI commands (``register_commands``), each isolated.

        A plugin whose hook raises keeps none of its commands; a command name that ganzoo or
        an earlier plugin already uses is kept by its first owner and reported.
        """
        self.load_entrypoint_plugins()
        for command in cli.commands:
            self._command_owners.setdefault(command, CORE_DISTRIBUTION)
        problems: list[PluginProblem] = []
        before: dict[str, Any] = {}

        def snapshot(provider: Provider) -> dict[str, Any]:
            before.clear()
            before.update(cli.commands)
            return {"cli": cli}

        def check(provider: Provider, succeeded: bool) -> None:
            added = {n: c for n, c in cli.commands.items() if before.get(n) is not c}
            cli.commands.clear()
            cli.commands.update(before)
            if not succeeded:
                return
            for command_name, command in added.items():
                owner = self._command_owners.setdefault(command_name, provider.plugin)
                if owner != provider.plugin:
                    who = "ganzoo itself" if owner == CORE_DISTRIBUTION else f"plugin {owner!r}"
                    problems.append(
                        PluginProblem(
                            provider.plugin,
                            provider.distribution,
                            f"command {command_name!r} is already provided by {who}; kept that one",
                        )
                    )
                    continue
                cli.commands[command_name] = command

        self.call_each("register_commands", problems, snapshot, after=check)
        if problems != self._command_problems:
            self._command_problems[:] = problems
            self._registry = None

    def describe_plugins(self) -> list[PluginInfo]:
        """Every plugin this host knows of: installed (loaded, disabled, failed) or run-time."""
        pm = self.pm
        registry = self.get_registry()
        problems: dict[tuple[str, str | None], list[str]] = {}
        for problem in registry.problems:
            problems.setdefault((problem.plugin, problem.distribution), []).append(problem.reason)
        components: dict[str, dict[str, list[str]]] = {}
        for component in registry.components():
            kinds = components.setdefault(component.provider.plugin, {})
            kinds.setdefault(component.kind, []).append(component.name)

        def info(name: str, dist: str | None, version: str | None) -> PluginInfo:
            plugin = pm.get_plugin(name)
            provider = self._providers.get(name)
            ours = provider is not None and provider.distribution == dist
            if self.is_disabled(name, dist):
                status = "disabled"
            elif plugin is None or not ours:
                status = "failed"
            else:
                status = "loaded"
            hooks = sorted(c.name for c in pm.get_hookcallers(plugin) or []) if ours else []
            return PluginInfo(
                name,
                dist,
                version,
                status,
                tuple(hooks),
                components.get(name, {}) if ours and status == "loaded" else {},
                tuple(problems.get((name, dist), [])),
            )

        seen: set[str] = set()
        result = []
        for ep in self._entry_points:
            dist = ep.dist.name if ep.dist else None
            result.append(info(ep.name, dist, ep.dist.version if ep.dist else None))
            seen.add(ep.name)
        for name, _ in pm.list_name_plugin():
            if name not in seen:
                result.append(info(name, None, None))
        return result

    def _build_registry(self) -> Registry:
        registry = Registry()
        registry.problems.extend(
            p
            for p in [*self._load_problems, *self._command_problems]
            if not self.is_disabled(p.plugin, p.distribution)
        )
        registry.problems.extend(self._unknown_disabled())
        for kind, hook in HOOKS.items():
            self._collect(registry, kind, hook)
        return registry

    def _collect(self, registry: Registry, kind: str, hook: str) -> None:
        """Call ``hook`` plugin by plugin; keep what a plugin registered only if it returned."""
        staged: dict[str, list[Component]] = {}

        def kwargs_for(provider: Provider) -> dict[str, Any]:
            return {"register": _registrar(kind, provider, staged.setdefault(provider.plugin, []))}

        def commit(provider: Provider, succeeded: bool) -> None:
            for component in staged.pop(provider.plugin, []) if succeeded else []:
                try:
                    registry.add(component)
                except PluginError as exc:
                    registry.problems.append(
                        PluginProblem(provider.plugin, provider.distribution, str(exc))
                    )

        self.call_each(hook, registry.problems, kwargs_for, after=commit)

    def _unknown_disabled(self) -> list[PluginProblem]:
        """A ``--disable-plugin`` name that matches no plugin is most likely a typo: say so."""
        eps = self._entry_points
        known = {canonical(ep.name) for ep in eps}
        known |= {canonical(ep.dist.name) for ep in eps if ep.dist}
        known |= {canonical(name) for name, _ in self.pm.list_name_plugin()}
        return [
            PluginProblem(
                name,
                None,
                "cannot disable: no plugin or distribution has this name; known plugins: "
                + ", ".join(sorted(ep.name for ep in eps)),
            )
            for name in sorted(self.disabled_plugins())
            if canonical(name) not in known
        ]


# --- the default host and the module-level API -------------------------------------------

_default_host = PluginHost()


def default_host() -> PluginHost:
    """The host the module-level functions (and so ganzoo's CLI and API) act on."""
    return _default_host


def set_default_host(host: PluginHost) -> PluginHost:
    """Make ``host`` the default; returns the one it replaces."""
    global _default_host
    previous, _default_host = _default_host, host
    return previous


@contextmanager
def use_host(host: PluginHost | None = None) -> Iterator[PluginHost]:
    """Within the block, ``host`` (a fresh :class:`PluginHost` if ``None``) is the default."""
    host = PluginHost() if host is None else host
    previous = set_default_host(host)
    try:
        yield host
    finally:
        set_default_host(previous)


def disabled_plugins() -> frozenset[str]:
    """Plugin names turned off by ``GANZOO_DISABLE_PLUGINS`` or :func:`disable_plugins`."""
    return _default_host.disabled_plugins()


def disable_plugins(names: list[str] | tuple[str, ...]) -> None:
    """Turn plugins off for this process (the CLI's ``--disable-plugin``)."""
    _default_host.disable_plugins(names)


def is_disabled(plugin: str, distribution: str | None = None) -> bool:
    """Whether a plugin is turned off, by its entry-point name or its distribution's name."""
    return _default_host.is_disabled(plugin, distribution)


def load_entrypoint_plugins() -> None:
    """Import every enabled plugin of the ``ganzoo`` entry-point group once, isolating failures.

    A disabled plugin is not imported; it is imported by a later call once it is enabled.
    """
    _default_host.load_entrypoint_plugins()


def register_plugin(plugin: Any, name: str | None = None) -> str:
    """Register a plugin object or module at run time; returns its name."""
    return _default_host.register_plugin(plugin, name)


def unregister_plugin(name: str) -> None:
    """Remove a plugin registered with :func:`register_plugin` (or an installed one)."""
    _default_host.unregister_plugin(name)


def get_registry(refresh: bool = False) -> Registry:
    """The registry, built once from every enabled plugin's ``register_*`` hooks."""
    return _default_host.get_registry(refresh)


def call_each(
    hook_name: str,
    problems: list[PluginProblem],
    kwargs_for: Callable[[Provider], dict[str, Any]],
    after: Callable[[Provider, bool], None] | None = None,
) -> None:
    """Call every enabled implementation of ``hook_name`` on its own, recording failures.

    See :meth:`PluginHost.call_each`.
    """
    _default_host.call_each(hook_name, problems, kwargs_for, after)


def add_commands(cli: Any) -> None:
    """Let every enabled plugin add CLI commands (``register_commands``), each isolated.

    A plugin whose hook raises keeps none of its commands; a command name that ganzoo or an
    earlier plugin already uses is kept by its first owner and reported.
    """
    _default_host.add_commands(cli)


def describe_plugins() -> list[PluginInfo]:
    """Every plugin ganzoo knows of: installed (loaded, disabled or failed) and run-time ones."""
    return _default_host.describe_plugins()


def _registrar(kind: str, provider: Provider, staged: list[Component]) -> Callable[..., None]:
    """The ``register`` callback for one plugin and one kind; components are staged."""

    def register(name: str, factory: Any, *, description: str | None = None, **meta: Any) -> None:
        family = meta.pop("family", "adversarial") if kind != "dataset" else None
        if description is None:
            doc = getattr(factory, "__doc__", None) if callable(factory) else None
            description = (doc or "").strip().splitlines()[0] if doc else ""
        staged.append(Component(kind, name, factory, description, provider, family, meta))

    return register
