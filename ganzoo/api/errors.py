"""Exceptions that carry a user-facing, one-line message and an exit code.

The CLI prints ``Error: <message>`` for any :class:`GanzooError` and exits with its
``exit_code``; no traceback is shown for a user's mistake.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GanzooError(Exception):
    """Base class of errors ganzoo reports to the user (exit code 1)."""

    exit_code = 1
    prefix = "Error"  # the CLI prints "<prefix>: <message>"


class UsageError(GanzooError):
    """The invocation is wrong: a bad name, value or path (exit code 2)."""

    exit_code = 2


class UnknownNameError(UsageError):
    """A model, loss or dataset name that no plugin registered."""

    def __init__(
        self, kind: str, name: str, valid: Iterable[str], disabled: Iterable[str] = ()
    ) -> None:
        valid = sorted(valid)
        self.kind, self.name, self.valid = kind, name, valid
        super().__init__(unknown_name_message(kind, name, valid, disabled))


class IncompatibleDataError(UsageError):
    """A model cannot be built for a dataset's shape; the message says why."""


class DataError(UsageError):
    """A dataset's files are missing, unreadable, or could not be downloaded."""


class PluginError(GanzooError):
    """A plugin broke the contract (raised inside ganzoo, reported per plugin)."""


def unknown_name_message(
    kind: str, name: str, valid: Iterable[str], disabled: Iterable[str] = ()
) -> str:
    """``unknown model 'vanila' (did you mean 'vanilla'?); valid models: dcgan, vanilla``.

    With plugins turned off (``disabled``), a note says they may provide the name.
    """
    valid = sorted(valid)
    close = difflib.get_close_matches(name, valid, n=3, cutoff=0.6)
    hint = " (did you mean " + " or ".join(repr(c) for c in close) + "?)" if close else ""
    listing = ", ".join(valid) if valid else "(none registered)"
    plural = {"loss": "losses", "study": "studies"}.get(kind, kind + "s")
    off = sorted(disabled)
    note = f"; note: disabled plugins ({', '.join(off)}) may provide it" if off else ""
    return f"unknown {kind} {name!r}{hint}; valid {plural}: {listing}{note}"
