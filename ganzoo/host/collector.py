"""Python's cyclic garbage collector in a ``ganzoo`` process: off while it builds.

Importing torch, ``torch._dynamo`` (which ``torch.optim`` imports) and matplotlib creates
about 400,000 objects that live until the process ends. The collector scanned them all five
times during the imports, once more for the loss-curve figure and once at exit: 1.3 s of the
README's first run's 3.8 s of fixed CPU time (``benchmarks/bench_first_run.py --profile``).
A program run of ``ganzoo`` therefore:

- turns the collector off while it imports and builds (:func:`deferred`);
- once the run is built, moves every object alive into the permanent generation, which the
  collector never scans again (:func:`gc.freeze`), and turns it back on for the training
  loop (:func:`built`), whose own garbage it collects as before;
- freezes again before exiting (:func:`exiting`), so that finalisation does not scan them.

None of this changes what a run computes. Only ``ganzoo train`` run as a program defers
(another command has no point where its building ends, and a long ``ganzoo eval`` must
collect); ``ganzoo`` called from Python (``main([...])``, the tests) leaves it alone.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_deferred = False  # the collector is off because deferred() turned it off


@contextlib.contextmanager
def deferred(program: bool) -> Iterator[None]:
    """Within the block, no cyclic collection until :func:`built` (``program`` only).

    The collector is back on when the block ends, whatever happened inside.
    """
    global _deferred
    if not program or not gc.isenabled():
        yield
        return
    gc.disable()
    _deferred = True
    try:
        yield
    finally:
        if _deferred:
            _deferred = False
            gc.enable()


def built() -> None:
    """Everything alive now lives for the whole run: freeze it and collect again after.

    Does nothing unless :func:`deferred` turned the collector off.
    """
    global _deferred
    if _deferred:
        _deferred = False
        gc.freeze()
        gc.enable()


def exiting() -> None:
    """The process is about to exit: spare finalisation a scan of every object."""
    gc.freeze()
