"""The ``ganzoo`` command line. Importing this module does not import torch.

Errors a user can cause print one line, ``Error: ...``, and exit with 2 (usage) or 1;
plugin problems are reported once per invocation as warnings.
"""

from __future__ import annotations

import sys

import click

from ganzoo import __version__
from ganzoo.api.errors import GanzooError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
SHOWS_PROBLEMS = frozenset({"list"})  # commands that print plugin problems themselves
_REPORTED = "ganzoo.problems_reported"


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="ganzoo")
@click.option(
    "--disable-plugin",
    "disabled",
    multiple=True,
    metavar="NAME",
    help="Do not load this plugin (repeatable; also GANZOO_DISABLE_PLUGINS=a,b).",
)
@click.pass_context
def cli(ctx: click.Context, disabled: tuple[str, ...]) -> None:
    """A plugin-based zoo of generative models: train GANs and VAEs, measure IS/FID."""
    if disabled:
        from ganzoo.host.plugins import disable_plugins

        disable_plugins(disabled)
    if ctx.invoked_subcommand not in SHOWS_PROBLEMS:
        report_problems()


def _add_commands() -> None:
    from ganzoo.cli.compare_cmd import compare_command
    from ganzoo.cli.dynamics_cmd import dynamics_command
    from ganzoo.cli.eval_cmd import eval_command
    from ganzoo.cli.export_cmd import export_command
    from ganzoo.cli.list_cmd import list_command
    from ganzoo.cli.plugin_cmd import plugin_group
    from ganzoo.cli.reproduce_cmd import reproduce_command
    from ganzoo.cli.sample_cmd import sample_command
    from ganzoo.cli.sweep_cmd import sweep_command
    from ganzoo.cli.train_cmd import train_command

    cli.add_command(train_command)
    cli.add_command(eval_command)
    cli.add_command(list_command)
    cli.add_command(plugin_group)
    cli.add_command(compare_command)
    cli.add_command(dynamics_command)
    cli.add_command(sample_command)
    cli.add_command(export_command)
    cli.add_command(sweep_command)
    cli.add_command(reproduce_command)


def _add_plugin_commands() -> None:
    """Let plugins add commands (``register_commands``), each isolated."""
    from ganzoo.host.plugins import add_commands

    add_commands(cli)


def _command(argv: list[str]) -> str | None:
    """The command's name: the first argument that is not a group option or its value."""
    args = iter(argv)
    for arg in args:
        if arg == "--disable-plugin":
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _disabled_in(argv: list[str]) -> list[str]:
    """``--disable-plugin`` values before the command name, read before plugins load."""
    names, args = [], iter(argv)
    for arg in args:
        if arg == "--disable-plugin":
            names.append(next(args, ""))
        elif arg.startswith("--disable-plugin="):
            names.append(arg.partition("=")[2])
        elif not arg.startswith("-"):
            break
    return [n for n in names if n]


_add_commands()


def report_problems() -> None:
    """Print each plugin problem as a warning on stderr, once per invocation."""
    from ganzoo.host.plugins import get_registry

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        root = ctx.find_root()
        if root.meta.get(_REPORTED):
            return
        root.meta[_REPORTED] = True
    for problem in get_registry().problems:
        click.echo(f"Warning: {problem}", err=True)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``ganzoo`` script: run the CLI, turn errors into one line.

    Run as a program (``argv`` is ``None``), ``ganzoo train``'s garbage collector waits
    until the run is built, and the exit is spared a scan (:mod:`ganzoo.host.collector`).
    """
    from ganzoo.host import collector

    program = argv is None
    try:
        with collector.deferred(program and _command(sys.argv[1:]) == "train"):
            _main(argv)
    finally:
        if program:
            collector.exiting()


def _main(argv: list[str] | None) -> None:
    from ganzoo.cli import options

    invocation = options.invocation[:] = list(sys.argv[1:] if argv is None else argv)
    disabled = _disabled_in(invocation)
    if disabled:  # before any plugin is imported: a disabled plugin never runs
        from ganzoo.host.plugins import disable_plugins

        disable_plugins(disabled)
    _add_plugin_commands()
    try:
        cli.main(args=argv, prog_name="ganzoo", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        click.echo(f"Error: {_one_line(exc.format_message())}{hint}", err=True)
        sys.exit(exc.exit_code)
    except GanzooError as exc:
        click.echo(f"{exc.prefix}: {_one_line(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)
