"""The export formats: what each needs, and how a network is written in it.

TorchScript (``torch.jit.script``, else ``trace``), ONNX (the torch.export-based exporter)
and safetensors (weights, plus ``generator.py`` rebuilding an ``nn.Sequential`` of standard
layers from :func:`layer_spec`). Each writer refuses in one line what its format cannot hold.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganzoo.api import layers
from ganzoo.api.errors import UsageError
from ganzoo.api.layers import LAYERS
from ganzoo.tools.export.codes import CodeInputs

#: format -> the file the network goes to
EXPORT_FORMATS: dict[str, str] = {
    "torchscript": "generator.pt",
    "onnx": "generator.onnx",
    "safetensors": "generator.safetensors",
}
#: the optional packages each format needs, and what to install
NEEDS: dict[str, tuple[str, ...]] = {
    "torchscript": (),
    "onnx": ("onnx", "onnxscript"),
    "safetensors": ("safetensors",),
}

#: keyword arguments of each portable layer, read from the built module
_LAYER_ARGS: dict[str, tuple[str, ...]] = {
    "Linear": ("in_features", "out_features"),
    "Conv2d": (
        "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
        "groups", "padding_mode",
    ),
    "ConvTranspose2d": (
        "in_channels", "out_channels", "kernel_size", "stride", "padding",
        "output_padding", "groups", "dilation", "padding_mode",
    ),
    "BatchNorm1d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "BatchNorm2d": ("num_features", "eps", "momentum", "affine", "track_running_stats"),
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine"),
    "ReLU": (),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "GELU": ("approximate",),
    "SiLU": (),
    "Tanh": (),
    "Sigmoid": (),
    "Softplus": ("beta", "threshold"),
    "Identity": (),
    "Dropout": ("p",),
    "Flatten": ("start_dim", "end_dim"),
    "Unflatten": ("dim", "unflattened_size"),
    "Upsample": ("size", "scale_factor", "mode", "align_corners"),
    "ScaleShift": ("scale", "shift"),
}  # fmt: skip


def missing_packages(fmt: str) -> list[str]:
    """The optional packages ``fmt`` needs that are not installed."""
    return [name for name in NEEDS[fmt] if importlib.util.find_spec(name) is None]


def check_format(fmt: str) -> None:
    """Refuse an unknown format, or one whose optional packages are missing (say what to pip)."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    missing = missing_packages(fmt)
    if missing:
        raise UsageError(
            f"--format {fmt} needs {' and '.join(missing)}, which is not installed: "
            f"pip install 'ganzoo[export]' (or pip install {' '.join(missing)})"
        )


def sampling_network(model: Any) -> nn.Module:
    """The module that maps codes (and labels) to images: what an export holds."""
    method = getattr(model, "sampling_network", None)
    if callable(method):
        return method()
    network = getattr(model, "generator", None)
    if isinstance(network, nn.Module):
        return network
    raise UsageError(
        f"a {type(model).__name__} cannot be exported: it has neither a sampling_network() "
        "nor a generator network mapping latent codes to images"
    )


def layer_spec(module: nn.Module) -> dict[str, Any]:
    """``module`` as JSON that :func:`ganzoo.api.layers.build` rebuilds.

    Only the exact classes of :data:`_LAYER_ARGS` (not subclasses, whose forward may differ)
    and ``nn.Sequential`` of them; anything else raises :class:`UsageError`.
    """
    kind = type(module).__name__
    if type(module) is nn.Sequential:
        return {"type": "Sequential", "layers": [layer_spec(m) for m in module]}
    if kind not in _LAYER_ARGS or LAYERS.get(kind) is not type(module):
        raise UsageError(
            f"--format safetensors rebuilds an nn.Sequential of standard layers "
            f"({', '.join(sorted(_LAYER_ARGS))}); this generator has a "
            f"{type(module).__module__}.{type(module).__qualname__}: use --format "
            "torchscript or onnx"
        )
    args: dict[str, Any] = {}
    for name in _LAYER_ARGS[kind]:
        value = getattr(module, name)
        args[name] = list(value) if isinstance(value, tuple) else value
    if kind in ("Linear", "Conv2d", "ConvTranspose2d", "LayerNorm"):
        args["bias"] = getattr(module, "bias", None) is not None
    return {"type": kind, "args": args}


def write_json(path: Path, obj: Any) -> None:
    """``obj`` as sorted, indented JSON: the export's ``config.json``."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", "utf-8")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence exporters' progress prints and deprecation warnings (ganzoo reports itself)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def write_torchscript(
    network: nn.Module, inputs: tuple[torch.Tensor, ...], target: Path, config: dict[str, Any]
) -> None:
    """``torch.jit.script``, or ``torch.jit.trace`` where scripting fails; config embedded.

    A coded generator's :class:`CodeInputs` is traced around its scripted network."""
    with quiet():
        try:
            if isinstance(network, CodeInputs):
                module = network.to_torchscript(inputs)
            else:
                module = _script_or_trace(network, inputs)
        except Exception as exc:
            raise UsageError(
                f"--format torchscript: the generator can be neither scripted nor traced "
                f"({type(exc).__name__}: {first_line(exc)}); try --format onnx"
            ) from exc
        buffer = io.BytesIO()
        torch.jit.save(module, buffer, _extra_files={"config.json": json.dumps(config)})
    target.write_bytes(buffer.getvalue())


def _script_or_trace(network: nn.Module, inputs: tuple[torch.Tensor, ...]) -> Any:
    try:
        return torch.jit.script(network)
    except Exception:
        return torch.jit.trace(network, inputs, check_trace=False)


def write_onnx(network: nn.Module, inputs: tuple[torch.Tensor, ...], target: Path) -> None:
    """``torch.onnx.export`` (the torch.export-based exporter) with a dynamic batch axis."""
    batch = torch.export.Dim("batch", min=1)
    # a coded generator names its inputs (noise, c1, ...); the others take z (and labels)
    names: list[str] = ["z", "labels"][: len(inputs)]
    dynamic: tuple[Any, ...] = tuple({0: batch} for _ in inputs)
    if isinstance(network, CodeInputs):
        names, dynamic = network.input_names, network.dynamic_shapes(batch)
    try:
        with quiet():
            torch.onnx.export(
                network,
                inputs,
                str(target),
                input_names=names,
                output_names=["images"],
                dynamic_shapes=dynamic,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
    except Exception as exc:
        raise UsageError(
            f"--format onnx: torch.onnx.export refused the generator ({type(exc).__name__}: "
            f"{first_line(exc)}); try --format torchscript"
        ) from exc


def write_safetensors(network: nn.Module, target: Path, folder: Path) -> None:
    """The weights as safetensors, and ``generator.py`` that rebuilds the network."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().contiguous().clone() for k, v in network.state_dict().items()}
    save_file(state, str(target), metadata={"format": "pt", "exported_by": "ganzoo"})
    source = Path(layers.__file__)
    shutil.copyfile(source, folder / "generator.py")


def first_line(exc: Exception) -> str:
    """An exporter's error in one line (their messages run to pages)."""
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
