"""The progress bar of ``ganzoo train`` and ``compare``: a rich bar with the latest statistics.

It implements :class:`ganzoo.training.progress.Progress`; the loop itself shows nothing.
"""

from __future__ import annotations

from typing import Any

STAT_NAMES = {
    "d_loss": "D loss",
    "g_loss": "G loss",
    "d_real": "D(x)",
    "d_fake": "D(G(z))",
    "d_acc": "D acc",
    "d_grad_norm": "|∇D|",
    "g_grad_norm": "|∇G|",
    "g_spread": "G spread",
}


def format_stats(stats: dict[str, float]) -> str:
    """``D loss 1.234  G loss 0.987 ...``: the statistics of a log line, named for people."""
    return "  ".join(f"{STAT_NAMES.get(k, k)} {v:.3f}" for k, v in stats.items())


class RichProgress:
    """A rich progress bar on ``console`` (stderr), or messages alone with ``bar=False``."""

    def __init__(self, console: Any, bar: bool = True) -> None:
        self.console, self.bar = console, bar
        self._progress: Any = None
        self._task: Any = None

    def start(self, title: str, total: int | None, completed: int) -> None:
        """Show the bar (``total`` None: a run bounded by its time budget)."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn(f"[bold]{title}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[stats]}"),
            console=self.console,
            disable=not self.bar,
        )
        self._progress.start()
        self._task = self._progress.add_task("train", total=total, completed=completed, stats="")

    def update(self, step: int, stats: dict[str, float]) -> None:
        """Move the bar to ``step`` and show the latest statistics."""
        if self._progress is not None:
            self._progress.update(self._task, completed=step, stats=format_stats(stats))

    def message(self, text: str) -> None:
        """A line above the bar."""
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        """Remove the bar's live display (the last frame stays)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
