"""What ``ganzoo plugin list`` shows of each plugin: distribution, status, hooks, components."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ganzoo.host.plugins import PluginHost


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as ``ganzoo plugin list`` shows it."""

    name: str
    distribution: str | None
    version: str | None
    #: "loaded"; "broken" (a register hook failed: none of its components of that kind
    #: is registered); "disabled"; or "failed" (not loaded at all)
    status: str
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


def describe_plugins(host: PluginHost) -> list[PluginInfo]:
    """Every plugin ``host`` knows of: installed (loaded, disabled, failed) or run-time."""
    pm = host.pm
    registry = host.get_registry()
    problems: dict[tuple[str, str | None], list[str]] = {}
    for problem in registry.problems:
        problems.setdefault((problem.plugin, problem.distribution), []).append(problem.reason)
    components: dict[str, dict[str, list[str]]] = {}
    for component in registry.components():
        kinds = components.setdefault(component.provider.plugin, {})
        kinds.setdefault(component.kind, []).append(component.name)

    def info(name: str, dist: str | None, version: str | None) -> PluginInfo:
        plugin = pm.get_plugin(name)
        provider = host.providers.get(name)
        ours = provider is not None and provider.distribution == dist
        if host.is_disabled(name, dist):
            status = "disabled"
        elif plugin is None or not ours:
            status = "failed"
        else:
            status = "broken" if name in registry.broken else "loaded"
        hooks = sorted(c.name for c in pm.get_hookcallers(plugin) or []) if ours else []
        return PluginInfo(
            name,
            dist,
            version,
            status,
            tuple(hooks),
            components.get(name, {}) if ours and status in ("loaded", "broken") else {},
            tuple(problems.get((name, dist), [])),
        )

    seen: set[str] = set()
    result = []
    for ep in host.found_entry_points:
        dist = ep.dist.name if ep.dist else None
        result.append(info(ep.name, dist, ep.dist.version if ep.dist else None))
        seen.add(ep.name)
    for name, _ in pm.list_name_plugin():
        if name not in seen:
            result.append(info(name, None, None))
    return result
