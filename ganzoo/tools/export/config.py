"""An export's ``config.json``: what the network takes and returns, and where it came from."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

import ganzoo
from ganzoo.tools.export.codes import CodeInputs, code_layout, noise_slices
from ganzoo.tools.export.formats import EXPORT_FORMATS, NEEDS
from ganzoo.tools.sampling.codes import coded

EXPORT_MARK = "ganzoo_export"  # key of config.json that marks a folder as an export


def is_export(folder: Path) -> bool:
    """Whether ``folder`` holds a ganzoo export (what ``--overwrite`` may replace)."""
    try:
        return EXPORT_MARK in json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def export_config(sampler: Any, fmt: str, network: nn.Module, seed: int) -> dict[str, Any]:
    """``config.json`` of an export: inputs, output, weights, provenance, the run's config."""
    from ganzoo.host.plugins import get_registry

    stored = sampler.stored
    run_config = stored["config"]
    num_classes = sampler.num_classes
    latent_dim = int(sampler.codes(1, torch.Generator().manual_seed(0)).shape[1])
    inputs: list[dict[str, Any]] = [
        {"name": "z", "dtype": "float32", "shape": ["batch", latent_dim]}
    ]
    if num_classes is not None:
        inputs.append(
            {"name": "labels", "dtype": "int64", "shape": ["batch"], "range": [0, num_classes - 1]}
        )
    if isinstance(network, CodeInputs):  # noise and each code an input of its own
        inputs = network.input_specs(num_classes)
    registry = get_registry()
    model_c = registry.get("model", run_config["model"])
    return {
        EXPORT_MARK: 1,
        "format": fmt,
        "file": EXPORT_FORMATS[fmt],
        "model": run_config["model"],
        "model_description": model_c.description,
        "paper": model_c.record.paper,
        "family": model_c.family,
        "loss": run_config.get("loss"),
        "dataset": run_config.get("dataset"),
        "latent_dim": latent_dim,
        "latent_prior": latent_prior(sampler),
        "num_classes": num_classes,
        "inputs": inputs,
        **_code_layout(sampler, latent_dim),
        "output": {
            "name": "images" if sampler.is_image else "samples",
            "dtype": "float32",
            "shape": ["batch", *sampler.shape],
            "kind": sampler.model.data_info.kind,
            "range": [-1.0, 1.0] if sampler.is_image else None,
        },
        "to_uint8": "round((x + 1) / 2 * 255) clamped to 0..255, i.e. "
        "((x + 1) / 2).clamp(0, 1).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)",
        "parameters": sum(p.numel() for p in network.parameters()),
        "ema": sampler.uses_ema,
        "ema_decay": run_config.get("ema") or None,
        "checkpoint": sampler.checkpoint.name,
        "step": sampler.step,
        "seed": seed,
        "run": {
            "path": str(sampler.run.path),
            "name": sampler.run.path.resolve().name,
            "config": run_config,
            "data": stored.get("data"),
            "resolved": stored.get("resolved"),
            "components": stored.get("components"),
            "summary": sampler.run.read_summary(),
        },
        "created": datetime.now().isoformat(timespec="seconds"),
        "versions": _versions(fmt),
    }


def _code_layout(sampler: Any, latent_dim: int) -> dict[str, Any]:
    """``latent_codes`` and ``latent_noise`` of a model with named codes; nothing otherwise."""
    if not coded(sampler.model):
        return {}
    codes = tuple(sampler.model.latent_codes)
    z = sampler.codes(4096, torch.Generator().manual_seed(0))
    noise = torch.cat([z[:, a:b] for a, b in noise_slices(codes, latent_dim)], dim=1)
    return code_layout(codes, latent_dim, _prior_of(noise))


def latent_prior(sampler: Any) -> str:
    """``"standard normal"`` when the model's codes look like N(0, I), else a pointer."""
    return _prior_of(sampler.codes(4096, torch.Generator().manual_seed(0)))


def _prior_of(z: torch.Tensor) -> str:
    """``"standard normal"`` when the draws ``z`` look like N(0, I), else a pointer."""
    z = z.double()
    inside = (z.abs() < 1).double().mean().item()  # 0.6827 for a standard normal
    if (
        abs(z.mean().item()) < 0.05
        and abs(z.std().item() - 1) < 0.05
        and abs(inside - 0.6827) < 0.02
    ):
        return "standard normal N(0, I)"
    return "the model's own prior (see its sample_latent); not N(0, I)"


def _versions(fmt: str) -> dict[str, str]:
    versions = {"ganzoo": ganzoo.__version__, "torch": torch.__version__.split("+")[0]}
    for name in NEEDS[fmt]:
        with contextlib.suppress(Exception):
            versions[name] = __import__(name).__version__
    return versions
