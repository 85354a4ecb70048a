"""``ganzoo list``: every registered model, loss, regulariser, augmentation and dataset, who
provides it, and the paper it comes from."""

from __future__ import annotations

import json
import re

import click

from ganzoo.host.registry import KINDS, PLURAL


@click.command("list")
@click.argument("kind", required=False, type=click.Choice([*KINDS, *PLURAL.values()]))
@click.option("--pattern", "-p", multiple=True, help="Only names matching this fnmatch pattern.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def list_command(kind: str | None, pattern: tuple[str, ...], as_json: bool) -> None:
    """List registered models, losses, regularisers, augmentations and datasets (or one KIND)."""
    from ganzoo.host.plugins import get_registry

    registry = get_registry()
    singular = {p: k for k, p in PLURAL.items()}
    kinds = [singular.get(kind, kind)] if kind else list(KINDS)
    selected = [
        c
        for k in kinds
        for c in registry.components(k)
        if c.name in registry.names(k, list(pattern) or None)
    ]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "components": [{**c.as_dict(), "paper": c.record.paper} for c in selected],
                    "problems": [vars(p) for p in registry.problems],
                },
                indent=2,
            )
        )
        return

    from rich.console import Console
    from rich.table import Table

    console = Console()
    for k in kinds:
        rows = [c for c in selected if c.kind == k]
        table = Table(title=PLURAL[k], title_justify="left", show_lines=False)
        table.add_column("name", style="bold cyan", no_wrap=True)
        table.add_column("description")
        table.add_column("family" if k != "dataset" else "shape", no_wrap=True)
        table.add_column("paper")
        table.add_column("provided by", no_wrap=True, style="dim")
        for c in rows:
            extra = c.family if k != "dataset" else _shape(c.record.shape)
            paper = _paper(c.record.paper)
            table.add_row(c.name, c.description, extra or "", paper, str(c.provider))
        console.print(table)
    err = Console(stderr=True)  # warnings never mix with the table a script may parse
    for problem in registry.problems:
        err.print(f"[yellow]Warning:[/] {problem}", highlight=False, soft_wrap=True)


def _paper(paper: object) -> str:
    """``"Miyato et al. 2018, https://arxiv.org/abs/1802.05957"`` -> ``"Miyato et al. 2018
    arXiv:1802.05957"``: short enough for a table column (``--json`` keeps it whole)."""
    text = str(paper or "")
    return re.sub(r",?\s*https?://arxiv\.org/abs/(\S+)", r" arXiv:\1", text).strip()


def _shape(shape: object) -> str:
    if isinstance(shape, tuple | list):
        return "×".join(str(s) for s in shape)
    return str(shape or "")
