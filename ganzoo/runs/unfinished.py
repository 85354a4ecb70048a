"""A run that fails before its first checkpoint leaves nothing that blocks running it again.

``ganzoo train --out X`` refuses a folder that holds files, so a run that stopped before it
saved anything (a loss that raises in its first step, a diverged first step, a crash) would
make the very same command fail with "not empty". :func:`removed_if_unfinished` wraps a new
run: on any exception before the first checkpoint exists it deletes what this invocation
created (the run folder, and the empty parent folders it made) and re-raises. A folder that
existed before, empty (as ``--out`` allows), is kept and only emptied of what was written
into it. Once a checkpoint is saved the run can be resumed and is left as it is.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from ganzoo.runs.rundir import RunDir


def first_missing(path: Path) -> Path | None:
    """The outermost folder of ``path`` that does not exist yet (``None``: it all exists)."""
    path = path.absolute()
    if path.exists():
        return None
    top = path
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    return top


@contextlib.contextmanager
def removed_if_unfinished(run: RunDir, enabled: bool = True) -> Iterator[None]:
    """Within the block, a failure before ``run``'s first checkpoint undoes its folder.

    ``enabled`` is ``False`` on the processes that do not own the folder (DDP ranks > 0).
    Enter it before the folder is created; exit it after the folder's lock is released.
    """
    top = first_missing(run.path)
    try:
        yield
    except BaseException:
        if enabled and run.latest_checkpoint() is None:
            discard(run.path, top)
        raise


def discard(path: Path, top: Path | None) -> None:
    """Delete the run folder ``path`` (made by this invocation when ``top`` is not ``None``).

    ``top`` is the outermost folder the invocation created on the way to ``path``; empty
    folders between the two go too. With ``top`` ``None`` the folder existed (empty): only
    its contents go.
    """
    path = path.absolute()
    if not path.is_dir():
        return
    if top is None:
        for child in path.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        return
    shutil.rmtree(path, ignore_errors=True)
    parent = path.parent
    while parent != top.parent and top in (parent, *parent.parents):
        try:
            parent.rmdir()  # only if empty: never what someone else put there
        except OSError:
            break
        parent = parent.parent
