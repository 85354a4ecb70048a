"""SIGINT and SIGTERM during training: finish the step, save, then stop with 130 or 143."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

from ganzoo.api.errors import GanzooError

SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(GanzooError):
    """Stopped by SIGINT or SIGTERM after saving a checkpoint (exit 130 or 143)."""

    prefix = "Stopped"

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Stop(BaseException):
    """Raised by the signal handler inside :func:`interruptible` to cut an evaluation short."""


@contextlib.contextmanager
def interruptible(caught: dict[str, int]) -> Iterator[None]:
    """A signal during this block stops it at once (the evaluation is dropped, not saved)."""
    caught["interruptible"] = 1
    try:
        yield
    except _Stop:
        pass
    finally:
        caught.pop("interruptible", None)


@contextlib.contextmanager
def signals_caught() -> Iterator[dict[str, int]]:
    """SIGINT/SIGTERM set a flag instead of killing: the loop ends its step, then saves."""
    import threading

    caught: dict[str, int] = {}
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {}

    def handler(signum: int, frame: Any) -> None:
        caught.setdefault("signal", signum)
        if caught.pop("interruptible", None):
            raise _Stop

    for sig in SIGNAL_EXIT:
        previous[sig] = signal.signal(sig, handler)
    try:
        yield caught
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
