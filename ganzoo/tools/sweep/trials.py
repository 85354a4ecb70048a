"""A trial's side of the space: its values drawn, its run's TrainConfig, every corner checked.

:func:`suggest` asks an optuna trial for a value of each option; :func:`trial_config` turns
the fixed options and those values into the :class:`~ganzoo.training.config.TrainConfig` of
the trial's run; :func:`check_trials` builds that config at every corner of the space
(:func:`corners`) and checks it as ``ganzoo train`` would, before any trial runs.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.tools.sweep.space import PAIR, field_kinds, names, set_fixed
from ganzoo.training.config import TrainConfig


def suggest(trial: Any, space: dict[str, dict]) -> dict[str, Any]:
    """One trial's values, drawn by an optuna ``trial`` (or given, for a trial it redoes)."""
    params = {}
    for key, d in space.items():
        if d["type"] == "float":
            low, high = d["low"], d["high"]
            params[key] = trial.suggest_float(key, low, high, log=d["log"], step=d["step"])
        elif d["type"] == "int":
            step = d["step"] or 1
            params[key] = trial.suggest_int(key, d["low"], d["high"], step=step, log=d["log"])
        else:
            params[key] = trial.suggest_categorical(key, d["choices"])
    return params


def trial_config(
    fixed: dict[str, Any], params: dict[str, Any], out: Path | str, threads: int | None = None
) -> TrainConfig:
    """The run of one trial: the fixed options, the trial's values, its folder and threads."""
    from ganzoo.training.defaults import optimiser_defaults

    values = copy.deepcopy(fixed)
    pair = {int(k.partition(".")[2]): v for k, v in params.items() if k.startswith(f"{PAIR}.")}
    kinds = field_kinds()
    for key, value in params.items():
        if key.startswith(f"{PAIR}."):
            continue
        if kinds.get(key) == "names":
            value = names(key, value)
        set_fixed(values, key, value)
    values["out"] = str(out)
    if threads is not None and values.get("threads") is None:
        values["threads"] = threads
    if values.get(PAIR) is not None:
        values[PAIR] = tuple(values[PAIR])
    config = TrainConfig(**values)
    if pair:
        betas = list(config.betas or optimiser_defaults(config)[0])  # the model's, if not fixed
        for index, value in pair.items():
            betas[index] = float(value)
        config.betas = (betas[0], betas[1])
    return config


def corners(space: dict[str, dict]) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """``(key, params)``: every option at its first value, then each low, high and choice.

    The first value of each (its low, its first choice) makes the base; each other value is
    tried with the rest at the base, so a value that only one model takes is found too.
    """
    base = {k: _first(d) for k, d in space.items()}
    yield None, dict(base)
    for key, d in space.items():
        values = d["choices"][1:] if d["type"] == "categorical" else [d["high"]]
        for value in values:
            if value != base[key]:
                yield key, {**base, key: value}


def _first(dist: dict[str, Any]) -> Any:
    return dist["choices"][0] if dist["type"] == "categorical" else dist["low"]


def check_trials(space: dict[str, dict], fixed: dict[str, Any]) -> None:
    """Every corner of the space (:func:`corners`) as ``ganzoo train`` would check it.

    :raises UsageError: naming the value that fails (or the base values) and why.
    """
    from ganzoo.training.config import check, check_options

    for key, params in corners(space):
        try:
            config = trial_config(fixed, params, "unused")
            check_options(config, check(config))
        except GanzooError as exc:
            where = (
                f"search space {key}={params[key]!r}"
                if key is not None
                else "a trial with " + ", ".join(f"{k}={v!r}" for k, v in params.items())
            )
            raise UsageError(f"{where} is refused: {exc}") from None
        except TypeError as exc:  # TrainConfig(**values) with a key it lacks
            raise UsageError(f"fixed options are refused: {exc}") from None
