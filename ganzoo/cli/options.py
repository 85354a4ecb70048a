"""Parsing helpers shared by commands (torch-free)."""

from __future__ import annotations

import ast
from typing import Any

import click

#: The arguments of the running ``ganzoo`` invocation (``--nproc`` relaunches them).
invocation: list[str] = []


def parse_key_values(option: str, items: tuple[str, ...]) -> dict[str, Any]:
    """``("hidden_dim=512", "dropout=0.3")`` -> ``{"hidden_dim": 512, "dropout": 0.3}``.

    Values are Python literals where they parse as one (numbers, booleans, tuples), else
    strings.
    """
    result: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key.isidentifier():
            raise click.UsageError(f"{option} takes KEY=VALUE, got {item!r}")
        if raw.lower() in ("true", "false"):
            result[key] = raw.lower() == "true"
            continue
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw
        result[key] = value
    return result


def split_names(items: tuple[str, ...]) -> list[str]:
    """``("r1,r2", "gp")`` -> ``["r1", "r2", "gp"]``: a repeatable ``NAME[,NAME]`` option."""
    return [name.strip() for item in items for name in item.split(",") if name.strip()]


#: ``--inception-weights``, shared by the commands that can measure with InceptionV3 (eval,
#: compare, reproduce): one name, one help, one place to change.
inception_weights_option = click.option(
    "--inception-weights",
    type=click.Path(dir_okay=False),
    default=None,
    help="Local InceptionV3 weights for --feature-extractor inception (also "
    "$GANZOO_INCEPTION_WEIGHTS) [default: torch-fidelity's download].",
)
