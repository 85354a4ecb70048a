"""Export a run's generator so that it can be used without ganzoo.

``ganzoo export RUN --format torchscript|onnx|safetensors --out DIR`` writes::

    DIR/
      generator.pt | generator.onnx | generator.safetensors + generator.py
      config.json      what the network takes and returns, the run's config and
                       provenance
      model_card.md    what it is, the data, the training, the metrics, how to load it
      samples.png      a grid of samples (seed 0) from the exported network

The exported network is the model's *sampling network*: ``z -> images`` (``(z, labels)
-> images`` for a class-conditional model), images as float32 in ``[-1, 1]``. It is
``model.sampling_network()`` when the model defines it (the VAE: its decoder and the
Bernoulli mean), else ``model.generator`` (GANs), with the moving average of a run
trained with ``--ema`` unless ``ema=False``. A model with named latent codes
(:class:`ganzoo.api.codes.CodedModel`, e.g. InfoGAN) is exported in TorchScript and ONNX
as ``(noise, c1, c2, ...) -> images``, each code an input of its own
(:mod:`ganzoo.tools.export.codes`); every format records where its codes sit in ``z``.

Every export is checked before it is kept: the written file is loaded back (TorchScript
with ``torch.jit.load``, safetensors through the standalone ``generator.py``, ONNX with
onnxruntime when installed) and run on fixed codes; TorchScript and safetensors must
reproduce ``ganzoo sample`` bit for bit, ONNX within :data:`ONNX_TOLERANCE`. The figure
measured is stored in ``config.json``.

What a model needs to be exportable: TorchScript, a sampling network that
``torch.jit.script`` or ``torch.jit.trace`` accepts; ONNX, one that ``torch.export`` and
the ONNX exporter accept (needs ``onnx`` and ``onnxscript``); safetensors, an
``nn.Sequential`` of the standard layers in :data:`ganzoo.api.layers.LAYERS`
(nested Sequentials allowed), taking ``z`` only. Anything else is refused in one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.api.layers import ScaleShift
from ganzoo.tools.export.codes import CodeInputs
from ganzoo.tools.export.config import EXPORT_MARK, export_config, is_export, latent_prior
from ganzoo.tools.export.formats import (
    EXPORT_FORMATS,
    NEEDS,
    check_format,
    layer_spec,
    missing_packages,
    sampling_network,
    write_json,
    write_onnx,
    write_safetensors,
    write_torchscript,
)
from ganzoo.tools.export.model_card import CARD_SAMPLES, model_card
from ganzoo.tools.export.verify import ONNX_TOLERANCE, verify
from ganzoo.tools.sampling.codes import coded

__all__ = [
    "CARD_SAMPLES", "CHECK_CODES", "EXPORT_FORMATS", "EXPORT_MARK", "NEEDS", "ONNX_TOLERANCE",
    "CodeInputs", "ScaleShift", "check_format", "export_config", "export_run", "is_export",
    "latent_prior", "layer_spec", "missing_packages", "model_card", "sampling_network",
]  # fmt: skip

CHECK_CODES = 16  # codes the written file is checked on


def export_run(
    run_dir: str | Path,
    out: str | Path,
    fmt: str = "torchscript",
    *,
    checkpoint: str | None = None,
    ema: bool = True,
    seed: int = 0,
    overwrite: bool = False,
    log: Any = None,
) -> dict[str, Any]:
    """Export ``run_dir``'s generator to the folder ``out``; returns its ``config.json``.

    ``checkpoint`` and ``ema`` choose the weights as for ``ganzoo sample``. The folder is
    built beside ``out`` and moved into place only once the written file has been loaded
    back and checked, so a refused or failed export leaves nothing behind.
    """
    from ganzoo.runs.outputs import check_new_folder
    from ganzoo.runs.rundir import RunDir
    from ganzoo.tools.sampling import Sampler

    check_format(fmt)
    run = RunDir.open(run_dir)
    out = Path(out)
    check_new_folder(out, overwrite, is_export, what="a ganzoo export")
    sampler = Sampler(run.path, checkpoint=checkpoint, ema=ema, device="cpu")
    network, spec = _exportable_network(sampler, fmt)
    inputs, expected = _checked_outputs(sampler, network, seed, run.path)
    config = export_config(sampler, fmt, network, seed)
    if spec is not None:
        config["architecture"] = spec
    _write_folder(out, sampler, network, fmt, config, inputs, expected)
    if log:
        log(f"exported {run.path} step {sampler.step} as {fmt} to {out}")
    return config


def _exportable_network(sampler: Any, fmt: str) -> tuple[torch.nn.Module, dict[str, Any] | None]:
    """The sampling network to write, and its layer list for safetensors; refusals first."""
    if not sampler.has_latent_code:
        raise UsageError(
            f"model {sampler.stored['config']['model']!r} cannot be exported: it samples "
            "only through sample(), without latent codes (sample_latent and generate)"
        )
    network = sampling_network(sampler.model).eval()
    spec = layer_spec(network) if fmt == "safetensors" else None
    if spec is not None and sampler.num_classes is not None:
        raise UsageError(
            "--format safetensors rebuilds generators that take z only; this class-"
            "conditional one takes (z, labels): use --format torchscript or onnx"
        )
    if fmt != "safetensors" and coded(sampler.model):  # the codes become inputs of their own
        latent_dim = int(sampler.codes(1, torch.Generator().manual_seed(0)).shape[1])
        conditional = sampler.num_classes is not None
        network = CodeInputs(network, sampler.model.latent_codes, latent_dim, conditional)
    return network, spec


def _checked_outputs(
    sampler: Any, network: torch.nn.Module, seed: int, path: Path
) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    """The check codes and the network's images for them, which must be ``ganzoo sample``'s."""
    check = sampler.sample(CHECK_CODES, seed=seed)
    codes = network.split(check.z) if isinstance(network, CodeInputs) else (check.z,)
    inputs = codes if sampler.num_classes is None else (*codes, check.labels)
    with torch.no_grad():
        expected = network(*inputs).float()
    if not torch.equal(expected, check.images):
        raise GanzooError(
            f"cannot export {path}: its sampling network does not reproduce the model's "
            "own samples (sampling_network() and generate() disagree)"
        )
    return inputs, expected


def _write_folder(
    out: Path,
    sampler: Any,
    network: torch.nn.Module,
    fmt: str,
    config: dict[str, Any],
    inputs: tuple[torch.Tensor, ...],
    expected: torch.Tensor,
) -> None:
    """Write the network, check it, then the grid, config and card; all or nothing."""
    from ganzoo.runs.outputs import atomic_folder, plain_file
    from ganzoo.tools.sampling import default_nrow, write_grid

    with atomic_folder(out) as folder:
        target = folder / EXPORT_FORMATS[fmt]
        if fmt == "torchscript":
            write_torchscript(network, inputs, target, config)
        elif fmt == "onnx":
            write_onnx(network, inputs, target)
        else:
            write_safetensors(network, target, folder)
        config["verification"] = verify(fmt, folder, config, inputs, expected)
        if sampler.is_image:
            card = sampler.sample(CARD_SAMPLES, seed=config["seed"])
            nrow = default_nrow(CARD_SAMPLES, sampler.num_classes)  # one class per row
            write_grid(folder / "samples.png", card.uint8(), nrow)
        write_json(folder / "config.json", config)
        (folder / "model_card.md").write_text(model_card(sampler, config), encoding="utf-8")
        for path in folder.iterdir():
            plain_file(path)  # safetensors writes 0o600
