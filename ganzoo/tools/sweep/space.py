"""The search space: read from TOML or the command line, checked against TrainConfig.

A space maps a :class:`~ganzoo.training.config.TrainConfig` option to a distribution::

    [fixed]                       # what every trial shares
    model = "dcgan"
    steps = 2000
    eval_every = 500

    [space]                       # what the sampler chooses, per trial
    lr = { type = "float", low = 1e-5, high = 1e-2, log = true }
    d_steps = { type = "int", low = 1, high = 3 }
    loss = ["nonsat", "hinge"]    # a list: shorthand for a categorical
    "model_options.base_channels" = { type = "categorical", choices = [32, 64] }

Keys are TrainConfig's field names; a component's options are addressed with a dot
(``model_options.KEY``, ``loss_options``, ``reg_options``, ``augment_options``,
``dataset_options``) and Adam's betas one at a time (``betas.0``, ``betas.1``). On the
command line: ``-S lr=float:1e-5:1e-2:log``, ``-S d_steps=int:1:3``,
``-S loss=choice:nonsat,hinge`` and ``-F steps=2000`` (read by
:mod:`ganzoo.tools.sweep.reading`).

Checked in two stages, both before any trial runs: :func:`check_space` here (the keys and
the types, against TrainConfig's fields: no plugin loads), then
:func:`ganzoo.tools.sweep.trials.check_trials` (a trial's config at every low, high and
choice, through the checks ``ganzoo train`` makes, the components' option names and types
included).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ganzoo.api.errors import UsageError, unknown_name_message
from ganzoo.training.config import TrainConfig

PARAM_TYPES: tuple[str, ...] = ("float", "int", "categorical")
#: The keys each distribution takes, beside ``type``.
PARAM_KEYS: dict[str, tuple[str, ...]] = {
    "float": ("low", "high", "log", "step"),
    "int": ("low", "high", "log", "step"),
    "categorical": ("choices",),
}
#: TrainConfig's option dicts: their keys are swept as ``NAME.KEY``.
OPTION_DICTS: tuple[str, ...] = (
    "model_options", "loss_options", "reg_options", "augment_options", "dataset_options",
)  # fmt: skip
PAIR = "betas"  # swept one element at a time: betas.0, betas.1
SET_BY_SWEEP: tuple[str, ...] = ("out",)  # each trial's run folder is the sweep's choice
TOML_TABLES: tuple[str, ...] = ("space", "fixed")

#: TrainConfig annotation (``| None`` dropped) -> the kind of value the option takes.
_KINDS = {
    "int": "int",
    "float": "float",
    "str": "str",
    "bool": "bool",
    "list[str]": "names",
    "dict[str, Any]": "options",
    "tuple[float, float]": "pair",
}


def field_kinds() -> dict[str, str]:
    """Each TrainConfig field and the kind of value it takes (``int``, ``names``, ...)."""
    kinds = {}
    for f in dataclasses.fields(TrainConfig):
        kinds[f.name] = _KINDS.get(str(f.type).replace(" | None", ""), "any")
    return kinds


def optional_fields() -> set[str]:
    """TrainConfig fields that may be ``None``."""
    return {f.name for f in dataclasses.fields(TrainConfig) if "None" in str(f.type)}


def valid_keys() -> list[str]:
    """What a space may name: scalar options, ``betas.0/1``, ``<options>.KEY``."""
    keys = [
        name
        for name, kind in field_kinds().items()
        if kind in ("int", "float", "str", "bool", "names") and name not in SET_BY_SWEEP
    ]
    return sorted([*keys, f"{PAIR}.0", f"{PAIR}.1", *(f"{d}.KEY" for d in OPTION_DICTS)])


# --- checking ------------------------------------------------------------------------------


def check_space(
    space: dict[str, Any], fixed: dict[str, Any]
) -> tuple[dict[str, dict], dict[str, Any]]:
    """``(space, fixed)`` checked against TrainConfig's fields and normalised.

    Every distribution gets all its keys (``log``, ``step``: their defaults), numbers their
    type, name lists their list form, so that two spellings of one space compare equal.

    :raises UsageError: an empty space, an unknown key (the valid ones listed), a value of
        the wrong type, a distribution with unknown keys or an empty range, a key both swept
        and fixed.
    """
    if not isinstance(space, dict) or not space:
        raise UsageError(
            "the search space is empty: give options to sweep in --config's [space] table "
            "or with -S KEY=SPEC (e.g. -S lr=float:1e-5:1e-2:log)"
        )
    checked_fixed = check_fixed(fixed)
    checked: dict[str, dict] = {}
    for key, dist in space.items():
        kind = _key_kind(str(key))
        checked[key] = _check_dist(key, dist, kind)
        if _has_fixed(checked_fixed, key):
            raise UsageError(f"{key} is both in the search space and fixed; give it once")
    return checked, checked_fixed


def check_fixed(fixed: dict[str, Any]) -> dict[str, Any]:
    """The fixed options as TrainConfig keyword arguments (dotted keys nested), checked."""
    if not isinstance(fixed, dict):
        raise UsageError(f"fixed options must be a table of TrainConfig options, got {fixed!r}")
    kinds, optional = field_kinds(), optional_fields()
    out: dict[str, Any] = {}
    for key, value in fixed.items():
        head, dot, _ = str(key).partition(".")
        if head in SET_BY_SWEEP:
            raise UsageError(f"fixed option {key}: each trial's run folder is set by the sweep")
        if head not in kinds or (dot and kinds[head] != "options"):
            valid = sorted(k for k in kinds if k not in SET_BY_SWEEP)
            raise UsageError(unknown_name_message("fixed option", str(key), valid))
        if dot:
            set_fixed(out, key, value)
            continue
        kind = kinds[head]
        if value is None and head in optional:
            out[head] = None
        elif kind == "options":
            if not isinstance(value, dict):
                raise UsageError(f"fixed option {key} must be a table of KEY = VALUE")
            for k, v in value.items():
                set_fixed(out, f"{head}.{k}", v)
        elif kind == "pair":
            if not (isinstance(value, list | tuple) and len(value) == 2 and all(map(_num, value))):
                raise UsageError(f"fixed option {key} must be two numbers, got {value!r}")
            out[head] = [float(v) for v in value]
        elif kind == "names":
            out[head] = names(key, value)
        else:
            out[head] = _scalar(f"fixed option {key}", kind, value)
    return out


def _key_kind(key: str) -> str:
    """The kind of value a space key takes; :class:`UsageError` for an unknown key."""
    kinds = field_kinds()
    head, dot, tail = key.partition(".")
    if dot and head in OPTION_DICTS and tail.isidentifier():
        return "any"
    if dot and head == PAIR and tail in ("0", "1"):
        return "float"
    kind = kinds.get(key)
    if kind in ("int", "float", "str", "bool", "names") and key not in SET_BY_SWEEP:
        return kind
    if key in SET_BY_SWEEP:
        raise UsageError(f"{key} cannot be swept: each trial's run folder is set by the sweep")
    if kind == "pair":
        raise UsageError(f"sweep {PAIR} one element at a time: {PAIR}.0 and {PAIR}.1")
    if kind == "options":
        raise UsageError(f"sweep {key} one key at a time: {key}.KEY (e.g. {key}.width)")
    raise UsageError(unknown_name_message("search space option", key, valid_keys()))


def _check_dist(key: str, dist: Any, kind: str) -> dict[str, Any]:
    """One distribution, normalised; refused where it does not suit an option of ``kind``."""
    if isinstance(dist, list):  # shorthand: a list of choices
        dist = {"type": "categorical", "choices": dist}
    if not isinstance(dist, dict):
        raise UsageError(
            f"search space {key}: expected a distribution such as "
            f'{{type = "float", low = 0.1, high = 1.0}} or a list of choices, got {dist!r}'
        )
    kind_of = dist.get("type")
    if kind_of not in PARAM_TYPES:
        raise UsageError(
            f"search space {key}: type must be one of {', '.join(PARAM_TYPES)}, got {kind_of!r}"
        )
    unknown = sorted(set(dist) - {"type", *PARAM_KEYS[kind_of]})
    if unknown:
        raise UsageError(
            f"search space {key}: unknown key {unknown[0]!r} for type {kind_of}; valid: "
            + ", ".join(PARAM_KEYS[kind_of])
        )
    if kind_of == "categorical":
        return {"type": "categorical", "choices": _choices(key, dist.get("choices"), kind)}
    if kind not in ("any", kind_of) and not (kind == "float" and kind_of == "int"):
        hint = "a list of choices" if kind in ("str", "bool", "names") else f"type {kind}"
        raise UsageError(f"search space {key} takes {_kind_text(kind)}: use {hint}")
    return _check_range(key, kind_of, dist)


def _check_range(key: str, kind_of: str, dist: dict[str, Any]) -> dict[str, Any]:
    is_value = _int if kind_of == "int" else _num
    low, high = dist.get("low"), dist.get("high")
    for name, value in (("low", low), ("high", high)):
        if not is_value(value) or not math.isfinite(value):
            raise UsageError(
                f"search space {key}: {name} must be {_kind_text(kind_of)}, got {value!r}"
            )
    if low > high:
        raise UsageError(f"search space {key}: low ({low}) must not exceed high ({high})")
    log, step = dist.get("log", False), dist.get("step")
    if not isinstance(log, bool):
        raise UsageError(f"search space {key}: log must be true or false, got {log!r}")
    if step is not None and (not is_value(step) or step <= 0):
        raise UsageError(
            f"search space {key}: step must be {_kind_text(kind_of)} > 0, got {step!r}"
        )
    if log and step is not None:
        raise UsageError(f"search space {key}: log and step do not combine; give one")
    if log and low <= 0:
        raise UsageError(f"search space {key}: a log range needs low > 0, got {low}")
    cast = int if kind_of == "int" else float
    return {
        "type": kind_of,
        "low": cast(low),
        "high": cast(high),
        "log": log,
        "step": None if step is None else cast(step),
    }


def _choices(key: str, choices: Any, kind: str) -> list[Any]:
    if not isinstance(choices, list) or not choices:
        raise UsageError(f"search space {key}: choices must be a non-empty list, got {choices!r}")
    out = []
    for choice in choices:
        if kind == "any":
            if not isinstance(choice, str | int | float | bool):
                raise UsageError(
                    f"search space {key}: each choice must be a string, number or boolean, "
                    f"got {choice!r}"
                )
            out.append(choice)
        elif kind == "names":
            if not isinstance(choice, str):
                raise UsageError(
                    f"search space {key}: each choice must be names separated by commas "
                    f'("" for none), got {choice!r}'
                )
            out.append(",".join(names(key, choice)))
        else:
            out.append(_scalar(f"search space {key}", kind, choice))
    if len({repr(c) for c in out}) != len(out):
        raise UsageError(f"search space {key}: choices repeat: {out}")
    return out


def _scalar(what: str, kind: str, value: Any) -> Any:
    ok = {
        "int": _int(value),
        "float": _num(value),
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
    }.get(kind, True)
    if not ok:
        raise UsageError(f"{what} takes {_kind_text(kind)}, got {value!r}")
    return float(value) if kind == "float" else value


def names(key: str, value: Any) -> list[str]:
    """A choice of components (``"r1,r2"`` or a list) as the list TrainConfig holds."""
    if isinstance(value, str):
        return [n.strip() for n in value.split(",") if n.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [n.strip() for n in value if n.strip()]
    raise UsageError(f'{key} takes names ("r1,r2" or a list of strings), got {value!r}')


def _kind_text(kind: str) -> str:
    return {
        "int": "an integer",
        "float": "a number",
        "str": "a string",
        "bool": "true or false",
        "names": "names",
    }.get(kind, "a value")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def set_fixed(fixed: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` (``"steps"``, or ``"model_options.width"`` in its dict) in ``fixed``."""
    head, dot, tail = key.partition(".")
    if dot:
        fixed.setdefault(head, {})[tail] = value
    else:
        fixed[head] = value


def _has_fixed(fixed: dict[str, Any], key: str) -> bool:
    head, dot, tail = key.partition(".")
    if dot and head == PAIR:
        return False  # the other element of a fixed pair is read from it
    if dot:
        return tail in (fixed.get(head) or {})
    return head in fixed
