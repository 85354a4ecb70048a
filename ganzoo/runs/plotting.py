"""matplotlib for every figure ganzoo draws: headless, written atomically, never half a PNG."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ganzoo.runs.files import atomic_path


def pyplot():
    """matplotlib's pyplot on the headless Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def new_figure(**kwargs: Any) -> Any:
    """A matplotlib ``Figure`` made without pyplot, for a figure that is only saved.

    pyplot's figure manager is of no use to a figure written to a file, and importing it
    cost the README's first run 0.1 s at its end (the PNG is the same byte for byte).
    """
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def is_number(v: object) -> bool:
    """A finite int or float (not a bool): something a curve can plot."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


#: The PNG text key that records a figure's smallest text, in pixels of the saved image:
#: the docs' browser test scales it by how large the page shows the figure (>= ~8 px).
MIN_FONT_KEY = "ganzoo:min-font-px"
DPI = 110


def smallest_text_px(fig: Any, dpi: float = DPI) -> float | None:
    """The size in pixels, at ``dpi``, of the smallest visible text in ``fig`` (None: no text)."""
    from matplotlib.text import Text

    sizes = [
        t.get_fontsize()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is fig
    ]
    return min(sizes) * dpi / 72 if sizes else None


def save_figure(fig: Any, path: Path, layout: bool = True) -> None:
    """Save a matplotlib figure as PNG atomically and close it (``tight_layout`` first).

    The PNG records its smallest text size (:data:`MIN_FONT_KEY`) so that a page showing
    it scaled down can be checked for legibility.
    """
    if layout:
        fig.tight_layout()
    smallest = smallest_text_px(fig)
    metadata = {MIN_FONT_KEY: f"{smallest:.2f}"} if smallest is not None else {}
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, metadata=metadata)
    if fig.canvas.manager is not None:  # made by pyplot, which keeps it until closed
        pyplot().close(fig)
