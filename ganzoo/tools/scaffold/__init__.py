"""``ganzoo plugin new``: write a ready-to-install plugin package (torch-free).

    create_plugin("mygan", "model", Path("."))   # -> ./ganzoo-mygan/

The package is a distribution ``ganzoo-NAME`` with one module ``ganzoo_NAME`` whose
``@ganzoo.hookimpl`` registers one working component by import path, a ``pyproject.toml``
(hatchling, the ``ganzoo`` entry point), a README and a test that runs ``ganzoo.testing``.
Templates are the ``*.tmpl`` files next to this module, filled with :class:`string.Template`.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ganzoo import __version__
from ganzoo.api.errors import UsageError
from ganzoo.api.hooks import CONTRACT_VERSION
from ganzoo.runs.files import current_umask

KINDS: tuple[str, ...] = ("model", "loss", "dataset")
TEMPLATES = Path(__file__).parent / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
MAX_NAME = 40
#: kind -> (the hook, the module written, the factory in it, how to use it)
KIND_FILES: dict[str, tuple[str, str, str, str]] = {
    "model": ("register_models", "model", "build", "ganzoo train --model {name}"),
    "loss": ("register_losses", "loss", "LabelSmoothingLoss", "ganzoo train --loss {name}"),
    "dataset": ("register_datasets", "dataset", "load", "ganzoo train --dataset {name}"),
}


@dataclass(frozen=True)
class PluginNames:
    """The names one plugin goes by."""

    name: str  # the component and the entry point: "my-gan"
    distribution: str  # what pip installs: "ganzoo-my-gan"
    package: str  # the import name: "ganzoo_my_gan"


def plugin_names(name: str) -> PluginNames:
    """Validate ``name`` and derive the distribution and package names from it.

    A leading ``ganzoo-``/``ganzoo_`` is dropped: the distribution gets it anyway.
    """
    bare = re.sub(r"^ganzoo[-_]", "", name)
    if not bare or len(bare) > MAX_NAME or not _NAME.match(bare):
        raise UsageError(
            f"invalid plugin name {name!r}: use lowercase letters and digits, starting with a "
            f"letter, with single '-' or '_' between words, at most {MAX_NAME} characters "
            "(e.g. 'mygan', 'style-gan')"
        )
    return PluginNames(bare, f"ganzoo-{bare}", f"ganzoo_{bare.replace('-', '_')}")


def create_plugin(name: str, kind: str, parent: Path) -> Path:
    """Write the package for a ``kind`` plugin called ``name`` into ``parent``; return its folder.

    Refuses (:class:`UsageError`) a bad name or kind, and a destination that exists and is
    not empty. Files are written into a temporary folder first and moved into place at the
    end, so a failure leaves nothing half-written.
    """
    if kind not in KINDS:
        raise UsageError(f"--kind must be one of {', '.join(KINDS)}, got {kind!r}")
    names = plugin_names(name)
    parent = Path(parent).expanduser()
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"--dir {parent} is a file, not a folder")
    dest = parent / names.distribution
    if dest.is_file() or dest.is_symlink() or (dest.is_dir() and any(dest.iterdir())):
        raise UsageError(f"{dest} already exists; remove it or choose another --dir")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{names.distribution}-", dir=parent))
        os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp's 0o700 would make it private
    except OSError as exc:
        raise UsageError(f"cannot create {dest}: {exc.strerror or exc}") from exc
    try:
        for relative, text in render(names, kind).items():
            path = tmp / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if dest.is_dir():
            dest.rmdir()  # empty: nothing is overwritten
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def render(names: PluginNames, kind: str) -> dict[str, str]:
    """The package's files, relative path -> text."""
    hook, module, factory, usage = KIND_FILES[kind]
    values = {
        "name": names.name,
        "distribution": names.distribution,
        "package": names.package,
        "kind": kind,
        "kinds": {"loss": "losses"}.get(kind, kind + "s"),
        "hook": hook,
        "module": module,
        "factory": factory,
        "usage": usage.format(name=names.name),
        "ganzoo_version": __version__,
        "contract": str(CONTRACT_VERSION),
    }

    def fill(template: str) -> str:
        return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)

    return {
        "pyproject.toml": fill("pyproject.toml.tmpl"),
        "README.md": fill("README.md.tmpl"),
        ".gitignore": fill("gitignore.tmpl"),
        f"{names.package}/__init__.py": fill(f"{kind}/__init__.py.tmpl"),
        f"{names.package}/{module}.py": fill(f"{kind}/{module}.py.tmpl"),
        f"tests/test_{names.package}.py": fill(f"{kind}/test.py.tmpl"),
    }
