"""Reading the numbers (issue 17): precision/recall, floors, intervals, warnings, provenance,
the health of a set of samples. (The monitors in training: tests/training/test_health.py;
TensorBoard: tests/training/test_tensorboard.py.)

Each test asserts a behaviour that a wrong implementation would fail: the fast FID against
torch-fidelity's, a collapsed model's precision and recall against real data's, the floors
against each other and their cache, the interval against its estimate, a collapsed
generator against a healthy one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch_fidelity

from ganzoo.api.errors import GanzooError
from ganzoo.host.build import load_dataset
from ganzoo.metrics import stats as mstats
from ganzoo.metrics.fidelity import Evaluator
from ganzoo.metrics.provenance import COMPARABLE, first_difference
from ganzoo.metrics.spec import EvalSpec
from tests.helpers import ImageSampler

pytestmark = pytest.mark.usefixtures("shared_cache")  # the digits classifier trains once


def _train_images() -> torch.Tensor:
    return load_dataset("digits", None, split="train").samples


@pytest.fixture(scope="module")
def measured(_shared_cache_dir) -> dict[str, dict]:
    """Real training images, one repeated image (a collapsed model) and noise, measured once."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANZOO_CACHE_DIR", str(_shared_cache_dir))
        train = _train_images()
        evaluator = Evaluator(EvalSpec("digits", samples=359, seed=1))
        noise = torch.rand(359, 1, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
        return {
            "real": evaluator(ImageSampler(train[359:718])),  # 359 training images, none repeated
            "collapsed": evaluator(ImageSampler(train[:1].repeat(359, 1, 1, 1))),
            "noise": evaluator(ImageSampler(noise)),
        }


# --- 1. precision and recall ------------------------------------------------------------------


def test_collapsed_model_has_high_precision_and_low_recall_and_real_data_both_near_one(measured):
    real, collapsed, noise = measured["real"], measured["collapsed"], measured["noise"]
    # one real digit, repeated: every sample is realistic, almost none of the data is covered
    assert collapsed["precision"] > 0.9 and collapsed["recall"] < 0.05
    assert real["precision"] > 0.85 and real["recall"] > 0.85
    assert noise["precision"] < 0.05 and noise["recall"] < 0.05
    for kind in ("real", "noise"):  # the floors carry them too
        assert 0 <= real["floors"][kind]["precision"] <= 1


def test_precision_recall_is_torch_fidelitys_prc_on_the_same_features():
    from torch_fidelity.metric_prc import calculate_precision_recall_full

    g = torch.Generator().manual_seed(0)
    fake, real = torch.randn(300, 16, generator=g), torch.randn(250, 16, generator=g) + 0.5
    ours = mstats.precision_recall(fake, real)
    precision, recall = calculate_precision_recall_full(fake, real, 3, 10000)
    assert ours == {"precision": pytest.approx(precision), "recall": pytest.approx(recall)}
    assert 0.2 < ours["precision"] < 1 and 0.2 < ours["recall"] < 1  # not a trivial case


# --- 2. floors and ceilings -------------------------------------------------------------------


def test_every_score_has_its_real_data_floor_and_noise_ceiling(measured):
    result = measured["collapsed"]
    real, noise = result["floors"]["real"], result["floors"]["noise"]
    assert real["source"] == "train split" and noise["source"] == "uniform noise"
    assert real["samples"] == noise["samples"] == 359
    assert 0 <= real["fid"] < 0.5 and noise["fid"] > 20 * real["fid"]
    assert abs(real["kid_mean"]) < 0.005 < 0.05 < noise["kid_mean"]
    assert real["classifier_score_mean"] > 8 > 3 > noise["classifier_score_mean"]
    # density and coverage (Naeem et al. 2020): real data near 1, noise near 0
    assert real["density"] > 0.8 > 0.05 > noise["density"]
    assert real["coverage"] > 0.8 > 0.05 > noise["coverage"]
    assert result["density"] >= 0 and 0 <= result["coverage"] <= 1
    # the real floor is what real training images score: the measured real images agree
    assert result["fid_scaled"] == pytest.approx(
        (result["fid"] - real["fid"]) / (noise["fid"] - real["fid"])
    )
    assert measured["real"]["fid"] == pytest.approx(real["fid"], abs=0.1)


def test_floors_are_cached_per_count_and_a_doctored_file_is_refused(tmp_path, monkeypatch):
    import shutil

    from ganzoo.metrics.classifier import classifier_for

    shared = Path(classifier_for("digits").path).parent.parent
    cache = tmp_path / "cache"
    shutil.copytree(shared / "classifiers", cache / "classifiers")
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(cache))
    first = Evaluator(EvalSpec("digits", samples=100)).floors()
    files = sorted(p.name for p in (cache / "floors").glob("*-floor-*.npz"))
    assert len(files) == 2 and any("-floor-real-n100" in f for f in files)
    calls = []
    original = Evaluator._measure
    monkeypatch.setattr(Evaluator, "_measure", lambda *a, **k: calls.append(1) or original(*a, **k))
    assert Evaluator(EvalSpec("digits", samples=100)).floors() == first  # read back, not redone
    assert calls == []
    Evaluator(EvalSpec("digits", samples=120)).floors()  # another count is another entry
    assert len(calls) == 2
    path = next((cache / "floors").glob("*-floor-noise-n100.npz"))
    np.save(path.with_suffix(".tmp.npy"), np.array([object()], dtype=object), allow_pickle=True)
    path.with_suffix(".tmp.npy").replace(path)
    with pytest.raises(GanzooError, match=r"refusing the statistics cache .*floor-noise-n100"):
        Evaluator(EvalSpec("digits", samples=100)).floors()


def test_eval_table_shows_floors_intervals_and_warnings(run_cli, tmp_path):
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    run = train(TrainConfig(steps=20, batch_size=32, out=str(tmp_path / "run"))).run_dir
    result = run_cli("eval", run, "--samples", "100")
    assert result.exit_code == 0, result.err
    stored = json.loads(next((run / "eval").glob("*.json")).read_text())
    for word in ("real data", "noise", "95% interval", "precision", "recall", "uniform-noise"):
        assert word in result.out, word
    assert f"{stored['floors']['noise']['fid']:.3f}" in result.out
    assert f"{stored['fid_interval'][0]:.3f}" in result.out
    # 100 samples: below every minimum but KID's (100): one warning line each on stderr
    assert stored["min_samples"] == {
        "fid": 128, "kid": 100, "precision_recall": 1000, "inception_score": 1000,
    }  # fmt: skip
    assert len(stored["warnings"]) == 3
    for line in stored["warnings"]:
        assert f"warning: {line}" in result.err
    js = run_cli("eval", run, "--samples", "200", "--json")
    data = json.loads(js.out)
    assert data["fid_interval"][0] <= data["fid"] <= data["fid_interval"][1]
    assert not any(w.startswith("KID") or w.startswith("FID") for w in data["warnings"])


# --- 3. intervals -----------------------------------------------------------------------------


@pytest.mark.parametrize("dim", [16, 600])  # the D×D route and the N×M route
def test_fast_fid_equals_torch_fidelitys(dim):
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

    g = torch.Generator().manual_seed(dim)
    fake = torch.randn(400, dim, generator=g) * 1.3 + 0.2
    real = torch.randn(300, dim, generator=g)
    theirs = fid_statistics_to_metric(
        fid_features_to_statistics(fake), fid_features_to_statistics(real), False
    )["frechet_inception_distance"]
    assert mstats.fid_from_features(fake, real) == pytest.approx(theirs, rel=1e-6)


def test_bootstrap_interval_holds_the_estimate_is_seeded_and_narrows_with_samples():
    g = torch.Generator().manual_seed(0)
    pool_fake, pool_real = (
        torch.randn(4000, 8, generator=g) + 0.3,
        torch.randn(4000, 8, generator=g),
    )
    widths = []
    for n in (200, 2000):
        fake, real = pool_fake[:n], pool_real[:n]
        fid = mstats.fid_from_features(fake, real)
        low, high = mstats.bootstrap_fid(fake, real, fid, seed=3)
        assert low <= fid <= high and low < high
        assert (low, high) == mstats.bootstrap_fid(fake, real, fid, seed=3)
        widths.append(high - low)
    assert widths[1] < widths[0] / 2  # ~1/sqrt(n): ten times the samples, a third the width


def test_results_carry_fid_and_kid_intervals(measured):
    result = measured["real"]
    low, high = result["fid_interval"]
    assert low <= result["fid"] <= high and result["interval_level"] == 0.95
    k_low, k_high = result["kid_interval"]
    assert k_low < result["kid_mean"] < k_high
    assert k_high - k_low == pytest.approx(2 * 1.959964 * result["kid_std"], rel=1e-4)


def test_t_interval():
    mean, half = mstats.t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.302653 * 1.0 / 3**0.5, rel=1e-5)
    assert np.isnan(mstats.t_interval([1.0])[1])


# --- 4. provenance ----------------------------------------------------------------------------


def test_every_result_carries_its_provenance(measured, tmp_path):
    from ganzoo.metrics import evaluate_run
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    record = measured["real"]["provenance"]
    for name in (*COMPARABLE, "extractor_kind", "step", "checkpoint", "distributions"):
        assert name.split(".")[0] in record, name
    assert record["extractor_weights_sha256"].startswith(record["extractor"].rsplit("-", 1)[1])
    assert record["samples"] == 359 and record["real_samples"] == 359 and record["seed"] == 1
    assert record["versions"]["torch_fidelity"] == torch_fidelity.__version__
    assert "antialias" in record["resize"]
    run = train(TrainConfig(steps=4, batch_size=32, out=str(tmp_path / "run"))).run_dir
    result = evaluate_run(run, EvalSpec(samples=50))
    assert result["provenance"]["checkpoint"] == "step_00000004.pt"
    assert result["provenance"]["step"] == 4
    assert set(result["provenance"]["distributions"]) >= {"ganzoo"}
    assert result["provenance"]["components"]["model"].startswith("ganzoo")
    assert first_difference(result["provenance"], result["provenance"]) is None
    changed = {**result["provenance"], "split": "train"}
    assert first_difference(result["provenance"], changed) == "split"
    assert first_difference(result["provenance"], None) == "provenance"


def test_compare_refuses_results_whose_provenance_differs_naming_the_field(run_cli, tmp_path):
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    runs = [
        train(TrainConfig(steps=4, batch_size=32, seed=s, out=str(tmp_path / f"r{s}"))).run_dir
        for s in (0, 1)
    ]
    first = run_cli("compare", *runs, "--samples", "50", "--out", tmp_path / "a", "--json")
    assert first.exit_code == 0, first.err
    data = json.loads(first.out)
    assert data["provenance"]["samples"] == 50 and data["floors"]["real"]["fid"] >= 0
    report = (tmp_path / "a" / "report.md").read_text()
    assert "## Provenance" in report and "real data (train split, 50)" in report
    # doctor one stored result: its real images were others (e.g. the dataset files changed)
    path = next((runs[1] / "eval").glob("*.json"))
    stored = json.loads(path.read_text())
    stored["provenance"]["real_images_sha256"] = "0" * 64
    path.write_text(json.dumps(stored))
    again = run_cli("compare", *runs, "--samples", "50", "--no-eval", "--out", tmp_path / "b")
    assert again.exit_code == 2
    assert "differ in provenance field real_images_sha256" in again.err
    # another ganzoo version: not reused, and --no-eval says which field
    stored["provenance"]["versions"]["ganzoo"] = "0.0.1"
    path.write_text(json.dumps(stored))
    again = run_cli("compare", *runs, "--samples", "50", "--no-eval", "--out", tmp_path / "c")
    assert again.exit_code == 2 and "provenance.versions.ganzoo" in again.err
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()


# --- compare --seeds ----------------------------------------------------------------------------


def test_compare_seeds_trains_each_configuration_per_seed_and_pools_them(run_cli, tmp_path):
    out = tmp_path / "cmp"
    result = run_cli(
        "compare", "--models", "vanilla:nonsat,vae", "--seeds", "0,1", "--steps", "3",
        "--samples", "50", "--out", out, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    data = json.loads(result.out)
    assert sorted(p.name for p in (out / "runs").iterdir()) == [
        "vae-elbo-seed0", "vae-elbo-seed1", "vanilla-nonsat-seed0", "vanilla-nonsat-seed1",
    ]  # fmt: skip
    by_name = {c["configuration"]: c for c in data["configurations"]}
    assert set(by_name) == {"vanilla+nonsat", "vae+elbo"} and by_name["vae+elbo"]["seeds"] == [0, 1]
    fid = by_name["vanilla+nonsat"]["metrics"]["fid"]
    mean, half = mstats.t_interval(fid["values"])
    assert fid["mean"] == pytest.approx(mean) and fid["half_width"] == pytest.approx(half)
    assert len(set(fid["values"])) == 2  # two seeds, two different runs
    for d in data["differences"]:
        a, b = by_name[d["a"]]["metrics"][d["key"]], by_name[d["b"]]["metrics"][d["key"]]
        overlap = (
            a["mean"] - a["half_width"] <= b["mean"] + b["half_width"]
            and b["mean"] - b["half_width"] <= a["mean"] + a["half_width"]
        )
        assert d["supported"] == (not overlap)
    report = (out / "report.md").read_text()
    assert "## Differences" in report and "vanilla+nonsat" in report


# --- 6. health monitors -----------------------------------------------------------------------


def test_collapsed_samples_raise_the_alert_and_real_data_does_not(measured):
    collapsed, real = measured["collapsed"]["health"], measured["real"]["health"]
    assert collapsed["mode_collapse"] and collapsed["top_class_share"] == 1.0
    assert collapsed["near_duplicate_rate"] == 1.0 and collapsed["class_entropy"] == 0.0
    assert not real["mode_collapse"] and real["class_entropy"] > 0.95
    assert real["near_duplicate_rate"] < 0.05
    assert sum(real["class_histogram"]) == 359 and len(real["class_histogram"]) == 10
