"""Code grids: vary one latent code of an InfoGAN-style model, hold the noise and the rest.

``ganzoo sample RUN --code c1=0..9`` draws a grid whose rows each hold one draw of the noise
and of the other codes, and whose columns set the named code to successive values: reading
across a row shows what that code alone does (the paper's Figure 2). The model is reached
through :class:`ganzoo.api.codes.CodedModel` only (``latent_codes`` and ``with_code``), so a
third party's coded model gets grids as well.

The spec is ``NAME`` (the code's whole range: every value of a categorical code, the prior's
range of a continuous one), ``NAME=LO..HI`` (a categorical code's values LO to HI; a
continuous code's range in 10 even steps) or ``NAME=LO..HI:STEPS``. A continuous code may
range past its prior (the paper varies its codes over [-2, 2] to show that they extrapolate).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import torch

from ganzoo.api.errors import UsageError

CONTINUOUS_STEPS = 10  # columns of a continuous code's grid when the spec gives none
MAX_COLUMNS = 100
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_SPEC = re.compile(
    rf"^(?P<name>\w+)(?:=(?P<lo>{_NUMBER})\.\.(?P<hi>{_NUMBER})(?::(?P<steps>\d+))?)?$"
)
SYNTAX = "NAME, NAME=LO..HI or NAME=LO..HI:STEPS (e.g. c1=0..9, c2=-2..2:5)"


@dataclass(frozen=True)
class CodeSpec:
    """What ``--code`` asks for: a code's name and, optionally, the range and steps to show."""

    name: str
    low: float | None = None
    high: float | None = None
    steps: int | None = None
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> CodeSpec:
        """The spec of ``--code TEXT``; :class:`UsageError` naming the syntax otherwise."""
        match = _SPEC.match(text.strip())
        if match is None:
            raise UsageError(f"--code {text}: expected {SYNTAX}")
        lo, hi, steps = match["lo"], match["hi"], match["steps"]
        spec = cls(
            match["name"],
            None if lo is None else float(lo),
            None if hi is None else float(hi),
            None if steps is None else int(steps),
            text,
        )
        if spec.low is not None and not (math.isfinite(spec.low) and math.isfinite(spec.high)):
            raise UsageError(f"--code {text}: the range must be finite numbers")
        if spec.low is not None and not spec.low < spec.high:
            raise UsageError(f"--code {text}: LO must be below HI")
        if spec.steps is not None and not 2 <= spec.steps <= MAX_COLUMNS:
            raise UsageError(f"--code {text}: STEPS must be an integer in [2, {MAX_COLUMNS}]")
        return spec


def coded(model: Any) -> bool:
    """Whether ``model`` names codes in its latent (:class:`ganzoo.api.codes.CodedModel`)."""
    return bool(getattr(model, "latent_codes", ())) and callable(getattr(model, "with_code", None))


def code_values(model: Any, spec: CodeSpec, model_name: str = "this model") -> torch.Tensor:
    """The values the grid's columns give the code ``spec`` names, checked against the model.

    :raises UsageError: a model without codes, an unknown code (listing the model's codes),
        a categorical range outside the code's values or not whole, steps on a categorical code.
    """
    if not coded(model):
        raise UsageError(
            f"--code needs a model with named latent codes (e.g. infogan); {model_name} has none"
        )
    codes = {c.name: c for c in model.latent_codes}
    valid = ", ".join(c.describe() for c in model.latent_codes)
    code = codes.get(spec.name)
    if code is None:
        raise UsageError(f"--code {spec.text}: no code {spec.name!r}; this model's codes: {valid}")
    if code.categorical:
        if spec.steps is not None:
            raise UsageError(
                f"--code {spec.text}: {code.name} is categorical, its columns are its values "
                "(no :STEPS)"
            )
        lo, hi = (0, code.size - 1) if spec.low is None else (spec.low, spec.high)
        if lo != int(lo) or hi != int(hi) or not 0 <= lo < hi <= code.size - 1:
            raise UsageError(
                f"--code {spec.text}: {code.name} takes whole values in 0..{code.size - 1}; "
                f"codes: {valid}"
            )
        return torch.arange(int(lo), int(hi) + 1)
    lo, hi = (code.low, code.high) if spec.low is None else (spec.low, spec.high)
    return torch.linspace(lo, hi, spec.steps or CONTINUOUS_STEPS)


def code_latents(
    model: Any, name: str, values: torch.Tensor, rows: int, generator: torch.Generator
) -> torch.Tensor:
    """``(rows, len(values), dim)`` latents: a row's noise and other codes drawn once (on
    the CPU, from ``generator``), and column j's code ``name`` set to ``values[j]``."""
    base = model.sample_latent(rows, generator=generator).detach().cpu()
    cols = values.numel()
    repeated = base.repeat_interleave(cols, dim=0)
    z = model.with_code(repeated.to(model.device), name, values.repeat(rows).to(model.device))
    return z.detach().cpu().reshape(rows, cols, -1)
