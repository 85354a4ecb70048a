"""``ganzoo export``: every format reproduces ``ganzoo sample``, in ganzoo and without it.

The in-process tests load each export back and compare it with the pixels and codes that
``ganzoo sample --format pt`` saved. The slow test does the same in a virtual environment
that holds torch, numpy, safetensors and onnxruntime (and what they need) but not ganzoo,
as a user who received the folder would.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
import torch
from PIL import Image

from ganzoo.metrics.results import save_result
from ganzoo.tools.export import ONNX_TOLERANCE
from ganzoo.tools.sampling import Sampler, to_uint8
from tests.helpers import cli_ok

# torch 2.14 deprecates TorchScript; the format is still what most users can load
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:FutureWarning")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A vanilla GAN with an EMA and a stored evaluation, a DCGAN and a VAE (digits)."""
    root = tmp_path_factory.mktemp("export")
    runs = {name: root / name for name in ("vanilla", "dcgan", "vae")}
    cli_ok("train", "--steps", "20", "--ema", "0.9", "--out", runs["vanilla"], "-q")
    cli_ok("train", "--model", "dcgan", "--steps", "5", "--out", runs["dcgan"], "-q")
    cli_ok("train", "--model", "vae", "--steps", "5", "--out", runs["vae"], "-q")
    result = {  # what `ganzoo eval` stores; the card must show it with extractor and counts
        "extractor": "domain-digits", "samples": 500, "real_samples": 359, "dataset": "digits",
        "split": "test", "step": 20, "seed": 0, "ema": True, "inception_score_mean": 4.25,
        "inception_score_std": 0.5, "fid": 31.5, "kid_mean": 0.0123, "kid_std": 0.001,
        "seconds": 1.0,
    }  # fmt: skip
    save_result(runs["vanilla"], result)
    return runs


def _sample_pt(run_cli, run: Path, out: Path, *extra: str) -> dict[str, torch.Tensor]:
    result = run_cli("sample", run, "--n", "16", "--seed", "5", *extra, "--out", out)
    assert result.exit_code == 0, result.err
    return torch.load(out, weights_only=True)


def _load_standalone(folder: Path):
    spec = importlib.util.spec_from_file_location(f"gen_{folder.name}", folder / "generator.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.load_generator(folder)


def test_torchscript_export_reproduces_sample_and_carries_a_card(runs, run_cli, tmp_path):
    out = tmp_path / "ts"
    result = run_cli("export", runs["vanilla"], "--out", out)
    assert result.exit_code == 0, result.err
    assert "bit-exact" in result.err
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json",
        "generator.pt",
        "model_card.md",
        "samples.png",
    ]
    config = json.loads((out / "config.json").read_text())
    assert config["format"] == "torchscript" and config["ema"] is True and config["step"] == 20
    assert config["latent_dim"] == 100 and config["num_classes"] is None
    assert config["latent_prior"] == "standard normal N(0, I)"
    assert config["output"]["shape"] == ["batch", 1, 8, 8]
    assert config["verification"]["max_abs_diff"] == 0.0
    assert config["run"]["config"]["model"] == "vanilla"
    saved = _sample_pt(run_cli, runs["vanilla"], tmp_path / "s.pt")
    net = torch.jit.load(out / "generator.pt")
    with torch.no_grad():
        assert torch.equal(to_uint8(net(saved["z"])), saved["images"])
        assert net(torch.randn(3, 100)).shape == (3, 1, 8, 8)  # any batch size
    card = (out / "model_card.md").read_text()
    for text in (
        "# vanilla: vanilla (nonsat) on digits",
        "exponential moving average of its generator (decay 0.9)",
        "| 20 (exported) | domain-digits | 500 vs 359 | test | EMA",
        "31.500",
        "4.250 ± 0.500 (classifier score (domain IS))",  # a domain extractor's score, not IS
        "![64 samples](samples.png)",
        'torch.jit.load("generator.pt"',
        "scikit-learn's bundled 8×8",
    ):
        assert text in card, text
    with Image.open(out / "samples.png") as grid:
        assert grid.size == (8 * 10 + 2, 8 * 10 + 2)
    # files get a plain open()'s permissions
    umask = os.umask(0)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o666 & ~umask}


@pytest.mark.parametrize("model", ["vanilla", "dcgan", "vae"])
def test_safetensors_export_rebuilds_the_generator_with_plain_torch(runs, run_cli, tmp_path, model):
    out = tmp_path / "st"
    result = run_cli("export", runs[model], "--format", "safetensors", "--out", out)
    assert result.exit_code == 0, result.err
    assert (out / "generator.py").is_file() and (out / "generator.safetensors").is_file()
    assert "import ganzoo" not in (out / "generator.py").read_text()
    config = json.loads((out / "config.json").read_text())
    assert config["architecture"]["type"] == "Sequential"
    saved = _sample_pt(run_cli, runs[model], tmp_path / "s.pt")
    net, loaded = _load_standalone(out)
    assert loaded["latent_dim"] == saved["z"].shape[1]
    with torch.no_grad():
        assert torch.equal(to_uint8(net(saved["z"])), saved["images"])
        assert torch.equal(net(saved["z"]), Sampler(runs[model]).generate(saved["z"]))


def test_onnx_export_is_close_to_sample(runs, run_cli, tmp_path):
    import onnxruntime

    out = tmp_path / "onnx"
    result = run_cli("export", runs["dcgan"], "--format", "onnx", "--out", out)
    assert result.exit_code == 0, result.err
    config = json.loads((out / "config.json").read_text())
    assert 0 <= config["verification"]["max_abs_diff"] <= ONNX_TOLERANCE
    saved = _sample_pt(run_cli, runs["dcgan"], tmp_path / "s.pt")
    session = onnxruntime.InferenceSession(str(out / "generator.onnx"))
    assert [i.name for i in session.get_inputs()] == ["z"]
    images = torch.from_numpy(session.run(["images"], {"z": saved["z"].numpy()})[0])
    expected = Sampler(runs["dcgan"]).generate(saved["z"])
    assert (images - expected).abs().max() <= ONNX_TOLERANCE
    assert (to_uint8(images).int() - saved["images"].int()).abs().max() <= 1


def test_export_refusals_write_nothing(runs, run_cli, tmp_path, monkeypatch):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    refused = run_cli("export", runs["vanilla"], "--out", tmp_path / "mine", "--overwrite")
    assert refused.exit_code == 2 and "holds files that are not a ganzoo export" in refused.err
    assert (tmp_path / "mine" / "notes.txt").read_text() == "mine"
    out = tmp_path / "ts"
    assert run_cli("export", runs["vanilla"], "--out", out).exit_code == 0
    again = run_cli("export", runs["vanilla"], "--out", out)
    assert again.exit_code == 2 and "is not empty; pass --overwrite" in again.err
    replaced = run_cli("export", runs["vanilla"], "--out", out, "--overwrite", "--no-ema")
    assert replaced.exit_code == 0
    assert json.loads((out / "config.json").read_text())["ema"] is False
    # onnx without its packages: what to pip install
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "onnxscript" else real(n, *a)
    )
    missing = run_cli("export", runs["vanilla"], "--format", "onnx", "--out", tmp_path / "o")
    assert missing.exit_code == 2
    assert "needs onnxscript, which is not installed: pip install 'ganzoo[export]'" in missing.err
    assert not (tmp_path / "o").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "ts"]  # no temp folders left


def test_a_conditional_generator_exports_with_labels(conditional_run, run_cli, tmp_path):
    saved = _sample_pt(run_cli, conditional_run, tmp_path / "s.pt", "--class", "7")
    out = tmp_path / "ts"
    assert run_cli("export", conditional_run, "--out", out).exit_code == 0
    config = json.loads((out / "config.json").read_text())
    assert [i["name"] for i in config["inputs"]] == ["z", "labels"] and config["num_classes"] == 10
    net = torch.jit.load(out / "generator.pt")
    with torch.no_grad():
        assert torch.equal(to_uint8(net(saved["z"], saved["labels"])), saved["images"])
    assert "labels = torch.arange(16) % 10" in (out / "model_card.md").read_text()
    onnx = run_cli("export", conditional_run, "--format", "onnx", "--out", tmp_path / "onnx")
    assert onnx.exit_code == 0, onnx.err
    import onnxruntime

    session = onnxruntime.InferenceSession(str(tmp_path / "onnx" / "generator.onnx"))
    assert [i.name for i in session.get_inputs()] == ["z", "labels"]
    every_class = (
        torch.randn(20, saved["z"].shape[1], generator=torch.Generator().manual_seed(3)),
        torch.arange(20) % 10,
    )
    for z, labels in ((saved["z"], saved["labels"]), every_class):  # class 7 as sampled; all
        got = session.run(["images"], {"z": z.numpy(), "labels": labels.numpy()})[0]
        with torch.no_grad():
            expected, unlabelled = net(z, labels), net(z, torch.zeros_like(labels))
        assert (torch.from_numpy(got) - expected).abs().max() <= ONNX_TOLERANCE
    assert (torch.from_numpy(got) - unlabelled).abs().max() > 10 * ONNX_TOLERANCE  # labels act
    refused = run_cli(
        "export", conditional_run, "--format", "safetensors", "--out", tmp_path / "st"
    )
    assert refused.exit_code == 2
    assert "this generator has a tests.helpers.ConditionalGenerator" in refused.err
    assert not (tmp_path / "st").exists()


# --- without ganzoo ----------------------------------------------------------------------------

STANDALONE = ("torch", "numpy", "safetensors", "onnxruntime")


def _closure(names: tuple[str, ...]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need (their requirements, recursively)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, metadata.Distribution] = {}
    todo: list[tuple[str, tuple[str, ...]]] = [(n, ()) for n in names]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in seen:
            continue
        seen.add((canonicalize_name(name), extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[canonicalize_name(name)] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((req.name, tuple(sorted(req.extras))))
    return list(found.values())


def standalone_venv(path: Path) -> Path:
    """A venv that sees only :data:`STANDALONE` and their dependencies (symlinked): no ganzoo.

    Offline and quick: the packages of this environment are linked, not installed.
    """
    site = path / "linked"
    site.mkdir(parents=True)
    here = Path(sysconfig.get_paths()["purelib"])
    for dist in _closure(STANDALONE):
        tops = {Path(str(f)).parts[0] for f in dist.files or []}
        for top in tops - {"..", "__pycache__"}:
            if (here / top).exists() and not (site / top).exists() and not top.endswith(".pth"):
                (site / top).symlink_to(here / top)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path / "venv")], check=True)
    python = path / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "standalone.pth").write_text(f"{site}\n")  # a path, not a site dir
    return python


USER_SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys
    fmt, folder, samples, expected = sys.argv[1:]
    absent = ("ganzoo", "torchvision", "click")
    report = {m: importlib.util.find_spec(m) is not None for m in absent}
    import torch
    saved = torch.load(samples, weights_only=True)
    z, labels = saved["z"], saved.get("labels")
    with torch.no_grad():
        if fmt == "torchscript":
            net = torch.jit.load(folder + "/generator.pt")
            images = net(z) if labels is None else net(z, labels)
        elif fmt == "safetensors":
            sys.path.insert(0, folder)
            from generator import load_generator
            net, config = load_generator(folder)
            images = net(z)
        else:
            import onnxruntime
            session = onnxruntime.InferenceSession(folder + "/generator.onnx")
            feed = {"z": z.numpy()}
            if labels is not None:
                feed["labels"] = labels.numpy()
            images = torch.from_numpy(session.run(["images"], feed)[0])
    pixels = ((images + 1) / 2).clamp(0, 1).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)
    report["equal"] = torch.equal(pixels, saved["images"])
    report["max_pixel_diff"] = (pixels.int() - saved["images"].int()).abs().max().item()
    report["max_abs_diff"] = (images - torch.load(expected)).abs().max().item()
    print(json.dumps(report))
    """
)


@pytest.mark.slow
def test_exports_work_in_an_environment_without_ganzoo(runs, run_cli, tmp_path):
    python = standalone_venv(tmp_path / "env")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    cases = [("vanilla", "torchscript"), ("dcgan", "safetensors"), ("vae", "safetensors")]
    cases += [("dcgan", "onnx"), ("vanilla", "onnx")]
    for model, fmt in cases:
        out = tmp_path / f"{model}-{fmt}"
        assert run_cli("export", runs[model], "--format", fmt, "--out", out).exit_code == 0
        samples = tmp_path / f"{model}.pt"
        saved = _sample_pt(run_cli, runs[model], samples, "--overwrite")
        expected = tmp_path / f"{model}-expected.pt"
        torch.save(Sampler(runs[model]).generate(saved["z"]), expected)
        proc = subprocess.run(
            [python, str(script), fmt, str(out), str(samples), str(expected)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        assert report["ganzoo"] is False and report["torchvision"] is False, report
        assert report["click"] is False, report
        if fmt == "onnx":  # documented: within ONNX_TOLERANCE, pixels within one step
            assert report["max_abs_diff"] <= ONNX_TOLERANCE, (model, report)
            assert report["max_pixel_diff"] <= 1, (model, report)
        else:
            assert report["equal"] and report["max_abs_diff"] == 0.0, (model, fmt, report)
    # the generated generator.py runs as a script too
    proc = subprocess.run(
        [python, str(tmp_path / "dcgan-safetensors" / "generator.py"), "4"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0 and "4 samples of shape (1, 8, 8)" in proc.stdout, proc.stderr


def test_layer_specs_rebuild_standard_layers_and_refuse_the_rest():
    from torch import nn

    from ganzoo.api.errors import UsageError
    from ganzoo.api.layers import build
    from ganzoo.tools.export import ScaleShift, layer_spec

    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(4, 12, bias=False),
        nn.LayerNorm(12, bias=False),
        nn.GELU(approximate="tanh"),
        nn.Unflatten(1, (3, 2, 2)),
        nn.Upsample(scale_factor=2.0, mode="nearest"),
        nn.Sequential(nn.Conv2d(3, 2, 3, padding=1, padding_mode="reflect"), nn.BatchNorm2d(2)),
        nn.ConvTranspose2d(2, 1, 4, 2, 1, output_padding=0),
        nn.Sigmoid(),
        ScaleShift(2.0, -1.0),
    ).eval()
    spec = json.loads(json.dumps(layer_spec(net)))  # through JSON, as in config.json
    rebuilt = build(spec).eval()
    rebuilt.load_state_dict(net.state_dict())
    z = torch.randn(5, 4)
    with torch.no_grad():
        assert torch.equal(rebuilt(z), net(z))

    class MyLinear(nn.Linear):  # a subclass may compute anything: refused, not guessed
        def forward(self, x):
            return super().forward(x) * 2

    with pytest.raises(UsageError, match="MyLinear: use --format torchscript or onnx"):
        layer_spec(nn.Sequential(MyLinear(4, 4)))
