"""``ganzoo compare``: GANs and a VAE on the same data, metric, extractor and sample count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ganzoo.runs.rundir import RunDir

SAMPLES = "100"


pytestmark = pytest.mark.usefixtures("shared_cache")  # the digits classifier trains once


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> list[Path]:
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    root = tmp_path_factory.mktemp("runs")
    runs = []
    for model in ("vanilla", "vae"):
        config = TrainConfig(model=model, steps=20, batch_size=32, out=str(root / model))
        runs.append(train(config).run_dir)
    return runs


def training_files(run: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(run)): p.read_bytes()
        for p in run.rglob("*")
        if p.is_file() and "eval" not in p.relative_to(run).parts
    }


def test_compare_writes_table_and_report(two_runs, run_cli, tmp_path, monkeypatch):
    before = [training_files(r) for r in two_runs]
    report = tmp_path / "report"
    result = run_cli("compare", *two_runs, "--samples", SAMPLES, "--out", report)
    assert result.exit_code == 0, result.err
    printed = " ".join(result.out.split())  # the table's cells and caption may wrap
    words = ("vanilla", "vae", "nonsat", "elbo", "classifier score (domain IS)", "FID", "KID",
             "density", "coverage", "domain-digits")  # fmt: skip
    for word in words:
        assert word in printed, word
    assert {p.name for p in report.iterdir()} == {
        "report.md", "comparison.json", "samples.png", "loss_curves.png", "metrics.png",
    }  # fmt: skip
    data = json.loads((report / "comparison.json").read_text())
    assert data["dataset"] == "digits" and data["samples"] == 100
    assert data["extractor"].startswith("domain-digits-")
    for row in data["runs"]:
        m = row["metrics"]
        assert m["extractor"] == data["extractor"] and m["samples"] == 100
        assert m["fid"] > 0 and 1 <= m["classifier_score_mean"] <= 10
        assert row["parameters"] > 0 and row["seconds"] > 0
    text = (report / "report.md").read_text()
    assert "![samples](samples.png)" in text and "| vanilla | vanilla | nonsat |" in text
    assert "| classifier score (domain IS) ↑ |" in text and "| density ↑ | coverage ↑ |" in text
    assert "| IS ↑ |" not in text  # a domain classifier's score is not called IS
    assert [training_files(r) for r in two_runs] == before  # compare never alters training files

    again = run_cli("compare", *two_runs, "--samples", SAMPLES, "--out", report)
    assert again.exit_code == 2 and "is not empty; choose a new folder" in again.err


def test_json_output_reuses_stored_results(two_runs, run_cli, tmp_path):
    first = run_cli("compare", *two_runs, "--samples", SAMPLES, "--out", tmp_path / "a", "--json")
    second = run_cli(
        "compare", *two_runs, "--samples", SAMPLES, "--out", tmp_path / "b", "--json", "--no-eval"
    )
    assert first.exit_code == 0 and second.exit_code == 0, second.err
    a, b = json.loads(first.out), json.loads(second.out)
    assert [r["metrics"]["fid"] for r in a["runs"]] == [r["metrics"]["fid"] for r in b["runs"]]


def test_compare_refuses_mismatched_runs(two_runs, run_cli, tmp_path):
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.loop import train

    other = train(TrainConfig(dataset="gaussian1d", steps=3, out=str(tmp_path / "g"))).run_dir
    result = run_cli("compare", two_runs[0], other, "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert "cannot compare runs trained on different datasets" in result.err
    assert "(digits)" in result.err and "(gaussian1d)" in result.err

    # numbers on another sample count are not comparable: refused, not shown side by side
    result = run_cli("compare", *two_runs, "--samples", "120", "--no-eval", "--out", tmp_path / "r")
    assert result.exit_code == 2
    assert "has no domain result on 120 samples" in result.err and "not comparable" in result.err

    unfinished = tmp_path / "unfinished"
    train(TrainConfig(steps=2, out=str(unfinished)))
    (unfinished / "summary.json").unlink()
    result = run_cli("compare", two_runs[0], unfinished, "--out", tmp_path / "r")
    assert result.exit_code == 2 and "has not finished" in result.err

    result = run_cli("compare", two_runs[0], "--out", tmp_path / "r")
    assert result.exit_code == 2 and "at least two runs" in result.err
    result = run_cli("compare", two_runs[0], tmp_path, "--out", tmp_path / "r")
    assert result.exit_code == 2 and "is not a ganzoo run" in result.err
    assert not (tmp_path / "r").exists()


def test_compare_trains_several_configurations_with_one_budget(run_cli, tmp_path):
    out = tmp_path / "cmp"
    result = run_cli(
        "compare", "--models", "vanilla:nonsat,dcgan:minimax", "--models", "vae",
        "--steps", "3", "--samples", SAMPLES, "--seed", "5", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert runs == ["dcgan-minimax", "vae-elbo", "vanilla-nonsat"]
    for name in runs:
        config = RunDir(out / "runs" / name).read_config()["config"]
        assert config["steps"] == 3 and config["seed"] == 5 and config["dataset"] == "digits"
    assert (out / "report.md").exists()
    bad = run_cli("compare", "--models", "vanilla:elbo", "--steps", "3", "--out", tmp_path / "x")
    assert bad.exit_code == 2 and "cannot train model 'vanilla'" in bad.err
    assert not (tmp_path / "x").exists()


QUIET = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "-q"]


# --- 2. compare reuses a stored result only when it was measured the same way --------------


def test_compare_measures_anew_after_a_resume_and_refuses_other_splits_and_seeds(tmp_path, run_cli):
    a, b = tmp_path / "a", tmp_path / "b"
    for run in (a, b):
        assert run_cli("train", *QUIET, "--steps", "5", "--out", run).exit_code == 0
        assert run_cli("eval", run, "--samples", "100").exit_code == 0
    assert run_cli("train", "--resume", a, "--steps", "12", "-q").exit_code == 0

    refused = run_cli("compare", a, b, "--samples", "100", "--no-eval", "--out", tmp_path / "r")
    assert refused.exit_code == 2
    assert "differs in step: 5 stored, 12 wanted" in refused.err

    shown = run_cli("compare", a, b, "--samples", "100", "--out", tmp_path / "c", "--json")
    assert shown.exit_code == 0, shown.err
    rows = {r["name"]: r for r in json.loads(shown.out)["runs"]}
    assert rows["a"]["steps"] == 12 and rows["a"]["metrics"]["step"] == 12
    assert rows["b"]["metrics"]["step"] == 5

    seed = run_cli(
        "compare", a, b, "--samples", "100", "--seed", "3", "--no-eval", "--out", tmp_path / "s"
    )
    assert seed.exit_code == 2 and "differs in seed: 0 stored, 3 wanted" in seed.err
    trained_on = {}
    for name, run in (("a", a), ("b", b)):
        measured = run_cli("eval", run, "--samples", "100", "--split", "train", "--json")
        assert measured.exit_code == 0, measured.err
        trained_on[name] = json.loads(measured.out)
    # the newest stored results are now train-split ones: they are not reused for test
    again = run_cli(
        "compare", a, b, "--samples", "100", "--no-eval", "--out", tmp_path / "t", "--json"
    )
    assert again.exit_code == 0, again.err
    reused = {r["name"]: r["metrics"] for r in json.loads(again.out)["runs"]}
    for name in ("a", "b"):
        test_split, train_split = reused[name], trained_on[name]
        assert test_split["split"] == "test" and train_split["split"] == "train"
        # the very result the earlier comparison stored for the test split, not the newer one
        assert test_split["created"] == rows[name]["metrics"]["created"]
        assert test_split["fid"] == rows[name]["metrics"]["fid"] != train_split["fid"]


def test_compare_refuses_a_run_resumed_but_not_finished(tmp_path, run_cli):
    a, b = tmp_path / "a", tmp_path / "b"
    for run in (a, b):
        assert run_cli("train", *QUIET, "--steps", "5", "--out", run).exit_code == 0
    state = RunDir(a).load_checkpoint()
    RunDir(a).save_checkpoint(state, 9, keep=3)  # as a resume killed after step 9 leaves it
    result = run_cli("compare", a, b, "--samples", "100", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "resumed and not finished" in result.err


# --- 3. compare --models checks the evaluation before training anything ---------------------


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--feature-extractor", "nope"], "unknown feature extractor"),
        (["--samples", "3"], "--samples must be an integer >= 10"),
        (["--feature-extractor", "inception", "--inception-weights", "/no/such.pth"], "such"),
        (["--dataset", "ring2d"], "defined for images"),
        (["--no-eval"], "--no-eval needs RUNS"),
    ],
)
def test_compare_models_refuses_bad_evaluation_options_before_training(
    tmp_path, run_cli, bad, message
):
    report = tmp_path / "report"
    cmd = ["compare", "--models", "vanilla,vae", "--steps", "2", "--out", report, *bad]
    result = run_cli(*cmd)
    assert result.exit_code == 2 and message in result.err, result.err
    assert not report.exists()


def test_a_failed_compare_leaves_no_folder_that_blocks_a_rerun(tmp_path, run_cli, monkeypatch):
    import ganzoo.tools.compare

    def broken(*args, **kwargs):
        raise ganzoo.UsageError("the evaluation broke")

    report = tmp_path / "report"
    cmd = ["compare", "--models", "vanilla,vae", "--steps", "2", "--samples", "20", "--out", report]
    monkeypatch.setattr(ganzoo.tools.compare, "compare_runs", broken)
    assert run_cli(*cmd).exit_code == 2
    assert not report.exists()
    monkeypatch.undo()
    monkeypatch.setenv("GANZOO_CACHE_DIR", str(tmp_path / "cache"))
    result = run_cli(*cmd)
    assert result.exit_code == 0, result.err
    assert (report / "report.md").is_file()
