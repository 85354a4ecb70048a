"""Safety (issue 14): no file is unpickled with code, files follow the umask, provenance.

- Item 4: the real-data statistics cache is plain arrays; a doctored cache file is refused
  (and torch-fidelity's pickled cache files are never read); the numbers are exactly
  torch-fidelity's; no ``torch.load``/``pickle``/``np.load`` in ganzoo can run code.
- Item 7: every file a run, an evaluation, a comparison and the cache leave has the
  permissions a plain ``open()`` gives under the umask.

Item 8 (``config.json`` names each component's distribution) is in tests/runs/test_config_json.py.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest
import torch
import torch_fidelity

from ganzoo.api.errors import GanzooError, UsageError
from ganzoo.metrics import EvalSpec, realstats
from ganzoo.metrics.bridge import KID_SUBSETS, _private_weights_copy
from ganzoo.metrics.fidelity import Evaluator
from ganzoo.metrics.images import UInt8Images
from ganzoo.runs.files import current_umask
from tests.helpers import ROOT, cli_ok, ganzoo_process

SAMPLES = "50"


class Payload:
    """Unpickling this runs code: it creates the file named by ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def doctor(path: Path, marker: Path) -> None:
    """Replace ``path`` by a pickle that creates ``marker`` when unpickled."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(Payload(marker)))


def error_lines(err: str) -> list[str]:
    """stderr without plugin warnings."""
    return [line for line in err.strip().splitlines() if not line.startswith("Warning: ")]


@pytest.fixture(scope="module")
def classifiers(tmp_path_factory) -> Path:
    """The digits domain classifier, trained once for the module."""
    from ganzoo.metrics.classifier import classifier_for

    cache = tmp_path_factory.mktemp("classifier-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANZOO_CACHE_DIR", str(cache))
        classifier_for("digits")
    return cache / "classifiers"


@pytest.fixture
def cache(classifiers, tmp_path, monkeypatch) -> Path:
    """A cache of this test's own, holding (a copy of) the trained classifier."""
    path = tmp_path / "cache"
    shutil.copytree(classifiers, path / "classifiers")
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "run"
    cli_ok("train", "--steps", "20", "--out", out, "-q")
    return out


@pytest.fixture
def run(finished, tmp_path) -> Path:
    """A copy of the finished run that this test may evaluate."""
    return Path(shutil.copytree(finished, tmp_path / "run"))


# --- item 4: a hostile statistics cache never runs ------------------------------------------


def test_doctored_statistics_cache_is_refused_in_one_line_and_never_runs(run_cli, cache, run):
    first = run_cli("eval", run, "--samples", SAMPLES)
    assert first.exit_code == 0, first.err
    files = sorted((cache / "fidelity").iterdir())
    assert files and all(f.suffix == ".npz" for f in files)
    marker = cache.parent / "marker"
    for f in files:
        doctor(f, marker)
    results = sorted((run / "eval").iterdir())

    result = run_cli("eval", run, "--samples", SAMPLES)
    assert result.exit_code == 1
    assert "Traceback" not in result.err
    lines = error_lines(result.err)
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"Error: refusing the statistics cache {files[0]}: ")
    assert "could run code" in lines[0] and "delete the file and evaluate again" in lines[0]
    assert not marker.exists()
    assert sorted((run / "eval").iterdir()) == results  # nothing saved

    for f in files:  # deleting it, as the message says, repairs the cache
        f.unlink()
    again = run_cli("eval", run, "--samples", SAMPLES, "--json")
    assert again.exit_code == 0, again.err
    assert not marker.exists()


def test_a_real_ganzoo_process_refuses_doctored_files_in_exactly_one_line(cache, run):
    """As a user sees it: a separate process, its real stderr (Python warnings included)."""
    marker = cache.parent / "marker"
    assert ganzoo_process("eval", run, "--samples", SAMPLES).returncode == 0
    (stats,) = (cache / "fidelity").iterdir()
    doctor(stats, marker)
    refused = ganzoo_process("eval", run, "--samples", SAMPLES)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"Error: refusing the statistics cache {stats}: it is not a plain array file, and "
        "unpickling it could run code; delete the file and evaluate again (ganzoo recomputes it)"
    ]
    for checkpoint in (run / "checkpoints").glob("step_*.pt"):
        doctor(checkpoint, marker)
    refused = ganzoo_process("eval", run, "--samples", SAMPLES)
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("Error: cannot load checkpoint ") and "pickled code" in line
    assert not marker.exists()


@pytest.mark.parametrize(
    "content", [b"", b"not an archive", b"PK\x03\x04 truncated zip"], ids=["empty", "text", "zip"]
)
def test_corrupt_statistics_cache_is_refused(run_cli, cache, run, content):
    assert run_cli("eval", run, "--samples", SAMPLES).exit_code == 0
    (path,) = (cache / "fidelity").iterdir()
    path.write_bytes(content)
    result = run_cli("eval", run, "--samples", SAMPLES)
    assert result.exit_code == 1 and "Traceback" not in result.err
    lines = error_lines(result.err)
    assert len(lines) == 1 and lines[0].startswith(f"Error: refusing the statistics cache {path}")


def test_object_arrays_in_the_cache_are_refused(cache, tmp_path):
    marker = tmp_path / "marker"
    path = cache / "fidelity" / "x.npz"
    path.parent.mkdir(parents=True)
    np.savez(path, **{"features-f": np.array([Payload(marker)], dtype=object)})
    with pytest.raises(GanzooError, match="could run code"):
        realstats.load(path, "f", "f")
    assert not marker.exists()


def test_torch_fidelity_pickle_cache_files_are_never_read(run_cli, cache, run):
    """Doctored files under every name torch-fidelity's own cache would use are ignored."""
    evaluator = Evaluator(EvalSpec("digits", samples=int(SAMPLES)))
    prefix = f"{evaluator.cache_name}-{evaluator.extractor.fidelity_name}"
    marker = cache.parent / "marker"
    for suffix in ("features-features", "features-logits", "stat-fid-features"):
        doctor(cache / "fidelity" / f"{prefix}-{suffix}.pt", marker)
    result = run_cli("eval", run, "--samples", SAMPLES)
    assert result.exit_code == 0, result.err
    assert not marker.exists()


def test_cache_is_plain_arrays_and_a_second_evaluation_reuses_it(run_cli, cache, run, monkeypatch):
    calls: list[int] = []
    original = torch_fidelity.utils.get_featuresdict_from_dataset

    def counting(input, *args, **kwargs):
        calls.append(len(input))
        return original(input, *args, **kwargs)

    monkeypatch.setattr(torch_fidelity.utils, "get_featuresdict_from_dataset", counting)
    first = run_cli("eval", run, "--samples", SAMPLES, "--json")
    assert first.exit_code == 0, first.err
    assert calls == [int(SAMPLES)] * 3  # the real side, then the real-data and noise floors
    (path,) = (cache / "fidelity").iterdir()
    with np.load(path, allow_pickle=False) as data:  # no pickle needed to read it
        assert {"features-features", "stat-fid-features-mu", "stat-fid-features-sigma"} <= set(
            data.files
        )
        assert all(data[k].dtype != object for k in data.files)
    second = run_cli("eval", run, "--samples", SAMPLES, "--json")
    assert second.exit_code == 0, second.err
    assert calls == [int(SAMPLES)] * 3  # the real side and the floors came from the cache
    a, b = json.loads(first.out), json.loads(second.out)
    for key in ("fid", "kid_mean", "kid_std", "classifier_score_mean", "classifier_score_std"):
        assert a[key] == b[key], key


class Noise:
    def sample(self, n, generator=None):
        return torch.rand(n, 1, 8, 8, generator=generator) * 2 - 1


def test_numbers_are_exactly_torch_fidelitys_calculate_metrics_with_its_own_cache(cache, tmp_path):
    """The cache-free bridge gives bit-identical numbers to the call ganzoo used to make."""
    from ganzoo.metrics.fidelity import SampledImages

    samples, seed = 120, 5
    evaluator = Evaluator(EvalSpec("digits", samples=samples, seed=seed, batch_size=32))
    ours = [evaluator(Noise()), Evaluator(evaluator.spec)(Noise())]  # computed, then cached
    kid_subset = ours[0]["kid_subset_size"]

    def theirs() -> dict:
        return torch_fidelity.calculate_metrics(
            input1=SampledImages(Noise(), (1, 8, 8), seed),
            input1_model_num_samples=samples,
            input2=UInt8Images(evaluator.real),
            input2_cache_name=evaluator.cache_name,
            cache_root=str(tmp_path / "torch-fidelity-cache"),
            cache=True,
            cuda=False,
            batch_size=32,
            isc=True,
            fid=True,
            kid=True,
            isc_splits=ours[0]["isc_splits"],
            kid_subsets=KID_SUBSETS,
            kid_subset_size=kid_subset,
            rng_seed=seed,
            save_cpu_ram=True,
            verbose=False,
            **evaluator.extractor.fidelity_kwargs(),
        )

    for reference in (theirs(), theirs()):  # torch-fidelity computing, then from its cache
        for result in ours:
            assert result["fid"] == reference[torch_fidelity.KEY_METRIC_FID]
            assert result["kid_mean"] == reference[torch_fidelity.KEY_METRIC_KID_MEAN]
            assert result["kid_std"] == reference[torch_fidelity.KEY_METRIC_KID_STD]
            assert result["classifier_score_mean"] == reference[torch_fidelity.KEY_METRIC_ISC_MEAN]
            assert result["classifier_score_std"] == reference[torch_fidelity.KEY_METRIC_ISC_STD]


def test_inception_weights_reach_torch_fidelity_as_a_private_plain_copy(tmp_path):
    weights = tmp_path / "weights.pth"
    state = {"fc.weight": torch.arange(6.0).reshape(2, 3), "fc.bias": torch.ones(2)}
    torch.save(state, weights)
    with _private_weights_copy(weights) as copy:
        assert copy != weights and copy.parent != weights.parent
        assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700  # nobody else can swap it
        loaded = torch.load(copy, weights_only=True)
        assert loaded.keys() == state.keys()
        assert all(torch.equal(loaded[k], state[k]) for k in state)
    assert not copy.exists()

    marker = tmp_path / "marker"
    doctor(weights, marker)  # swapped after it was checked
    with pytest.raises(UsageError, match="could run code"), _private_weights_copy(weights):
        pass
    assert not marker.exists()


def _calls(tree: ast.AST, module: str, function: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == function
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in {module, {"numpy": "np"}.get(module, module)}
    ]


def _keyword(call: ast.Call, name: str) -> object:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value.value if isinstance(kw.value, ast.Constant) else kw.value
    return None


def test_nothing_in_ganzoo_unpickles_with_code_execution():
    """Every ``torch.load`` says ``weights_only=True``; no pickle, no ``allow_pickle=True``."""
    sources = sorted((ROOT / "ganzoo").rglob("*.py")) + sorted((ROOT / "plugins").rglob("*.py"))
    assert len(sources) > 30
    problems = []
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] in {"pickle", "dill", "joblib", "cloudpickle", "shelve"}:
                    problems.append(f"{where}:{node.lineno}: imports {name}")
        for call in _calls(tree, "torch", "load"):
            if _keyword(call, "weights_only") is not True:
                problems.append(f"{where}:{call.lineno}: torch.load without weights_only=True")
        for function in ("load", "loads"):
            for call in _calls(tree, "numpy", function):
                if _keyword(call, "allow_pickle") not in (None, False):
                    problems.append(f"{where}:{call.lineno}: np.load with allow_pickle")
    assert problems == []


# --- item 7: files follow the umask -----------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o002], ids=["022", "002"])
def test_run_eval_report_and_cache_files_get_the_permissions_open_would_give(
    run_cli, tmp_path, monkeypatch, umask
):
    cache = tmp_path / "cache"  # fresh: the classifier is trained (and saved) under the umask
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(cache))
    runs, report = tmp_path / "runs", tmp_path / "report"
    previous = os.umask(umask)
    try:
        assert current_umask() == umask
        for name in ("a", "b"):
            result = run_cli("train", "--steps", "6", "--out", runs / name, "-q")
            assert result.exit_code == 0, result.err
        result = run_cli("eval", runs / "a", "--samples", SAMPLES)
        assert result.exit_code == 0, result.err
        result = run_cli("compare", runs / "a", runs / "b", "--samples", SAMPLES, "--out", report)
        assert result.exit_code == 0, result.err
        result = run_cli("plugin", "new", "permcheck", "--dir", tmp_path / "plugins")
        assert result.exit_code == 0, result.err
    finally:
        os.umask(previous)
    expected = {"file": 0o666 & ~umask, "folder": 0o777 & ~umask}
    wrong, seen = [], set()
    for root in (runs, report, cache, tmp_path / "plugins" / "ganzoo-permcheck"):
        for path in [root, *root.rglob("*")]:
            kind = "folder" if path.is_dir() else "file"
            seen.add(path.relative_to(tmp_path).parts[0] + ":" + path.suffix)
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode != expected[kind]:
                wrong.append(f"{path.relative_to(tmp_path)}: {oct(mode)}")
    assert wrong == []
    # what was checked: checkpoints, logs, figures, evaluations, the report, the cache
    for what in ("runs:.pt", "runs:.json", "runs:.jsonl", "runs:.png", "report:.md"):
        assert what in seen, what
    assert "cache:.npz" in seen and "cache:.pt" in seen
