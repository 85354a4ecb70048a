"""The code a model card shows: loading the exported file without ganzoo and drawing
images from it, per format (TorchScript, safetensors, ONNX), with an InfoGAN's codes set.

tests/tools/test_export.py runs an InfoGAN card's TorchScript and safetensors snippets as
the card writes them.
"""

from __future__ import annotations

from typing import Any

from ganzoo.tools.export.verify import ONNX_TOLERANCE

_TO_UINT8 = (
    "pixels = ((images + 1) / 2).clamp(0, 1).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)\n"
)


def takes_code_inputs(config: dict[str, Any]) -> bool:
    """Whether the network takes the noise and each latent code as inputs of their own."""
    return config["inputs"][0]["name"] == "noise"


def set_code(config: dict[str, Any]) -> dict[str, Any]:
    """The code the card's examples set: the first categorical one, else the first."""
    codes = config["latent_codes"]
    return next((c for c in codes if c["kind"] == "categorical"), codes[0])


def z_code(config: dict[str, Any], chosen: dict[str, Any]) -> str:
    """Code building ``z`` with ``chosen`` set to ``k`` and the rest drawn from their priors."""
    imports = "import torch\nimport torch.nn.functional as F\n\n"
    return imports + _z_lines(config, chosen)


def _z_lines(config: dict[str, Any], chosen: dict[str, Any]) -> str:
    """The lines of :func:`_z_code` after its imports."""
    lines = [
        f"n, k = 16, 3  # 16 images, all with {chosen['name']} = k",
        f"z = torch.empty(n, {config['latent_dim']})",
    ]
    for a, b in config["latent_noise"]["slices"]:
        lines.append(f"z[:, {a}:{b}] = torch.randn(n, {b - a})  # noise")
    for c in config["latent_codes"]:
        start, stop, size = c["offset"], c["offset"] + c["size"], c["size"]
        note = f"{c['name']} = k" if c is chosen else f"{c['name']} ~ {c['prior']}"
        if c["kind"] == "categorical":
            value = "torch.full((n,), k)" if c is chosen else f"torch.randint({size}, (n,))"
            lines.append(f"z[:, {start}:{stop}] = F.one_hot({value}, {size}).float()  # {note}")
        else:
            low, high = c["range"]
            value = "float(k)" if c is chosen else f"torch.empty(n).uniform_({low:g}, {high:g})"
            lines.append(f"z[:, {start}] = {value}  # {note}")
    return "\n".join(lines) + "\n"


def _torchscript_code(config: dict[str, Any]) -> tuple[str, str]:
    conditional = config["num_classes"] is not None
    args = "z, labels" if conditional else "z"
    labels = (
        f"labels = torch.arange(16) % {config['num_classes']}  # class of each image\n"
        if conditional
        else ""
    )
    latent = f"z = torch.randn(16, {config['latent_dim']})\n"
    if takes_code_inputs(config):
        latent, names = _torch_code_inputs(config)
        args = ", ".join([*names, *(["labels"] if conditional else [])])
    code = (
        "import torch\n\n"
        'net = torch.jit.load("generator.pt", map_location="cpu").eval()\n'
        f"{latent}{labels}"
        f"with torch.no_grad():\n    images = net({args})  # float32 in [-1, 1]\n{_TO_UINT8}"
    )
    return "Needs `torch` only. `torch.jit.load` reads the network and its weights.", code


def _torch_code_inputs(config: dict[str, Any]) -> tuple[str, list[str]]:
    """Lines drawing the noise and each code (the first categorical one set to 3)."""
    noise = config["latent_noise"]
    lines = [f"noise = torch.randn(16, {noise['size']})  # {noise['prior']}"]
    lines += _code_lines(
        config,
        chosen="torch.full((16,), 3)  # {name} = 3 for every image (0..{top})",
        categorical="torch.randint({size}, (16,))  # {prior}",
        uniform="torch.empty(16).uniform_({low:g}, {high:g})  # {prior}",
    )
    return "\n".join(lines) + "\n", ["noise", *(c["name"] for c in config["latent_codes"])]


def _code_lines(config: dict[str, Any], chosen: str, categorical: str, uniform: str) -> list[str]:
    """``name = <draw>`` for each latent code, from one template per kind (the first
    categorical code is ``chosen``: set to 3); the same lines for torch and for numpy."""
    first, lines = set_code(config), []
    for c in config["latent_codes"]:
        kind = "chosen" if c is first and c["kind"] == "categorical" else c["kind"]
        template = {"chosen": chosen, "categorical": categorical}.get(kind, uniform)
        low, high = c.get("range") or (0.0, 0.0)
        top = (c.get("values") or (None, None))[1]
        draw = template.format(name=c["name"], size=c.get("size"), prior=c["prior"], top=top,
                               low=low, high=high)  # fmt: skip
        lines.append(f"{c['name']} = {draw}")
    return lines


def _safetensors_code(config: dict[str, Any]) -> tuple[str, str]:
    imports, latent = "import torch\n", f"z = torch.randn(16, {config['latent_dim']})\n"
    if config.get("latent_codes"):  # z holds codes: built part by part (see Latent codes)
        imports = "import torch\nimport torch.nn.functional as F\n"
        latent = _z_lines(config, set_code(config))
    code = (
        f"{imports}"
        "from generator import load_generator  # generator.py, in this folder\n\n"
        'net, config = load_generator(".")  # config.json + generator.safetensors\n'
        f"{latent}"
        f"with torch.no_grad():\n    images = net(z)  # float32 in [-1, 1]\n{_TO_UINT8}"
    )
    note = (
        "Needs `torch` and `safetensors`. `generator.py` rebuilds the network from the "
        "layer list in `config.json` (`architecture`) with plain `torch.nn`, then loads "
        "the weights with `safetensors.torch.load_file`; no code is unpickled."
    )
    return note, code


def _onnx_code(config: dict[str, Any]) -> tuple[str, str]:
    conditional = config["num_classes"] is not None
    feed = '{"z": z}' if not conditional else '{"z": z, "labels": labels}'
    labels_np = (
        f"labels = (np.arange(16) % {config['num_classes']}).astype(np.int64)\n"
        if conditional
        else ""
    )
    latent = (
        f"z = np.random.default_rng(0).standard_normal((16, {config['latent_dim']}))"
        ".astype(np.float32)\n"
    )
    if takes_code_inputs(config):
        latent, feed = _numpy_code_inputs(config, conditional)
    code = (
        "import numpy as np\nimport onnxruntime\n\n"
        'session = onnxruntime.InferenceSession("generator.onnx")\n'
        f"{latent}"
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
    return note, code


def _numpy_code_inputs(config: dict[str, Any], conditional: bool) -> tuple[str, str]:
    """Lines drawing the noise and each code for ONNX Runtime, and the feed naming them."""
    noise = config["latent_noise"]
    lines = [
        "rng = np.random.default_rng(0)",
        f"noise = rng.standard_normal((16, {noise['size']})).astype(np.float32)"
        f"  # {noise['prior']}",
    ]
    lines += _code_lines(
        config,
        chosen="np.full(16, 3, dtype=np.int64)  # {name} = 3 for every image",
        categorical="rng.integers({size}, size=16)  # {prior}",
        uniform="rng.uniform({low:g}, {high:g}, 16).astype(np.float32)  # {prior}",
    )
    names = ["noise", *(c["name"] for c in config["latent_codes"])]
    names += ["labels"] if conditional else []
    feed = "{" + ", ".join(f'"{n}": {n}' for n in names) + "}"
    return "\n".join(lines) + "\n", feed


def loading_code(config: dict[str, Any]) -> tuple[str, str]:
    """(what it needs, code that loads the exported file and draws 16 images) per format."""
    writer = {"torchscript": _torchscript_code, "safetensors": _safetensors_code}
    return writer.get(config["format"], _onnx_code)(config)
