"""The search space as a user writes it: a TOML file's ``[space]`` and ``[fixed]`` tables,
or ``-S``/``-F`` entries on the command line, read into what
:func:`ganzoo.tools.sweep.space.check_space` checks (the format: :mod:`~ganzoo.tools.sweep.space`).
"""

from __future__ import annotations

import ast
import copy
import tomllib
from pathlib import Path
from typing import Any

from ganzoo.api.errors import UsageError
from ganzoo.tools.sweep.space import OPTION_DICTS, TOML_TABLES, check_space, set_fixed


def load_space(path: Path | str) -> tuple[dict[str, dict], dict[str, Any]]:
    """``(space, fixed)`` from a TOML file's ``[space]`` and ``[fixed]`` tables, checked.

    :raises UsageError: the file is missing or not TOML, names a table other than these
        two, or holds a key or value :func:`check_space` refuses.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--config {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--config {path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(TOML_TABLES))
    if unknown:
        raise UsageError(
            f"--config {path}: unknown table or key {unknown[0]!r}; valid: "
            + ", ".join(f"[{t}]" for t in TOML_TABLES)
        )
    for table in TOML_TABLES:
        if not isinstance(data.get(table, {}), dict):
            raise UsageError(f"--config {path}: {table} must be a table ([{table}])")
    return check_space(_flatten_space(data.get("space", {})), data.get("fixed", {}))


def _flatten_space(space: dict[str, Any]) -> dict[str, Any]:
    """``[space.model_options] width = {...}`` read as ``"model_options.width"``."""
    flat: dict[str, Any] = {}
    for key, value in space.items():
        nested = key in OPTION_DICTS and isinstance(value, dict) and "type" not in value
        if nested:
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


def parse_space_entry(text: str) -> tuple[str, dict[str, Any]]:
    """``-S KEY=SPEC``: ``lr=float:1e-5:1e-2:log``, ``d_steps=int:1:5[:STEP]``,
    ``loss=choice:nonsat,hinge``. Checked further by :func:`check_space`."""
    key, sep, spec = text.partition("=")
    key, spec = key.strip(), spec.strip()
    kind, _, rest = spec.partition(":")
    syntax = "float:LOW:HIGH[:log|:STEP], int:LOW:HIGH[:log|:STEP] or choice:A,B,..."
    if not sep or not key or kind not in ("float", "int", "choice"):
        raise UsageError(f"--space takes KEY=SPEC with SPEC {syntax}, got {text!r}")
    if kind == "choice":
        choices = [_literal(c.strip()) for c in rest.split(",") if c.strip()]
        return key, {"type": "categorical", "choices": choices}
    parts = rest.split(":")
    if len(parts) not in (2, 3):
        raise UsageError(f"--space {key}: {kind} takes LOW:HIGH[:log|:STEP], got {spec!r}")
    dist: dict[str, Any] = {"type": kind, "low": _literal(parts[0]), "high": _literal(parts[1])}
    if len(parts) == 3:
        if parts[2] == "log":
            dist["log"] = True
        else:
            dist["step"] = _literal(parts[2])
    return key, dist


def parse_fixed_entry(text: str) -> tuple[str, Any]:
    """``-F KEY=VALUE``: ``steps=2000``, ``model=dcgan``, ``model_options.width=64``."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"--fixed takes KEY=VALUE, got {text!r}")
    return key.strip(), _literal(raw.strip())


def _literal(raw: str) -> Any:
    """A command-line value: a number, ``true``/``false``, a Python literal, else the text."""
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw


def merge(
    space: dict[str, dict], fixed: dict[str, Any], more_space: dict, more_fixed: dict
) -> tuple[dict[str, dict], dict[str, Any]]:
    """A TOML file's space and fixed options with the command line's on top (which win).

    A key the command line fixes leaves the space, and one it sweeps leaves the fixed options.
    """
    space, fixed = dict(space), copy.deepcopy(fixed)
    for key in more_fixed:
        space.pop(key, None)
    for key in more_space:
        _pop_fixed(fixed, key)
    for key, value in more_fixed.items():
        _pop_fixed(fixed, key)
        set_fixed(fixed, key, value)
    space.update(more_space)
    return space, fixed


def _pop_fixed(fixed: dict[str, Any], key: str) -> None:
    """Drop ``key`` (``KEY`` or ``options.KEY``) from ``fixed``, where it is there."""
    head, dot, tail = key.partition(".")
    if dot and isinstance(fixed.get(head), dict):
        fixed[head].pop(tail, None)
    elif not dot:
        fixed.pop(head, None)
