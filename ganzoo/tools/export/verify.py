"""Check an export before it is kept: load the written file back and run it on fixed codes.

TorchScript and safetensors must reproduce PyTorch bit for bit, ONNX within
:data:`ONNX_TOLERANCE`; the figure measured goes into ``config.json`` (``verification``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from ganzoo.api.errors import GanzooError
from ganzoo.tools.export.formats import EXPORT_FORMATS, first_line, quiet, write_json

#: the largest |difference| accepted between ONNX Runtime and PyTorch, on images in [-1, 1]
#: (measured on CPU, onnxruntime 1.32: 3.6e-7 to 4.8e-7 for the MLP GAN, DCGAN and VAE on
#: digits and MNIST; 1e-4 is an eightieth of a pixel step)
ONNX_TOLERANCE = 1e-4


def verify(
    fmt: str,
    folder: Path,
    config: dict[str, Any],
    inputs: tuple[torch.Tensor, ...],
    expected: torch.Tensor,
) -> dict[str, Any]:
    """Load the written file back, run it on the check codes, compare with PyTorch's images."""
    target = folder / EXPORT_FORMATS[fmt]
    result: dict[str, Any] = {"codes": int(inputs[0].shape[0]), "seed": config["seed"]}
    if fmt == "onnx" and importlib.util.find_spec("onnxruntime") is None:
        result["checked_with"] = None
        result["note"] = "onnxruntime is not installed: the file was not run back"
        return result
    try:
        got = _run_back(fmt, folder, target, config, inputs, result)
    except Exception as exc:
        raise GanzooError(
            f"the {fmt} export could not be loaded back and run ({type(exc).__name__}: "
            f"{first_line(exc)}); nothing was written"
        ) from exc
    diff = (got.float() - expected).abs().max().item()
    result["max_abs_diff"] = diff
    exact = fmt != "onnx"
    if (exact and not torch.equal(got.float(), expected)) or not diff <= ONNX_TOLERANCE:
        raise GanzooError(
            f"the {fmt} export does not reproduce the generator (max |difference| {diff:.3g}"
            f"{', expected 0' if exact else f' > {ONNX_TOLERANCE}'}); nothing was written"
        )
    result["tolerance"] = 0.0 if exact else ONNX_TOLERANCE
    return result


def _run_back(
    fmt: str,
    folder: Path,
    target: Path,
    config: dict[str, Any],
    inputs: tuple[torch.Tensor, ...],
    result: dict[str, Any],
) -> torch.Tensor:
    """The written file's output for ``inputs``, computed the way a user would load it."""
    if fmt == "torchscript":
        with quiet(), torch.no_grad():
            return torch.jit.load(io.BytesIO(target.read_bytes()), map_location="cpu")(*inputs)
    if fmt == "safetensors":
        import ganzoo.api.layers as standalone

        with _config_beside(folder, config):
            net, _ = standalone.load_generator(folder)
        with torch.no_grad():
            return net(*inputs)
    import onnxruntime

    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    feed = {i.name: t.numpy() for i, t in zip(session.get_inputs(), inputs, strict=True)}
    result["checked_with"] = f"onnxruntime {onnxruntime.__version__}"
    return torch.from_numpy(session.run(None, feed)[0])


@contextlib.contextmanager
def _config_beside(folder: Path, config: dict[str, Any]) -> Iterator[None]:
    """``config.json`` in ``folder`` while the standalone loader reads it."""
    write_json(folder / "config.json", config)
    try:
        yield
    finally:
        (folder / "config.json").unlink(missing_ok=True)
