"""A coded generator exported with its codes as inputs: ``net(noise, c1, c2, ...)``.

A model that names codes in its latent (:class:`ganzoo.api.codes.CodedModel`, e.g.
InfoGAN's ``z = [noise, one-hot c1, c2, c3]``) is of little use exported as ``z -> images``
alone: the user would have to know where each code sits in ``z`` and that a categorical one
is one-hot. So TorchScript and ONNX exports of such a model hold :class:`CodeInputs`, which
takes the noise and each code as its own input (a categorical code as its class index, a
continuous one as its value, one per row) and builds ``z`` inside, exactly as
:func:`ganzoo.api.codes.set_code` does: ``c1 = k`` is ``torch.full((n,), k)``. In ONNX the
inputs are named ``noise``, ``c1``, ... (and ``labels`` last for a class-conditional model).

Every export of a coded model (safetensors too, whose network keeps taking ``z``) records
the layout in ``config.json`` (:func:`code_layout`): each code's kind, offset and size in
``z``, values or range and prior, and the noise's slices of ``z``. Nothing here knows
InfoGAN: any model exposing ``latent_codes`` is exported this way.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganzoo.api.codes import LatentCode
from ganzoo.api.errors import PluginError


def noise_slices(codes: tuple[LatentCode, ...], latent_dim: int) -> list[tuple[int, int]]:
    """The ``[start, stop)`` ranges of ``z`` that no code holds: the noise, in order.

    :raises PluginError: codes that overlap or reach outside ``z`` (the model's mistake).
    """
    slices, pos = [], 0
    for code in sorted(codes, key=lambda c: c.start):
        if code.start < pos or code.stop > latent_dim:
            raise PluginError(
                f"latent code {code.name!r} (entries {code.start}..{code.stop - 1}) overlaps "
                f"another code or lies outside z's {latent_dim} entries"
            )
        if code.start > pos:
            slices.append((pos, code.start))
        pos = code.stop
    if pos < latent_dim:
        slices.append((pos, latent_dim))
    return slices


def code_prior(code: LatentCode) -> str:
    """The prior a code is drawn from when it is not set (``ganzoo.api.codes``'s contract)."""
    if code.categorical:
        return f"uniform over 0..{code.size - 1}"
    return f"uniform on [{code.low:g}, {code.high:g}]"


def code_layout(codes: tuple[LatentCode, ...], latent_dim: int, noise_prior: str) -> dict[str, Any]:
    """``config.json``'s ``latent_codes`` and ``latent_noise``: where each part sits in ``z``."""
    entries = []
    for code in codes:
        entry: dict[str, Any] = {
            "name": code.name,
            "kind": code.kind,
            "offset": code.start,
            "size": code.size,
            "prior": code_prior(code),
        }
        if code.categorical:
            entry["values"] = [0, code.size - 1]
            entry["encoding"] = f"one-hot: z[:, {code.start} + k] = 1 sets {code.name} = k"
        else:
            entry["range"] = [code.low, code.high]
            entry["encoding"] = f"the value itself at z[:, {code.start}]"
        entries.append(entry)
    slices = noise_slices(codes, latent_dim)
    noise = {
        "slices": [list(s) for s in slices],
        "size": sum(stop - start for start, stop in slices),
        "prior": noise_prior,
    }
    return {"latent_codes": entries, "latent_noise": noise}


class CodeInputs(nn.Module):
    """``forward(noise, c1, c2, ..., [labels])``: a coded generator with one input per code.

    ``noise`` is ``(batch, noise entries)`` (the entries of ``z`` no code holds, in order);
    a categorical code is ``(batch,)`` int64 class indices, a continuous one ``(batch,)``
    float32 values. ``z`` is assembled from them and handed to ``network``.
    """

    def __init__(
        self,
        network: nn.Module,
        codes: tuple[LatentCode, ...],
        latent_dim: int,
        conditional: bool = False,
    ) -> None:
        super().__init__()
        self.network = network
        self.codes, self.latent_dim, self.conditional = tuple(codes), latent_dim, conditional
        # z in order: ("noise", from, to) of the noise input, or ("code", index) of an input
        pieces: list[tuple[Any, ...]] = []
        taken = 0
        for start, stop in noise_slices(self.codes, latent_dim):
            pieces.append(("noise", start, taken, taken + stop - start))
            taken += stop - start
        pieces += [("code", code.start, i) for i, code in enumerate(self.codes)]
        self._pieces = sorted(pieces, key=lambda p: p[1])
        self.noise_dim = taken

    @property
    def input_names(self) -> list[str]:
        """The inputs in order: what ONNX names them and ``config.json`` lists."""
        return ["noise", *(c.name for c in self.codes), *(["labels"] if self.conditional else [])]

    def forward(self, noise: torch.Tensor, *inputs: torch.Tensor) -> torch.Tensor:
        parts = []
        for piece in self._pieces:
            if piece[0] == "noise":
                parts.append(noise[:, piece[2] : piece[3]])
                continue
            code, value = self.codes[piece[2]], inputs[piece[2]]
            if code.categorical:  # as LatentCode.encode: the class's one-hot entries
                parts.append(F.one_hot(value.long(), code.size).to(noise.dtype))
            else:
                parts.append(value.to(noise.dtype).reshape(-1, 1))
        z = torch.cat(parts, dim=1)
        if self.conditional:
            return self.network(z, inputs[len(self.codes)])
        return self.network(z)

    def split(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The inputs that give ``z``: its noise entries, then each code's value."""
        noise = torch.cat(
            [z[:, p[1] : p[1] + p[3] - p[2]] for p in self._pieces if p[0] == "noise"], dim=1
        )
        return (noise, *(code.decode(z) for code in self.codes))

    def input_specs(self, num_classes: int | None) -> list[dict[str, Any]]:
        """``config.json``'s ``inputs``: name, dtype, shape and values of each input."""
        specs: list[dict[str, Any]] = [
            {"name": "noise", "dtype": "float32", "shape": ["batch", self.noise_dim]}
        ]
        for code in self.codes:
            spec: dict[str, Any] = {"name": code.name, "shape": ["batch"], "code": code.kind}
            if code.categorical:
                spec.update(dtype="int64", range=[0, code.size - 1])
            else:
                spec.update(dtype="float32", prior=code_prior(code))
            specs.append(spec)
        if self.conditional and num_classes is not None:
            labels = {"name": "labels", "dtype": "int64", "shape": ["batch"]}
            specs.append({**labels, "range": [0, num_classes - 1]})
        return specs

    def dynamic_shapes(self, batch: Any) -> tuple[Any, ...]:
        """``torch.onnx.export``'s dynamic shapes for this signature: the batch axis of each."""
        rest = len(self.codes) + int(self.conditional)
        return ({0: batch}, tuple({0: batch} for _ in range(rest)))

    def to_torchscript(self, inputs: tuple[torch.Tensor, ...]) -> torch.jit.ScriptModule:
        """Traced (the signature takes ``*inputs``), around the network scripted if it can be,
        so that a generator's own control flow survives."""
        inner = self.network
        with contextlib.suppress(Exception):
            inner = torch.jit.script(inner)
        wrapper = CodeInputs(inner, self.codes, self.latent_dim, self.conditional)
        return torch.jit.trace(wrapper, inputs, check_trace=False)
