"""Files a kill cannot half-write, and folders two processes cannot share.

Writes go to a temporary file in the same folder, then ``os.replace`` moves it into place,
so a kill at any moment leaves either the old complete file or the new complete one. A
folder's lock is an OS file lock (``flock``), which dies with the process that holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError

FILE_MODE = 0o666  # what open() asks for; the umask takes its share


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it onto ``path``.

    The file gets the permissions a plain ``open()`` would give it (``0o666`` less the
    umask), not ``mkstemp``'s private ``0o600``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE & ~current_umask())
    finally:
        os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def current_umask() -> int:
    """The process's umask, read without changing it where the OS allows."""
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/self/status", encoding="ascii") as f,
    ):
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # no /proc: set and restore (not atomic, but brief)
    os.umask(mask)
    return mask


def timestamped_folder(root: Path, prefix: str) -> Path:
    """``root/<prefix>-<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``... appended): never an existing one."""
    from datetime import datetime

    base = Path(root) / f"{prefix}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def exclusive_lock(path: Path, refusal: str) -> Iterator[int]:
    """Hold the lock file ``path`` for this process; a second holder is refused.

    An OS file lock (``flock``) dies with the last process that holds its file open, so a
    killed holder never leaves it locked; a child process handed the yielded descriptor
    (``pass_fds``) keeps it held while it lives. ``refusal`` is the :class:`UsageError`'s
    message, its ``{pid}`` replaced by the holder's process id.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if not _lock_now(fd):
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise UsageError(refusal.format(pid=holder))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)  # releases the lock (unless a child holds it open)


@contextlib.contextmanager
def try_lock(path: Path) -> Iterator[bool]:
    """Hold the lock file ``path`` while the block runs, if no other process holds it:
    yields True when this process got it, False (and waits for nothing) when not."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        yield _lock_now(fd)
    finally:
        os.close(fd)  # releases the lock


def _lock_now(fd: int) -> bool:
    """Take the exclusive ``flock`` of ``fd`` without waiting; False where another holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
