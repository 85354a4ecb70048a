"""``ganzoo plugin new`` writes a plugin package; ``ganzoo plugin list`` shows what is installed.

Both are torch-free.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ganzoo.api.errors import UsageError
from ganzoo.tools.scaffold import KINDS


@click.group("plugin")
def plugin_group() -> None:
    """Write a new plugin package, or list the installed plugins."""


@plugin_group.command("new")
@click.argument("name")
@click.option(
    "--kind",
    "-k",
    type=click.Choice(KINDS),
    default="model",
    show_default=True,
    help="What the plugin registers.",
)
@click.option(
    "--dir",
    "parent",
    type=click.Path(),
    default=".",
    show_default=True,
    help="Where to create the package folder ganzoo-NAME.",
)
def new_command(name: str, kind: str, parent: str) -> None:
    """Write a ready plugin package ganzoo-NAME: pyproject.toml, module, README and a test.

    \b
    Example:
      ganzoo plugin new mygan --kind model
      cd ganzoo-mygan && pip install -e . && ganzoo list models && pytest
    """
    from ganzoo.host.plugins import get_registry
    from ganzoo.host.registry import PLURAL
    from ganzoo.tools.scaffold import create_plugin, plugin_names

    names = plugin_names(name)
    registry = get_registry()
    if (kind, names.name) in registry:
        owner = registry.get(kind, names.name).provider
        raise UsageError(
            f"a {kind} named {names.name!r} is already registered by {owner}; choose another "
            f"name (see 'ganzoo list {PLURAL[kind]}')"
        )
    taken = {p.name: p for p in _plugins()}
    if names.name in taken:
        raise UsageError(
            f"a plugin named {names.name!r} is already installed "
            f"({taken[names.name].distribution or 'registered at run time'}); choose another name"
        )
    dest = create_plugin(names.name, kind, Path(parent))
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    click.echo(f"Created {names.distribution} in {dest} ({kind} {names.name!r}):")
    for file in files:
        click.echo(f"  {file}")
    click.echo(
        f"Next:\n  cd {dest}\n  pip install -e .\n  ganzoo list {PLURAL[kind]}\n  pytest",
    )


@plugin_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include ganzoo's own plugins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_plugins_command(show_all: bool, as_json: bool) -> None:
    """List installed plugins: distribution, version, status, hooks and what they register."""
    from ganzoo.host.plugins import CORE_DISTRIBUTION

    plugins = [p for p in _plugins() if show_all or p.distribution != CORE_DISTRIBUTION]
    if as_json:
        click.echo(json.dumps([p.as_dict() for p in plugins], indent=2))
        return
    if not plugins:
        click.echo("No third-party plugins installed (--all shows ganzoo's own).")
        return

    from rich.console import Console
    from rich.table import Table

    table = Table(title="plugins", title_justify="left")
    table.add_column("name", style="bold cyan", no_wrap=True)
    for column in ("distribution", "version", "status"):
        table.add_column(column, no_wrap=True)
    table.add_column("hooks")
    table.add_column("registers")
    for p in plugins:
        registers = "; ".join(f"{k}: {', '.join(v)}" for k, v in p.components.items())
        status = p.status if p.status == "loaded" else f"[yellow]{p.status}[/]"
        hooks = ", ".join(h.removeprefix("register_") for h in p.hooks)
        table.add_row(p.name, p.distribution or "-", p.version or "-", status, hooks, registers)
    Console().print(table)


def _plugins() -> list:
    from ganzoo.host.plugins import describe_plugins

    return describe_plugins()
