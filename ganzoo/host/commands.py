"""``register_commands``: plugins add CLI commands, each plugin isolated.

A plugin whose hook raises keeps none of its commands; a command name that ganzoo or an
earlier plugin already uses is kept by its first owner and the clash is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganzoo.host.registry import PluginProblem, Provider

if TYPE_CHECKING:
    from ganzoo.host.plugins import PluginHost


def add_commands(host: PluginHost, cli: Any) -> None:
    """Let every enabled plugin add CLI commands (``register_commands``), each isolated.

    A plugin whose hook raises keeps none of its commands; a command name that ganzoo or
    an earlier plugin already uses is kept by its first owner and reported.
    """
    from ganzoo.host.plugins import CORE_DISTRIBUTION as core

    host.load_entrypoint_plugins()
    for command in cli.commands:
        host.command_owners.setdefault(command, core)
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
            owner = host.command_owners.setdefault(command_name, provider.plugin)
            if owner != provider.plugin:
                who = "ganzoo itself" if owner == core else f"plugin {owner!r}"
                problems.append(
                    PluginProblem(
                        provider.plugin,
                        provider.distribution,
                        f"command {command_name!r} is already provided by {who}; kept that one",
                    )
                )
                continue
            cli.commands[command_name] = command

    host.call_each("register_commands", problems, snapshot, after=check)
    if problems != host.command_problems:
        host.command_problems[:] = problems
        host.invalidate()
