"""How a run shows its progress: the :class:`Progress` protocol, and :class:`Quiet`."""

from __future__ import annotations

import sys
from typing import Protocol


class Progress(Protocol):
    """How a run shows its progress; the loop calls these on the main process only."""

    def start(self, title: str, total: int | None, completed: int) -> None:
        """The run begins (or resumes at ``completed`` of ``total`` steps)."""
        ...

    def update(self, step: int, stats: dict[str, float]) -> None:
        """A log line: ``step`` reached, with the mean statistics since the last one."""
        ...

    def message(self, text: str) -> None:
        """A line for the user (a warning, an evaluation's summary)."""
        ...

    def stop(self) -> None:
        """The run ends, by finishing or by an error."""
        ...


class Quiet:
    """No progress bar; messages go to stderr."""

    def start(self, title: str, total: int | None, completed: int) -> None:
        """Nothing to show."""

    def update(self, step: int, stats: dict[str, float]) -> None:
        """Nothing to show."""

    def message(self, text: str) -> None:
        """Print ``text`` to stderr."""
        print(text, file=sys.stderr)

    def stop(self) -> None:
        """Nothing to close."""
