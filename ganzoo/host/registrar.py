"""The ``register`` callback a plugin's ``register_*`` hook receives, for one plugin and kind.

Its keywords become the kind's typed record (:mod:`ganzoo.api.records`); an unknown one is a
:class:`~ganzoo.api.errors.PluginError` that costs the plugin its registrations of that kind.
A component without a ``description`` gets its factory's docstring's first line, read from
the source with :mod:`ast` for an import-path factory: nothing is imported (no torch).
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganzoo.api.records import make_record
from ganzoo.host.registry import Component, Provider


def registrar(kind: str, provider: Provider, staged: list[Component]) -> Callable[..., None]:
    """The ``register`` callback for one plugin and one kind; components are staged."""

    def register(name: str, factory: Any, *, description: str | None = None, **meta: Any) -> None:
        record = make_record(kind, name, meta)
        if description is None:
            description = factory_summary(factory)
        family = getattr(record, "family", None)
        staged.append(Component(kind, name, factory, description, provider, family, record))

    return register


def factory_summary(factory: Any) -> str:
    """The first line of a factory's docstring (``""`` if none), importing nothing."""
    if callable(factory):
        doc = getattr(factory, "__doc__", None)
    elif isinstance(factory, str) and ":" in factory:
        module, _, attr = factory.partition(":")
        doc = _source_docstring(module, attr)
    else:
        doc = None
    lines = (doc or "").strip().splitlines()
    return lines[0].strip() if lines else ""


def _source_docstring(module: str, attr: str) -> str | None:
    """The docstring of ``module:attr`` read from the module's source, or ``None``."""
    loaded = sys.modules.get(module)
    if loaded is not None:  # imported already: no cost to ask it
        obj: Any = loaded
        for part in attr.split("."):
            obj = getattr(obj, part, None)
        return getattr(obj, "__doc__", None) if obj is not None else None
    origin = _module_file(module)
    if origin is None:
        return None
    return _docstring_in(origin, attr)


def _module_file(module: str) -> str | None:
    """The ``.py`` file of ``module``, found on ``sys.path`` without importing its parents."""
    parts = module.split(".")
    path: list[str] | None = None
    spec = None
    for i in range(len(parts)):
        name = ".".join(parts[: i + 1])
        loaded = sys.modules.get(name)
        if loaded is not None and i < len(parts) - 1:
            path = list(getattr(loaded, "__path__", []) or [])
            continue
        try:
            if path is None:
                spec = importlib.util.find_spec(name) if i == 0 else None
            else:
                spec = importlib.machinery.PathFinder.find_spec(name, path)
        except (ImportError, ValueError):
            return None
        if spec is None:
            return None
        path = list(spec.submodule_search_locations or [])
    origin = spec.origin if spec is not None else None
    return origin if origin and origin.endswith(".py") else None


@functools.lru_cache(maxsize=64)
def _docstring_in(origin: str, attr: str) -> str | None:
    try:
        tree = ast.parse(Path(origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    body: list[ast.stmt] = tree.body
    node: ast.AST | None = None
    for part in attr.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and n.name == part
            ),
            None,
        )
        if node is None:
            return None
        body = getattr(node, "body", [])
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    return ast.get_docstring(node)
