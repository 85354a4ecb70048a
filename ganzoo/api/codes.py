"""Named latent codes: the parts of a generator's input a user may set by name.

An InfoGAN-style model (Chen et al. 2016, https://arxiv.org/abs/1606.03657) feeds its
generator ``z = [noise, c1, c2, ...]``: unstructured noise and a few *codes* that training
ties to factors of the data (the digit, its slant, its width). Such a model lists them as
``latent_codes`` and builds latents with chosen code values through ``with_code``; that is
all ``ganzoo sample --code`` needs of it, so any plugin that implements
:class:`CodedModel` gets code grids, not only ganzoo's own ``infogan``.

A categorical code of ``k`` values takes ``k`` one-hot entries of ``z``, its value drawn
uniformly over ``0..k-1``; a continuous code takes one entry, drawn from ``Uniform(low,
high)``. ``ganzoo export`` states these priors and the codes' places in ``z`` to the
exported file's user, and gives each code an input of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import torch

CodeKind = Literal["categorical", "continuous"]


@dataclass(frozen=True)
class LatentCode:
    """One code of a coded generator's input: where it sits in ``z`` and what it holds.

    ``size`` is the number of values of a categorical code (``1`` for a continuous one);
    ``start`` is its first index in ``z``; ``low``/``high`` bound a continuous code's prior.
    """

    name: str
    kind: CodeKind
    start: int
    size: int = 1
    low: float = -1.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("categorical", "continuous"):
            raise ValueError(f"code {self.name!r}: kind must be categorical or continuous")
        if self.kind == "categorical" and self.size < 2:
            raise ValueError(f"code {self.name!r}: a categorical code needs >= 2 values")
        if self.kind == "continuous" and (self.size != 1 or not self.low < self.high):
            raise ValueError(f"code {self.name!r}: a continuous code is one entry, low < high")

    @property
    def stop(self) -> int:
        """One past its last index in ``z``."""
        return self.start + self.size

    @property
    def categorical(self) -> bool:
        """Whether its values are classes (one-hot) rather than numbers."""
        return self.kind == "categorical"

    def describe(self) -> str:
        """``c1 (categorical, 0..9)`` or ``c2 (continuous, prior -1..1)``: for messages."""
        if self.categorical:
            return f"{self.name} (categorical, 0..{self.size - 1})"
        return f"{self.name} (continuous, prior {self.low:g}..{self.high:g})"

    def encode(self, values: torch.Tensor) -> torch.Tensor:
        """``(n, size)`` entries of ``z`` for ``values`` (class indices or numbers)."""
        if self.categorical:
            values = values.long()
            if values.numel() and (int(values.min()) < 0 or int(values.max()) >= self.size):
                raise ValueError(f"code {self.name!r} takes values in 0..{self.size - 1}")
            return torch.nn.functional.one_hot(values, self.size).float()
        return values.float().reshape(-1, 1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The values held in ``z``: class indices (argmax), or the numbers themselves."""
        part = z[:, self.start : self.stop]
        return part.argmax(1) if self.categorical else part[:, 0]


def set_code(z: torch.Tensor, code: LatentCode, values: torch.Tensor) -> torch.Tensor:
    """A copy of ``z`` whose ``code`` entries hold ``values``; the rest is unchanged."""
    out = z.clone()
    out[:, code.start : code.stop] = code.encode(values).to(out)
    return out


@runtime_checkable
class CodedModel(Protocol):
    """A generator whose latent holds named codes (InfoGAN). ``ganzoo sample --code`` uses it."""

    #: the codes, in the order they sit in ``z``
    latent_codes: tuple[LatentCode, ...]

    def with_code(self, z: torch.Tensor, name: str, values: torch.Tensor) -> torch.Tensor:
        """``z`` with code ``name`` set to ``values`` (one per row); the rest held."""
        ...
