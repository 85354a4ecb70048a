"""``ganzoo reproduce``: the protocol end to end on digits (a stand-in search, then the real
command), continuing a folder, refusing another study's folder."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from ganzoo.api.errors import UsageError
from ganzoo.runs.rundir import RunDir
from ganzoo.tools.reproduce import (
    VERDICTS,
    ReproduceOptions,
    SearchOutcome,
    SearchRequest,
    apply_params,
    reproduce,
)
from ganzoo.tools.reproduce.protocol import check_folder
from ganzoo.tools.reproduce.runs import rerun_config
from ganzoo.tools.reproduce.studies import STUDIES, Claim, Row, Side, Study, gan_space
from tests.helpers import ganzoo_process

pytestmark = pytest.mark.usefixtures("shared_cache")  # the digits classifier trains once

TINY = Study(
    name="tiny",
    title="two losses on digits",
    paper="a test, http://example.invalid",
    protocol="the protocol, at a test's scale",
    datasets=("digits",),
    rows=(
        Row("nonsat", "NS", "vanilla", "nonsat", gan_space(), evaluate_during=True),
        Row("minimax", "MM", "vanilla", "minimax", gan_space()),
    ),
    claims=(
        Claim("ns-below-mm", "NS below MM", "a test", Side("nonsat"), Side("minimax"), "less"),
    ),
    default_budget=2,
    default_steps=10,
)


class FakeSearch:
    """A search that trains nothing: it records what it was asked and names a setting."""

    def __init__(self) -> None:
        self.requests: list[SearchRequest] = []

    def __call__(self, request: SearchRequest) -> SearchOutcome:
        self.requests.append(request)
        return SearchOutcome({"lr": 5e-4, "betas.0": 0.3}, 1.0, [{"number": 0}], "fake")


def options(out: Path, **changes) -> ReproduceOptions:
    base = {"study": "tiny", "out": out, "seeds": 2, "samples": 100}
    return ReproduceOptions(**(base | changes))


def test_apply_params_sets_options_nested_options_and_betas():
    config = {"lr": 1e-3, "model_options": {"width": 8}, "betas": (0.5, 0.999)}
    out = apply_params(config, {"lr": 2e-4, "model_options.depth": 3, "betas.1": 0.9})
    assert out == {"lr": 2e-4, "model_options": {"width": 8, "depth": 3}, "betas": (0.5, 0.9)}
    assert config["model_options"] == {"width": 8}  # the caller's dict is left alone
    assert apply_params({}, {"betas.0": 0.0})["betas"] == (0.0, 0.999)  # DCGAN's β2 kept


def test_a_folder_of_other_settings_or_other_files_is_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(STUDIES, "tiny", TINY)
    study, opts = options(tmp_path / "s").resolved()
    check_folder(opts, study)  # a new folder
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "study.json").write_text(json.dumps(opts.settings(study) | {"steps": 7}))
    with pytest.raises(UsageError, match="made with steps=7, not 10; the same command continues"):
        check_folder(opts, study)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="holds no reproduce study"):
        check_folder(options(tmp_path / "other").resolved()[1], study)


@pytest.mark.slow
def test_search_then_seeds_then_report_and_the_same_call_continues(tmp_path, monkeypatch):
    monkeypatch.setitem(STUDIES, "tiny", TINY)
    out = tmp_path / "study"
    search = FakeSearch()
    # a re-run killed after its first checkpoint: resumed to the study's length, not redone
    study, opts = options(out).resolved()
    killed = rerun_config(
        TINY.row("nonsat"), "digits", dataclasses.replace(opts, steps=5),
        {"lr": 5e-4, "betas.0": 0.3}, 1, out / "runs" / "digits" / "nonsat" / "seed1",
    )  # fmt: skip
    from ganzoo.training.loop import train

    train(killed)
    (out / "study.json").write_text(json.dumps(opts.settings(study)))  # as the first call did
    (out / "runs" / "digits" / "nonsat" / "seed1" / "summary.json").unlink()

    report = reproduce(options(out), search=search)

    assert [r.study_name for r in search.requests] == ["tiny-digits-nonsat", "tiny-digits-minimax"]
    for request in search.requests:  # the same budget for every row, stored in the folder
        assert request.trials == 2 and request.storage == f"sqlite:///{out.resolve()}/study.db"
        assert request.fixed["steps"] == 10 and "out" not in request.fixed
        assert request.eval_samples == 100
    for row in ("nonsat", "minimax"):
        for seed in (1, 2):
            run = RunDir.open(out / "runs" / "digits" / row / f"seed{seed}")
            config = run.read_config()["config"]
            assert (config["lr"], config["betas"][0], config["seed"]) == (5e-4, 0.3, seed)
            assert run.read_summary()["steps"] == 10
    resumed = RunDir.open(out / "runs" / "digits" / "nonsat" / "seed1").read_metrics()
    assert [m["step"] for m in resumed if "event" not in m] == list(range(1, 11))
    (digits,) = report["datasets"]
    assert [r["row"] for r in digits["rows"]] == ["nonsat", "minimax"]
    assert all(len(r["fid"]["values"]) == 2 for r in digits["rows"])
    assert report["claims"][0]["verdict"] in VERDICTS
    nonsat = report["datasets"][0]["rows"][0]
    assert nonsat["quantities"]["fid_first"] and nonsat["quantities"]["g_grad_early"]
    assert (out / "report.md").read_text().startswith("# Reproducing two losses on digits")
    assert json.loads((out / "report.json").read_text())["claims"] == report["claims"]
    assert json.loads((out / "study.json").read_text())["seeds"] == [1, 2]

    summaries = {p: p.stat().st_mtime_ns for p in out.rglob("summary.json")}
    again = reproduce(options(out), search=search)  # continues: nothing trains again
    assert {p: p.stat().st_mtime_ns for p in out.rglob("summary.json")} == summaries
    assert again["datasets"][0]["rows"][0]["fid"] == nonsat["fid"]
    with pytest.raises(UsageError, match="made with steps=10, not 12"):
        reproduce(options(out, steps=12), search=search)


@pytest.mark.slow
def test_some_rows_first_then_the_same_folder_takes_the_others(tmp_path, monkeypatch):
    monkeypatch.setitem(STUDIES, "tiny", TINY)
    out = tmp_path / "study"
    search = FakeSearch()
    part = reproduce(options(out, rows=("minimax",)), search=search)
    assert [r.study_name for r in search.requests] == ["tiny-digits-minimax"]
    assert [r["row"] for r in part["datasets"][0]["rows"]] == ["minimax"]
    assert part["claims"] == [] and [r["row"] for r in part["left_out"]] == ["nonsat"]
    assert "left out (`--rows`): NS" in (out / "report.md").read_text()
    assert not (out / "runs" / "digits" / "nonsat").exists()  # nothing of the other row
    minimax = {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("summary.json")}
    assert len(minimax) == 2  # two seeds

    # the other row: trained alone, reported with the finished one and their claim judged
    both = reproduce(options(out, rows=("nonsat",)), search=search)

    assert [r.study_name for r in search.requests][1:] == [
        "tiny-digits-nonsat",
        "tiny-digits-minimax",  # the finished row's stored outcome, read again
    ]
    assert {p: p.stat().st_mtime_ns for p in minimax} == minimax  # not trained again
    rows = {r["row"]: r for r in both["datasets"][0]["rows"]}
    assert list(rows) == ["nonsat", "minimax"] and both["left_out"] == []
    assert rows["minimax"]["fid"] == part["datasets"][0]["rows"][0]["fid"]
    assert [c["id"] for c in both["claims"]] == ["ns-below-mm"]
    assert json.loads((out / "study.json").read_text())["rows"] == ["nonsat", "minimax"]
    # one row named again on the finished study: the report keeps both
    again = reproduce(options(out, rows=("minimax",)), search=search)
    assert [r["row"] for r in again["datasets"][0]["rows"]] == ["nonsat", "minimax"]


@pytest.mark.slow
def test_reproduce_seed_on_digits_writes_its_report(run_cli, tmp_path):
    out = tmp_path / "seed"
    args = ["reproduce", "seed", "--datasets", "digits", "--steps", "40", "--seeds", "2",
            "--samples", "100", "--out", out, "-q"]  # fmt: skip
    result = run_cli(*args)
    assert result.exit_code == 0, result.err
    assert f"report: {out / 'report.md'}" in result.out
    report = json.loads((out / "report.json").read_text())
    assert report["study"] == "seed" and report["settings"]["budget"] == 0
    assert {r["row"] for r in report["datasets"][0]["rows"]} == {"minimax", "nonsat", "vae"}
    assert len(report["claims"]) == 5
    assert all(c["verdict"] in VERDICTS for c in report["claims"])
    text = (out / "report.md").read_text()
    assert "| NS GAN (dcgan+nonsat) | the zoo's defaults |" in text
    assert "The extractor differs from the paper's" in text
    for claim in report["claims"]:
        assert f"**{claim['verdict']}** — {claim['text']}" in text
    again = run_cli(*args)  # the same command continues: every run is reused
    assert again.exit_code == 0, again.err
    assert json.loads((out / "report.json").read_text())["claims"] == report["claims"]


@pytest.mark.slow
def test_the_optuna_search_gives_every_row_the_same_budget_and_continues(tmp_path, monkeypatch):
    monkeypatch.setitem(STUDIES, "tiny", TINY)
    out = tmp_path / "study"
    report = reproduce(options(out, budget=2, steps=10))
    for row in report["datasets"][0]["rows"]:
        search = row["search"]
        assert search["trials"] == 2 and search["study_name"] == f"tiny-digits-{row['row']}"
        best = min(t["value"] for t in search["trial_list"] if t["state"] == "complete")
        assert search["best_fid"] == best
        (chosen,) = [t for t in search["trial_list"] if t["value"] == best]
        assert row["params"] == chosen["params"]  # the re-runs train the best trial's setting
        assert chosen["run_dir"].startswith(f"search/digits/{row['row']}/trials/")
        config = RunDir.open(out / row["runs"][0]["path"]).read_config()["config"]
        assert config["lr"] == pytest.approx(chosen["params"]["lr"])
        assert config["batch_size"] == chosen["params"]["batch_size"]
        assert config["betas"] == pytest.approx(
            [chosen["params"]["betas.0"], chosen["params"]["betas.1"]]
        )
    nonsat, minimax = report["datasets"][0]["rows"]  # one space: the same settings tried
    assert [t["params"] for t in nonsat["search"]["trial_list"]] == [
        t["params"] for t in minimax["search"]["trial_list"]
    ]
    assert (out / "study.db").is_file()
    trials = sorted(p.name for p in (out / "search" / "digits" / "nonsat" / "trials").iterdir())
    again = reproduce(options(out, budget=2, steps=10))  # the study has its trials: none more
    assert (
        sorted(p.name for p in (out / "search" / "digits" / "nonsat" / "trials").iterdir())
        == trials
    )
    assert again["datasets"][0]["rows"][0]["params"] == report["datasets"][0]["rows"][0]["params"]


@pytest.mark.slow
def test_workers_train_whole_rows_side_by_side_and_give_one_workers_report(tmp_path, shared_cache):
    """``--workers 2``: each row (its search, then its re-runs) is trained by one worker
    process, both workers take rows, and the report equals ``--workers 1``'s number for
    number (a row's search draws its trials in order whatever the worker count)."""
    reports, logs = {}, {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        args = ["reproduce", "seed", "--datasets", "digits", "--steps", "12", "--seeds", "2",
                "--budget", "2", "--samples", "100", "--workers", str(workers), "--out", out,
                "-q"]  # fmt: skip
        result = ganzoo_process(*args)  # a real process: the workers' lines reach its stderr
        assert result.returncode == 0, result.stderr
        reports[workers] = json.loads((out / "report.json").read_text())
        logs[workers] = result.stderr
    rows_of = {}
    for worker, row in re.findall(r"^\[worker (\d+)\] digits/([\w-]+):", logs[2], re.M):
        rows_of.setdefault(row, set()).add(worker)
    assert set(rows_of) == {"minimax", "nonsat", "vae"}
    assert all(len(workers) == 1 for workers in rows_of.values()), rows_of  # whole rows
    assert len(set().union(*rows_of.values())) == 2  # both workers took rows
    for one, two in zip(
        reports[1]["datasets"][0]["rows"], reports[2]["datasets"][0]["rows"], strict=True
    ):
        assert one["row"] == two["row"] and one["params"] == two["params"]
        assert one["fid"]["values"] == pytest.approx(two["fid"]["values"], rel=1e-6)
    for report in reports.values():  # the GAN rows share a space: setting for setting
        gans = [r for r in report["datasets"][0]["rows"] if r["row"] in ("minimax", "nonsat")]
        tried = [[t["params"] for t in r["search"]["trial_list"]] for r in gans]
        assert tried[0] == tried[1] and len(tried[0]) == 2
    assert [c["verdict"] for c in reports[1]["claims"]] == [
        c["verdict"] for c in reports[2]["claims"]
    ]
