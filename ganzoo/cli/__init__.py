"""The ``ganzoo`` command line. Importing this module does not import torch.

Errors a user can cause print one line, ``Error: ...``, and exit with 2 (usage) or 1;
plugin problems are reported once per invocation as warnings.
"""

from __future__ import annotations

import sys

import click

from ganzoo import __version__
from ganzoo.errors import GanzooError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="ganzoo")
@click.option(
    "--disable-plugin",
    "disabled",
    multiple=True,
    metavar="NAME",
    help="Do not load this plugin (repeatable; also GANZOO_DISABLE_PLUGINS=a,b).",
)
def cli(disabled: tuple[str, ...]) -> None:
    """A plugin-based zoo of generative models: train GANs and VAEs, measure IS/FID."""
    if disabled:
        from ganzoo.plugins import disable_plugins

        disable_plugins(disabled)


def _add_commands() -> None:
    from ganzoo.cli.list_cmd import list_command
    from ganzoo.cli.train_cmd import train_command

    cli.add_command(train_command)
    cli.add_command(list_command)


def _add_plugin_commands() -> None:
    """Let plugins add commands (``register_commands``), each isolated."""
    from ganzoo.plugins import call_each, get_registry

    call_each("register_commands", get_registry().problems, lambda provider: {"cli": cli})


_add_commands()


def report_problems() -> None:
    """Print each plugin problem once, as a warning on stderr."""
    from ganzoo.plugins import get_registry

    for problem in get_registry().problems:
        click.echo(f"Warning: {problem}", err=True)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``ganzoo`` script: run the CLI, turn errors into one line."""
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
        click.echo(f"Error: {_one_line(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)
