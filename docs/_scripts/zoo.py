"""The model zoo page's tables, generated from the registry when the docs are built.

``docs/zoo.md`` holds ``<!-- zoo: models -->``, ``<!-- zoo: losses -->``,
``<!-- zoo: regularisers -->`` and ``<!-- zoo: augmentations -->``; the docs hook
(``hooks.py``) replaces each with a table of every registered component of that kind: its
paper, what it is for, its registered defaults and its options (from its factory's
signature) with their defaults.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

PLACEHOLDER = re.compile(
    r"<!-- zoo: (models|losses|regularisers|augmentations) -->"
)
KIND = {
    "models": "model",
    "losses": "loss",
    "regularisers": "regulariser",
    "augmentations": "augmentation",
}
#: registration keywords that set a run's defaults, in the order the page shows them
DEFAULTS = ("loss", "lr", "betas", "d_steps", "dataset_options", "critic_options")
#: what ganzoo sets itself, never a user option
INTERNAL = {"self", "info", "data_info", "latent_dim", "num_classes"}


def paper_link(paper: str | None) -> str:
    """``"Miyato et al. 2018, https://..."`` -> a markdown link named by its citation."""
    if not paper:
        return ""
    url = re.search(r"https?://\S+", paper)
    cite = paper[: url.start()].strip(" ,") if url else paper
    return f"[{cite or url[0]}]({url[0]})" if url else cite


def options_of(component: Any) -> str:
    """``name=default`` for each option of the component's factory."""
    try:
        params = inspect.signature(component.load()).parameters.values()
    except (TypeError, ValueError):
        return ""
    shown = [
        f"`{p.name}={p.default!r}`"
        if p.default is not inspect.Parameter.empty
        else f"`{p.name}`"
        for p in params
        if p.name not in INTERNAL and p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    return ", ".join(shown) or "(none)"


def defaults_of(component: Any) -> str:
    """The run defaults a model registers (``loss="hinge"``, ``betas=(0.0, 0.9)``, ...)."""
    meta = component.meta  # the keywords given at registration, as a dict
    shown = [f"`{key}={meta[key]!r}`" for key in DEFAULTS if key in meta]
    flags = [
        f"`{key}`"
        for key in ("conditional", "per_sample_critic")
        if getattr(component.record, key, False)
    ]
    return ", ".join(shown + flags) or "—"


def table(kind: str) -> str:
    """The markdown table of every registered component of ``kind``."""
    from ganzoo.host.plugins import get_registry

    rows = [
        "| name | paper | what it is for | registered defaults | options |",
        "|---|---|---|---|---|",
    ]
    for c in get_registry().components(kind):
        cells = [f"`{c.name}`", paper_link(c.record.paper), c.description,
                 defaults_of(c), options_of(c)]  # fmt: skip
        rows.append(
            "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
        )
    return "\n".join(rows)


def render(markdown: str) -> str:
    """``markdown`` with each ``<!-- zoo: KIND -->`` replaced by its table."""
    return PLACEHOLDER.sub(lambda m: table(KIND[m[1]]), markdown)
