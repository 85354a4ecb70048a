"""Check ``-M/-L/-D KEY=VALUE`` option values against the factory's parameter annotations.

The CLI reads values as Python literals (``hidden_dim=true`` is ``True``); a value that does
not fit the parameter's annotation is refused in one line before the factory runs:
``model 'vanilla' option hidden_dim expects int, got True``. Understood annotations: ``int``,
``float`` (an int is accepted), ``bool``, ``str`` (a number is taken as its text),
``tuple[...]``/``list[...]`` (either sequence is accepted and converted), ``Literal``,
``Optional``/``X | None`` and unions of these. A parameter without an annotation, or with
one not listed, takes any value.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

from ganzoo.api.errors import UsageError


class _Mismatch(Exception):
    """The value does not fit the annotation."""


def annotations_of(factory: Callable[..., Any]) -> dict[str, Any]:
    """The factory's resolved parameter annotations (a class: its ``__init__``'s), or ``{}``."""
    target = factory.__init__ if isinstance(factory, type) else factory  # type: ignore[misc]
    try:
        return typing.get_type_hints(target)
    except Exception:  # a name only imported for type checking: resolve what resolves
        pass
    resolved = {}
    namespace = getattr(target, "__globals__", {})
    for name, hint in getattr(target, "__annotations__", {}).items():
        try:
            resolved[name] = eval(hint, namespace) if isinstance(hint, str) else hint
        except Exception:  # this one cannot be checked: it takes any value
            continue
    return resolved


def check_options(
    what: str, factory: Callable[..., Any], options: dict[str, Any]
) -> dict[str, Any]:
    """``options`` with each value checked (and converted) against its annotation.

    :param what: how the error names the component, e.g. ``"model 'vanilla'"``.
    :raises UsageError: ``model 'vanilla' option hidden_dim expects int, got True``.
    """
    hints = annotations_of(factory)
    checked = dict(options)
    for key, value in options.items():
        if key not in hints:
            continue
        try:
            checked[key] = _fit(value, hints[key])
        except _Mismatch:
            raise UsageError(
                f"{what} option {key} expects {_name(hints[key])}, got {value!r}"
            ) from None
    return checked


def _fit(value: Any, hint: Any) -> Any:
    """``value`` converted to fit ``hint``; :class:`_Mismatch` if it cannot."""
    origin = typing.get_origin(hint)
    if hint is Any or hint is object:
        return value
    if origin is typing.Union or origin is types.UnionType:
        for arm in typing.get_args(hint):
            try:
                return _fit(value, arm)
            except _Mismatch:
                continue
        raise _Mismatch
    if hint is type(None):
        if value is None:
            return None
        raise _Mismatch
    if origin is typing.Literal:
        if value in typing.get_args(hint):
            return value
        raise _Mismatch
    if origin in (tuple, list) or hint in (tuple, list):
        return _fit_sequence(value, origin or hint, typing.get_args(hint))
    return _fit_scalar(value, hint)


def _fit_scalar(value: Any, hint: Any) -> Any:
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise _Mismatch
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise _Mismatch
    if hint is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise _Mismatch
    return value  # an annotation this module does not check


def _fit_sequence(value: Any, kind: type, args: tuple[Any, ...]) -> Any:
    if not isinstance(value, tuple | list):
        raise _Mismatch
    if kind is tuple and args and args[-1] is not Ellipsis:
        if len(args) != len(value):
            raise _Mismatch
        return tuple(_fit(v, a) for v, a in zip(value, args, strict=True))
    item = args[0] if args else Any
    return kind(_fit(v, item) for v in value)


def _name(hint: Any) -> str:
    """``int``, ``int or str``, ``tuple[int, ...]``: an annotation as the error shows it.

    ``Optional[X]`` shows as ``X``: ``None`` is the factory's "choose for me", not a value a
    user means to pass.
    """
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        arms = [a for a in typing.get_args(hint) if a is not type(None)]
        return " or ".join(_name(a) for a in arms)
    if hint is type(None):
        return "None"
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(hint))
    if isinstance(hint, type) and not typing.get_args(hint):
        return hint.__name__
    return str(hint).replace("typing.", "")
