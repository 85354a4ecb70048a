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
    assert "latent_codes" not in config  # codes only for a model that names them
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


# --- a generator with named latent codes (InfoGAN; issue 24.5) --------------------------------


@pytest.fixture(scope="module")
def infogan_run(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export-infogan") / "run"
    cli_ok("train", "--model", "infogan", "--steps", "20", "--out", path, "-q")
    return path


def _inputs_setting(config: dict, z: torch.Tensor, name: str, values: torch.Tensor) -> dict:
    """The export's inputs for codes ``z``, read through the layout ``config.json`` documents,
    with code ``name`` set to ``values`` (class indices) rather than read from ``z``."""
    inputs = {"noise": torch.cat([z[:, a:b] for a, b in config["latent_noise"]["slices"]], 1)}
    for code in config["latent_codes"]:
        start, stop = code["offset"], code["offset"] + code["size"]
        inputs[code["name"]] = (
            z[:, start:stop].argmax(1) if code["kind"] == "categorical" else z[:, start]
        )
    inputs[name] = values
    return inputs


def test_an_infogan_export_takes_its_codes_as_inputs_and_draws_what_sample_code_draws(
    infogan_run, run_cli, tmp_path
):
    """``c1 = k`` given to the exported network as an input of its own gives the images of
    ``ganzoo sample --code c1=0..9``: bit for bit in TorchScript, within the tolerance in ONNX."""
    import onnxruntime

    saved = _sample_pt(run_cli, infogan_run, tmp_path / "s.pt", "--code", "c1=0..9")
    rows = saved["z"].shape[0] // 10
    k = torch.arange(10).repeat(rows)  # the grid's columns: c1 = 0..9 along each row
    for fmt in ("torchscript", "onnx"):
        out = tmp_path / fmt
        assert run_cli("export", infogan_run, "--format", fmt, "--out", out).exit_code == 0
        config = json.loads((out / "config.json").read_text())
        assert [i["name"] for i in config["inputs"]] == ["noise", "c1", "c2", "c3"]
        assert config["inputs"][0]["shape"] == ["batch", 62]
        assert config["inputs"][1] == {
            "name": "c1", "code": "categorical", "dtype": "int64", "shape": ["batch"],
            "range": [0, 9],
        }  # fmt: skip
        c1, c2 = config["latent_codes"][:2]
        assert (c1["name"], c1["kind"], c1["offset"], c1["size"]) == ("c1", "categorical", 62, 10)
        assert c1["values"] == [0, 9] and c1["prior"] == "uniform over 0..9"
        assert (c2["kind"], c2["offset"], c2["range"]) == ("continuous", 72, [-1.0, 1.0])
        assert config["latent_noise"] == {
            "slices": [[0, 62]], "size": 62, "prior": "standard normal N(0, I)"
        }  # fmt: skip
        inputs = _inputs_setting(config, saved["z"], "c1", k)
        other = _inputs_setting(config, saved["z"], "c1", (k + 1) % 10)
        names = [i["name"] for i in config["inputs"]]
        if fmt == "torchscript":
            net = torch.jit.load(out / "generator.pt")
            with torch.no_grad():
                images = net(*(inputs[n] for n in names))
                shifted = net(*(other[n] for n in names))
            assert torch.equal(to_uint8(images), saved["images"])
        else:
            session = onnxruntime.InferenceSession(str(out / "generator.onnx"))
            assert [i.name for i in session.get_inputs()] == names
            assert session.get_inputs()[1].type == "tensor(int64)"
            images, shifted = (
                torch.from_numpy(session.run(["images"], {n: f[n].numpy() for n in names})[0])
                for f in (inputs, other)
            )
            expected = Sampler(infogan_run).generate(saved["z"])
            assert (images - expected).abs().max() <= ONNX_TOLERANCE
            assert (to_uint8(images).int() - saved["images"].int()).abs().max() <= 1
        assert (images - shifted).abs().max() > 0.01  # the input c1 acts


def _run_card_code(folder: Path, title: str, monkeypatch) -> dict:
    """Run the Python block under ``## TITLE`` of the export's model card, in the folder."""
    card = (folder / "model_card.md").read_text()
    section = card.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    torch.manual_seed(0)
    namespace: dict = {}
    exec(compile(code, str(folder / "model_card.md"), "exec"), namespace)
    return namespace


def test_an_infogan_cards_code_sets_c1_where_the_model_reads_it(
    infogan_run, run_cli, tmp_path, monkeypatch
):
    """The card's snippets, run as written: the ``z`` built for ``c1 = k`` holds k where the
    model's own code reads it, and the loading code's inputs give the model's images."""
    sampler = Sampler(infogan_run)
    model = sampler.model
    for fmt in ("torchscript", "safetensors"):
        out = tmp_path / fmt
        assert run_cli("export", infogan_run, "--format", fmt, "--out", out).exit_code == 0
        built = _run_card_code(out, "Latent codes", monkeypatch)
        z = built["z"]
        assert torch.equal(model.code("c1").decode(z), torch.full((16,), built["k"]))
        assert (z[:, 72:74].abs() <= 1).all()  # the continuous codes from their prior
        loaded = _run_card_code(out, "How to load it", monkeypatch)
        if fmt == "safetensors":  # it takes z: built as the Latent codes block builds it
            assert "latent_codes" in json.loads((out / "config.json").read_text())
            assert torch.equal(model.code("c1").decode(loaded["z"]), torch.full((16,), 3))
            assert torch.equal(loaded["images"], sampler.generate(loaded["z"]))
            continue
        assert torch.equal(loaded["c1"], torch.full((16,), 3))
        z = torch.zeros(16, 74)
        z[:, :62] = loaded["noise"]
        for name in ("c1", "c2", "c3"):
            z = model.with_code(z, name, loaded[name])
        assert torch.equal(loaded["images"], sampler.generate(z))


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
    config = json.load(open(folder + "/config.json"))
    coded = config["inputs"][0]["name"] == "noise"  # noise and codes, laid out in config.json
    if coded:
        parts = {"noise": torch.cat([z[:, a:b] for a, b in config["latent_noise"]["slices"]], 1)}
        for code in config["latent_codes"]:
            part = z[:, code["offset"] : code["offset"] + code["size"]]
            parts[code["name"]] = part.argmax(1) if code["kind"] == "categorical" else part[:, 0]
        inputs = [parts[i["name"]] for i in config["inputs"]]
    with torch.no_grad():
        if fmt == "torchscript":
            net = torch.jit.load(folder + "/generator.pt")
            if coded:
                images = net(*inputs)
            else:
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
            if coded:
                feed = {i["name"]: t.numpy() for i, t in zip(config["inputs"], inputs)}
            images = torch.from_numpy(session.run(["images"], feed)[0])
    pixels = ((images + 1) / 2).clamp(0, 1).mul(255).add(0.5).clamp(0, 255).to(torch.uint8)
    report["equal"] = torch.equal(pixels, saved["images"])
    report["max_pixel_diff"] = (pixels.int() - saved["images"].int()).abs().max().item()
    report["max_abs_diff"] = (images - torch.load(expected)).abs().max().item()
    print(json.dumps(report))
    """
)


@pytest.mark.slow
def test_exports_work_in_an_environment_without_ganzoo(runs, infogan_run, run_cli, tmp_path):
    python = standalone_venv(tmp_path / "env")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    cases = [("vanilla", "torchscript"), ("dcgan", "safetensors"), ("vae", "safetensors")]
    cases += [("dcgan", "onnx"), ("vanilla", "onnx")]
    runs = {**runs, "infogan": infogan_run}  # its codes as inputs of their own
    cases += [("infogan", "torchscript"), ("infogan", "onnx"), ("infogan", "safetensors")]
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


class _ZAndLabels(torch.nn.Module):
    """A stand-in coded generator: z (and a label's offset) through one linear map."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(9, 4)

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.linear(z) + labels[:, None]


@pytest.mark.filterwarnings("ignore:`torch.jit.[a-z_]+` is deprecated:FutureWarning")
def test_code_inputs_rebuild_z_for_any_layout_of_codes_and_noise():
    """Codes first and in the middle, noise in two pieces, a label last: the inputs split from
    ``z`` rebuild it exactly (also traced); overlapping codes are the model's error."""
    from ganzoo.api.codes import LatentCode
    from ganzoo.api.errors import PluginError
    from ganzoo.tools.export.codes import CodeInputs, noise_slices

    codes = (LatentCode("c1", "categorical", 2, 3), LatentCode("c2", "continuous", 0))
    assert noise_slices(codes, 9) == [(1, 2), (5, 9)]
    torch.manual_seed(0)
    net = _ZAndLabels()
    wrapper = CodeInputs(net, codes, 9, conditional=True)
    assert wrapper.input_names == ["noise", "c1", "c2", "labels"] and wrapper.noise_dim == 5
    z = torch.randn(6, 9)
    z[:, 2:5] = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 2, 1, 0]), 3).float()
    labels = torch.arange(6)
    inputs = (*wrapper.split(z), labels)
    assert torch.equal(inputs[0], torch.cat([z[:, 1:2], z[:, 5:9]], 1))
    assert torch.equal(inputs[1], torch.tensor([0, 1, 2, 2, 1, 0]))
    with torch.no_grad():
        assert torch.equal(wrapper(*inputs), net(z, labels))
        assert torch.equal(wrapper.to_torchscript(inputs)(*inputs), net(z, labels))
    specs = wrapper.input_specs(num_classes=6)
    assert [s["name"] for s in specs] == ["noise", "c1", "c2", "labels"]
    assert specs[0]["shape"] == ["batch", 5] and specs[1]["range"] == [0, 2]
    with pytest.raises(PluginError, match=r"'c2' .* overlaps another code"):
        noise_slices((LatentCode("c1", "categorical", 2, 3), LatentCode("c2", "continuous", 3)), 9)
