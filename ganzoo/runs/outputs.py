"""Where ``ganzoo sample`` and ``ganzoo export`` write: checked first, written atomically.

An output is checked before any work is done, so a refused command writes nothing: it
must not exist (unless ``--overwrite``, which replaces only what ganzoo itself could have
written there, never a run folder or a foreign one), and its parent must be a folder or
creatable. Files are written through :func:`ganzoo.runs.files.atomic_path`; a folder is built
under a temporary name beside its target and renamed into place, so a kill leaves either
the old output or the new one, never half of one. Torch-free.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ganzoo.api.errors import UsageError
from ganzoo.runs.files import FILE_MODE, atomic_path, current_umask
from ganzoo.runs.rundir import CONFIG

DIR_MODE = 0o777  # what mkdir asks for; the umask takes its share


def check_parent(path: Path, option: str = "--out") -> None:
    """Refuse ``path`` when an existing ancestor is a file (its folder can never be made)."""
    for parent in Path(path).absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"cannot write {option} {path}: {parent} is a file, not a folder")
            return


def check_new_file(path: Path, overwrite: bool, option: str = "--out", what: str = "file") -> None:
    """A file ``path`` may be written: absent, or a file and ``overwrite`` is given."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give a {what} name")
    if path.exists() and not overwrite:
        raise UsageError(f"{option} {path} exists; pass --overwrite to replace it")
    check_parent(path, option)


def check_new_folder(
    path: Path,
    overwrite: bool,
    replaceable: Callable[[Path], bool],
    option: str = "--out",
    what: str = "this command's output",
) -> None:
    """A folder ``path`` may be written: absent or empty, or ``overwrite`` and ``replaceable``.

    ``replaceable(path)`` says whether an existing folder holds only what the command writes
    (so ``--overwrite`` can never delete a run or someone's files).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a folder")
    if path.is_dir() and any(path.iterdir()):
        if (path / CONFIG).is_file() and (path / "checkpoints").is_dir():
            raise UsageError(f"{option} {path} is a ganzoo run; choose another folder")
        if not overwrite:
            raise UsageError(f"{option} {path} is not empty; pass --overwrite to replace it")
        if not replaceable(path):
            raise UsageError(
                f"{option} {path} holds files that are not {what}; refusing to replace it"
            )
    check_parent(path, option)


@contextlib.contextmanager
def writing(path: Path, option: str = "--out") -> Iterator[None]:
    """Turn an ``OSError`` while writing ``path`` into one line naming it."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot write {option} {path}: {reason}") from exc


def write_bytes(path: Path, data: bytes, option: str = "--out") -> None:
    """Write ``data`` to ``path`` atomically, with a plain ``open()``'s permissions."""
    with writing(path, option), atomic_path(Path(path)) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def atomic_folder(path: Path, option: str = "--out") -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path``.

    An existing ``path`` (checked by :func:`check_new_folder`) is moved aside first and
    deleted only once the new folder is in place.
    """
    path = Path(path)
    with writing(path, option):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        os.chmod(tmp, DIR_MODE & ~current_umask())
        with writing(path, option):
            yield tmp
            old = None
            if path.exists():
                old = path.with_name(f".{path.name}.old-{os.getpid()}")
                os.replace(path, old)
            os.replace(tmp, path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def plain_file(path: Path) -> None:
    """Give a file written by a library (PIL, torch) a plain ``open()``'s permissions."""
    os.chmod(path, FILE_MODE & ~current_umask())
