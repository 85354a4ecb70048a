"""matplotlib for every figure ganzoo draws: headless, written atomically, never half a PNG."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ganzoo.runs.rundir import atomic_path


def pyplot():
    """matplotlib's pyplot on the headless Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def is_number(v: object) -> bool:
    """A finite int or float (not a bool): something a curve can plot."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def save_figure(fig: Any, path: Path, layout: bool = True) -> None:
    """Save a matplotlib figure as PNG atomically and close it (``tight_layout`` first)."""
    plt = pyplot()
    if layout:
        fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
