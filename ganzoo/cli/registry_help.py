"""Help texts that name registered components, read from the registry when help is shown.

``ganzoo train --help`` lists the models that register ``conditional=True`` (a third-party
one too) instead of naming ganzoo's own. Reading the registry is torch-free, and it happens
only when the option's help is rendered, never for ``ganzoo --help``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


class RegistryHelpOption(click.Option):
    """A click option whose ``help`` has a ``{names}`` field filled in when help is shown.

    ``names`` is a function returning the names to list (called only to render help).
    """

    def __init__(self, *args: Any, names: Callable[[], list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help_template = self.help or ""
        self.names = names

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """The help line, with the names as registered now."""
        self.help = self.help_template.format(names=", ".join(self.names()) or "(none)")
        return super().get_help_record(ctx)


def conditional_model_names() -> list[str]:
    """The registered models that may train with ``--conditional`` (torch-free)."""
    from ganzoo.host.plugins import get_registry

    return [c.name for c in get_registry().components("model") if c.record.conditional]


def augmentation_names() -> list[str]:
    """The registered augmentations ``--augment`` may name (torch-free)."""
    from ganzoo.host.plugins import get_registry

    return get_registry().names("augmentation")
