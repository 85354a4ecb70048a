"""Export a run's generator so that it can be used without ganzoo.

``ganzoo export RUN --format torchscript|onnx|safetensors --out DIR`` writes::

    DIR/
      generator.pt | generator.onnx | generator.safetensors + generator.py
      config.json      what the network takes and returns, the run's config and provenance
      model_card.md    what it is, the data, the training, the metrics, how to load it
      samples.png      a grid of samples (seed 0) from the exported network

The exported network is the model's *sampling network*: ``z -> images`` (``(z, labels)
-> images`` for a class-conditional model), images as float32 in ``[-1, 1]``. It is
``model.sampling_network()`` when the model defines it (the VAE: its decoder and the
Bernoulli mean), else ``model.generator`` (GANs), with the moving average of a run
trained with ``--ema`` unless ``ema=False``.

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

import contextlib
import importlib.util
import io
import json
import math
import shutil
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

import ganzoo
from ganzoo.api import layers
from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.api.layers import LAYERS, ScaleShift

__all__ = ["EXPORT_FORMATS", "ONNX_TOLERANCE", "ScaleShift", "export_run", "sampling_network"]

#: format -> the file the network goes to
EXPORT_FORMATS: dict[str, str] = {
    "torchscript": "generator.pt",
    "onnx": "generator.onnx",
    "safetensors": "generator.safetensors",
}
#: the largest |difference| accepted between ONNX Runtime and PyTorch, on images in [-1, 1]
#: (measured on CPU, onnxruntime 1.32: 3.6e-7 to 4.8e-7 for the MLP GAN, DCGAN and VAE on
#: digits and MNIST; 1e-4 is an eightieth of a pixel step)
ONNX_TOLERANCE = 1e-4
#: the optional packages each format needs, and what to install
NEEDS: dict[str, tuple[str, ...]] = {
    "torchscript": (),
    "onnx": ("onnx", "onnxscript"),
    "safetensors": ("safetensors",),
}
CHECK_CODES = 16  # codes the written file is checked on
CARD_SAMPLES = 64  # images in samples.png
EXPORT_MARK = "ganzoo_export"  # key of config.json that marks a folder as an export

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


# --- the export -------------------------------------------------------------------------------


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
    from ganzoo.runs.outputs import atomic_folder, check_new_folder, plain_file
    from ganzoo.runs.rundir import RunDir
    from ganzoo.tools.sampling import Sampler, write_grid

    check_format(fmt)
    run = RunDir.open(run_dir)
    out = Path(out)
    check_new_folder(out, overwrite, is_export, what="a ganzoo export")
    sampler = Sampler(run.path, checkpoint=checkpoint, ema=ema, device="cpu")
    if not sampler.has_latent_code:
        raise UsageError(
            f"model {sampler.stored['config']['model']!r} cannot be exported: it samples "
            "only through sample(), without latent codes (sample_latent and generate)"
        )
    network = sampling_network(sampler.model).eval()
    conditional = sampler.num_classes is not None
    spec = layer_spec(network) if fmt == "safetensors" else None
    if spec is not None and conditional:
        raise UsageError(
            "--format safetensors rebuilds generators that take z only; this class-"
            "conditional one takes (z, labels): use --format torchscript or onnx"
        )
    check = sampler.sample(CHECK_CODES, seed=seed)
    inputs = (check.z,) if not conditional else (check.z, check.labels)
    with torch.no_grad():
        expected = network(*inputs).float()
    if not torch.equal(expected, check.images):
        raise GanzooError(
            f"cannot export {run.path}: its sampling network does not reproduce the model's "
            "own samples (sampling_network() and generate() disagree)"
        )
    config = export_config(sampler, fmt, network, seed)
    if spec is not None:
        config["architecture"] = spec
    with atomic_folder(out) as folder:
        target = folder / EXPORT_FORMATS[fmt]
        if fmt == "torchscript":
            _write_torchscript(network, inputs, target, config)
        elif fmt == "onnx":
            _write_onnx(network, inputs, target)
        else:
            _write_safetensors(network, target, folder)
        config["verification"] = _verify(fmt, folder, config, inputs, expected)
        if sampler.is_image:
            card = sampler.sample(CARD_SAMPLES, seed=seed)
            write_grid(
                folder / "samples.png",
                card.uint8(),
                sampler.num_classes or max(1, math.isqrt(CARD_SAMPLES)),
            )
        _write_json(folder / "config.json", config)
        (folder / "model_card.md").write_text(model_card(sampler, config), encoding="utf-8")
        for path in folder.iterdir():
            plain_file(path)  # safetensors writes 0o600
    if log:
        log(f"exported {run.path} step {sampler.step} as {fmt} to {out}")
    return config


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
    registry = get_registry()
    model_c = registry.get("model", run_config["model"])
    return {
        EXPORT_MARK: 1,
        "format": fmt,
        "file": EXPORT_FORMATS[fmt],
        "model": run_config["model"],
        "model_description": model_c.description,
        "paper": model_c.meta.get("paper"),
        "family": model_c.family,
        "loss": run_config.get("loss"),
        "dataset": run_config.get("dataset"),
        "latent_dim": latent_dim,
        "latent_prior": latent_prior(sampler),
        "num_classes": num_classes,
        "inputs": inputs,
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


def latent_prior(sampler: Any) -> str:
    """``"standard normal"`` when the model's codes look like N(0, I), else a pointer."""
    z = sampler.codes(4096, torch.Generator().manual_seed(0)).double()
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


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", "utf-8")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence exporters' progress prints and deprecation warnings (ganzoo reports itself)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _write_torchscript(
    network: nn.Module, inputs: tuple[torch.Tensor, ...], target: Path, config: dict[str, Any]
) -> None:
    """``torch.jit.script``, or ``torch.jit.trace`` where scripting fails; config embedded."""
    with _quiet():
        try:
            module = torch.jit.script(network)
        except Exception:
            try:
                module = torch.jit.trace(network, inputs, check_trace=False)
            except Exception as exc:
                raise UsageError(
                    f"--format torchscript: the generator can be neither scripted nor traced "
                    f"({type(exc).__name__}: {_first_line(exc)}); try --format onnx"
                ) from exc
        buffer = io.BytesIO()
        torch.jit.save(module, buffer, _extra_files={"config.json": json.dumps(config)})
    target.write_bytes(buffer.getvalue())


def _write_onnx(network: nn.Module, inputs: tuple[torch.Tensor, ...], target: Path) -> None:
    """``torch.onnx.export`` (the torch.export-based exporter) with a dynamic batch axis."""
    names = ["z", "labels"][: len(inputs)]
    batch = torch.export.Dim("batch", min=1)
    try:
        with _quiet():
            torch.onnx.export(
                network,
                inputs,
                str(target),
                input_names=names,
                output_names=["images"],
                dynamic_shapes=tuple({0: batch} for _ in inputs),
                dynamo=True,
                external_data=False,
                verbose=False,
            )
    except Exception as exc:
        raise UsageError(
            f"--format onnx: torch.onnx.export refused the generator ({type(exc).__name__}: "
            f"{_first_line(exc)}); try --format torchscript"
        ) from exc


def _write_safetensors(network: nn.Module, target: Path, folder: Path) -> None:
    """The weights as safetensors, and ``generator.py`` that rebuilds the network."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().contiguous().clone() for k, v in network.state_dict().items()}
    save_file(state, str(target), metadata={"format": "pt", "exported_by": "ganzoo"})
    source = Path(layers.__file__)
    shutil.copyfile(source, folder / "generator.py")


def _verify(
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
            f"{_first_line(exc)}); nothing was written"
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
        with _quiet(), torch.no_grad():
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
    _write_json(folder / "config.json", config)
    try:
        yield
    finally:
        (folder / "config.json").unlink(missing_ok=True)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


# --- the model card ---------------------------------------------------------------------------


def model_card(sampler: Any, config: dict[str, Any]) -> str:
    """``model_card.md``: what the network is, its data, training, metrics and how to load it."""
    run = config["run"]
    rc = run["config"]
    data = run.get("data") or {}
    summary = run.get("summary") or {}
    registry_dataset = _component("dataset", rc.get("dataset"))
    registry_loss = _component("loss", rc.get("loss"))
    weights = (
        f"the exponential moving average of its generator (decay {config['ema_decay']})"
        if config["ema"]
        else "its raw generator weights"
    )
    title = f"{run['name']}: {config['model']} ({config['loss']}) on {config['dataset']}"
    inputs = ", ".join(
        f"`{i['name']}` {i['dtype']} ({', '.join(map(str, i['shape']))})" for i in config["inputs"]
    )
    out = config["output"]
    lines = [
        f"# {title}",
        "",
        f"A generative model exported by ganzoo {config['versions']['ganzoo']} from the run "
        f"`{run['name']}`, checkpoint `{config['checkpoint']}` (step {config['step']}), with "
        f"{weights}. It maps latent codes to {out['kind']} samples and needs only PyTorch"
        + (" (and onnxruntime)" if config["format"] == "onnx" else "")
        + " to run: no ganzoo.",
        "",
        "| | |",
        "|---|---|",
        f"| model | `{config['model']}`: {config['model_description']}"
        + (f" ([paper]({config['paper']}))" if config.get("paper") else "")
        + " |",
        f"| family | {config['family']} |",
        f"| objective | `{config['loss']}`"
        + (f": {registry_loss.description}" if registry_loss else "")
        + " |",
        f"| input | {inputs}; z ~ {config['latent_prior']} |",
        f"| output | `{out['name']}` {out['dtype']} ({', '.join(map(str, out['shape']))})"
        + (" in [-1, 1]" if out["range"] else "")
        + " |",
        f"| parameters | {config['parameters']:,} |",
        f"| format | {config['format']} (`{config['file']}`) |",
        f"| checked | {_verification_line(config)} |",
        "",
        "## Data",
        "",
        f"Dataset `{config['dataset']}`"
        + (f": {registry_dataset.description}" if registry_dataset else "")
        + f" Samples of shape {tuple(data.get('shape') or ())}, kind {data.get('kind')}"
        + (f", {data['num_classes']} classes" if data.get("num_classes") is not None else "")
        + (f", options {rc.get('dataset_options')}" if rc.get("dataset_options") else "")
        + "; trained on its `train` split."
        + (
            f" Class-conditional: `labels` in 0..{config['num_classes'] - 1} chooses the class."
            if config["num_classes"] is not None
            else ""
        ),
        "",
        "## Training",
        "",
        "| setting | value |",
        "|---|---|",
    ]
    resolved = run.get("resolved") or {}
    for key, value in (
        ("steps done", summary.get("steps", config["step"])),
        ("stopped by", summary.get("stopped_by", "not finished")),
        ("epochs", _fmt(summary.get("epochs"))),
        ("batch size", rc.get("batch_size")),
        ("learning rate", rc.get("lr")),
        ("betas", rc.get("betas")),
        ("D steps per G step", rc.get("d_steps") if config["family"] == "adversarial" else None),
        ("latent dim", config["latent_dim"]),
        ("model options", rc.get("model_options") or None),
        ("loss options", rc.get("loss_options") or None),
        ("EMA decay", config["ema_decay"]),
        ("seed", rc.get("seed")),
        ("device", resolved.get("device")),
        ("seconds", _fmt(summary.get("seconds"))),
    ):
        if value is not None:
            lines.append(f"| {key} | {value} |")
    final = summary.get("final") or {}
    if final:
        lines += [
            "",
            "Final training statistics: "
            + ", ".join(f"{k} {_fmt(v)}" for k, v in sorted(final.items()))
            + ".",
        ]
    lines += [
        "",
        "The run's full configuration, data description and provenance are in `config.json`, "
        "under `run`.",
        "",
        "## Metrics",
        "",
        *_metrics_section(sampler, config),
        "",
    ]
    if sampler.is_image:
        lines += [
            "## Samples",
            "",
            f"{CARD_SAMPLES} samples from the exported network, seed {config['seed']}"
            + (", classes in turn (one per column)" if config["num_classes"] is not None else "")
            + ":",
            "",
            f"![{CARD_SAMPLES} samples](samples.png)",
            "",
        ]
    lines += ["## How to load it", "", *_loading_section(config), ""]
    lines += [
        "## Limitations",
        "",
        f"Trained for {summary.get('steps', config['step'])} steps; judge its samples above "
        "and the metrics with their extractor before relying on it. Numbers from different "
        "feature extractors are not comparable. The model reproduces its training data's "
        "biases; its licence is that of the data and of the code you trained it with.",
        "",
    ]
    return "\n".join(lines)


def _component(kind: str, name: str | None) -> Any:
    from ganzoo.host.plugins import get_registry

    try:
        return get_registry().get(kind, name) if name else None
    except GanzooError:
        return None


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.4g}"
    return value


def _verification_line(config: dict[str, Any]) -> str:
    v = config.get("verification") or {}
    if v.get("max_abs_diff") is None:
        return v.get("note", "not run back")
    diff = v["max_abs_diff"]
    how = "bit-exact" if diff == 0 else f"largest absolute difference {diff:.2g}"
    return f"loaded back and run on {v['codes']} codes: {how} against PyTorch"


def _metrics_section(sampler: Any, config: dict[str, Any]) -> list[str]:
    from ganzoo.metrics.results import format_value, load_results
    from ganzoo.metrics.scores import score_label, score_of

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = load_results(sampler.run.path)
    if not results:
        return [
            "No evaluation is stored with the run. Measure it with "
            f"`ganzoo eval {config['run']['path']}`, then export again.",
        ]
    lines = [
        "Stored evaluations of the run (`ganzoo eval`); the row of the exported checkpoint "
        "is marked. Each number is only comparable with numbers of the same extractor and "
        "sample count. The score is the Inception Score (IS) under the inception extractor; "
        "under a domain extractor it is the same formula on the dataset's own classifier "
        "(classifier score, domain IS), not comparable with published IS.",
        "",
        "| step | extractor | generated vs real | split | weights | score | FID | KID |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        mark = " (exported)" if r.get("step") == config["step"] else ""
        weights = "EMA" if r.get("ema") else "raw"
        lines.append(
            f"| {r['step']}{mark} | {r['extractor']} | {r['samples']} vs "
            f"{r.get('real_samples', '?')} | {r['split']} | {weights} | "
            f"{format_value(*score_of(r), 3)} ({score_label(r)}) | "
            f"{format_value(r['fid'], digits=3)} | {format_value(r['kid_mean'], r['kid_std'])} |"
        )
    return lines


def _loading_section(config: dict[str, Any]) -> list[str]:
    conditional = config["num_classes"] is not None
    d = config["latent_dim"]
    args = "z, labels" if conditional else "z"
    labels = (
        f"labels = torch.arange(16) % {config['num_classes']}  # class of each image\n"
        if conditional
        else ""
    )
    to_uint8 = (
        "pixels = ((images + 1) / 2).clamp(0, 1).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)\n"
    )
    if config["format"] == "torchscript":
        code = (
            "import torch\n\n"
            'net = torch.jit.load("generator.pt", map_location="cpu").eval()\n'
            f"z = torch.randn(16, {d})\n{labels}"
            f"with torch.no_grad():\n    images = net({args})  # float32 in [-1, 1]\n{to_uint8}"
        )
        note = "Needs `torch` only. `torch.jit.load` reads the network and its weights."
    elif config["format"] == "safetensors":
        code = (
            "import torch\n"
            "from generator import load_generator  # generator.py, in this folder\n\n"
            'net, config = load_generator(".")  # config.json + generator.safetensors\n'
            f"z = torch.randn(16, {d})\n"
            f"with torch.no_grad():\n    images = net(z)  # float32 in [-1, 1]\n{to_uint8}"
        )
        note = (
            "Needs `torch` and `safetensors`. `generator.py` rebuilds the network from the "
            "layer list in `config.json` (`architecture`) with plain `torch.nn`, then loads "
            "the weights with `safetensors.torch.load_file`; no code is unpickled."
        )
    else:
        feed = '{"z": z}' if not conditional else '{"z": z, "labels": labels}'
        labels_np = (
            f"labels = (np.arange(16) % {config['num_classes']}).astype(np.int64)\n"
            if conditional
            else ""
        )
        code = (
            "import numpy as np\nimport onnxruntime\n\n"
            'session = onnxruntime.InferenceSession("generator.onnx")\n'
            f"z = np.random.default_rng(0).standard_normal((16, {d})).astype(np.float32)\n"
            f"{labels_np}"
            f'images = session.run(["images"], {feed})[0]  # float32 in [-1, 1]\n'
            "pixels = np.clip(np.floor((images + 1) / 2 * 255 + 0.5), 0, 255).astype(np.uint8)\n"
        )
        tolerance = (config.get("verification") or {}).get("max_abs_diff")
        note = (
            "Needs `onnxruntime` and `numpy` (any ONNX runtime works: opset and the dynamic "
            "`batch` axis are in the file). ONNX Runtime's arithmetic differs from PyTorch's "
            "in the last bits"
            + (f" (measured here: at most {tolerance:.2g})" if tolerance is not None else "")
            + f"; ganzoo accepts at most {ONNX_TOLERANCE:g}, so a pixel can differ by one step "
            "where a value sits on a rounding boundary."
        )
    return [
        note,
        "",
        "```python",
        code.rstrip("\n"),
        "```",
        "",
        "`z` must be drawn from the prior above; `ganzoo sample "
        f"{config['run']['path']} --format pt` saves the codes `z`"
        + (" and `labels`" if conditional else "")
        + " with the images, and this network maps those codes to the same images.",
    ]
