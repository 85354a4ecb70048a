"""Rebuild a generator exported by ``ganzoo export --format safetensors`` with plain PyTorch.

This file is copied into every safetensors export as ``generator.py``: it needs ``torch``
and ``safetensors`` only, never ganzoo. ``config.json`` beside it describes the network as
a list of standard ``torch.nn`` layers; ``generator.safetensors`` holds its weights.

    import torch
    from generator import load_generator

    net, config = load_generator("path/to/export")     # eval mode, on the CPU
    z = torch.randn(16, config["latent_dim"])
    images = net(z)                                    # (16, C, H, W) floats in [-1, 1]
    pixels = ((images + 1) / 2).clamp(0, 1).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn


class ScaleShift(nn.Module):
    """``x * scale + shift``: e.g. Bernoulli means in [0, 1] to images in [-1, 1]."""

    def __init__(self, scale: float = 1.0, shift: float = 0.0) -> None:
        super().__init__()
        self.scale, self.shift = float(scale), float(shift)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.shift

    def extra_repr(self) -> str:
        return f"scale={self.scale}, shift={self.shift}"


#: layer name in config.json -> the class that rebuilds it from its keyword arguments
LAYERS: dict[str, Any] = {
    name: getattr(nn, name)
    for name in (
        "Linear",
        "Conv2d",
        "ConvTranspose2d",
        "BatchNorm1d",
        "BatchNorm2d",
        "LayerNorm",
        "ReLU",
        "LeakyReLU",
        "ELU",
        "GELU",
        "SiLU",
        "Tanh",
        "Sigmoid",
        "Softplus",
        "Identity",
        "Dropout",
        "Flatten",
        "Unflatten",
        "Upsample",
    )
}
LAYERS["ScaleShift"] = ScaleShift


def build(spec: dict[str, Any]) -> nn.Module:
    """The module a layer spec describes: ``{"type": ..., "args": {...}}`` or a Sequential."""
    if spec["type"] == "Sequential":
        return nn.Sequential(*(build(layer) for layer in spec["layers"]))
    args = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.get("args", {}).items()}
    return LAYERS[spec["type"]](**args)


def load_generator(folder: str | Path = ".", device: str = "cpu") -> tuple[nn.Module, dict]:
    """The exported network in eval mode, and the export's ``config.json``."""
    from safetensors.torch import load_file

    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    net = build(config["architecture"])
    net.load_state_dict(load_file(str(folder / config["file"]), device=device))
    return net.to(device).eval(), config


if __name__ == "__main__":  # python generator.py [N]: check that the export loads and runs
    import sys

    here = Path(__file__).resolve().parent
    net, config = load_generator(here)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    with torch.no_grad():
        images = net(torch.randn(n, config["latent_dim"]))
    low, high = images.min().item(), images.max().item()
    print(f"{n} samples of shape {tuple(images.shape[1:])}, values in [{low:.3f}, {high:.3f}]")
