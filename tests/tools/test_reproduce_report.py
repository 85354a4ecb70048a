"""A study's report from constructed measurements: the table with its intervals, the
paper's figures beside it, the extractor sentence, and verdicts computed from the numbers."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from ganzoo.tools.reproduce.protocol import Measured, RowResult
from ganzoo.tools.reproduce.report import build_report, render_markdown, write_report
from ganzoo.tools.reproduce.search import SearchOutcome
from ganzoo.tools.reproduce.studies import LUCIC2018, SEED
from ganzoo.tools.reproduce.verdicts import NOT_SIGNIFICANT, REPRODUCED, VERDICTS

SETTINGS = {
    "study": "lucic2018", "budget": 4, "seeds": [1, 2, 3], "steps": 300,
    "datasets": ["mnist"], "extractor": "domain", "samples": 1000, "storage": None,
}  # fmt: skip


def measured(study, fids: dict[str, list[float]], tmp: Path, extra=None) -> dict[str, Measured]:
    """One dataset (mnist) with each row's per-seed FIDs (and other quantities)."""
    rows, runs, values = [], [], {}
    for row in study.rows:
        paths = []
        for seed, fid in enumerate(fids[row.name], start=1):
            path = tmp / "runs" / "mnist" / row.name / f"seed{seed}"
            path.mkdir(parents=True, exist_ok=True)
            paths.append(path)
            metrics = SimpleNamespace(fid=fid, fid_interval=[fid - 0.1, fid + 0.1])
            runs.append(SimpleNamespace(path=path, seed=seed, seconds=12.5, metrics=metrics))
        search = SearchOutcome({"lr": 3e-4, "d_steps": 2}, min(fids[row.name]), [{}] * 4, "s")
        rows.append(RowResult(row, search, dict(search.params), paths))
        values[(row.name, "fid")] = list(fids[row.name])
    values.update(extra or {})
    comparison = SimpleNamespace(
        extractor="domain-mnist-0123abcd",
        floors={"real": {"fid": 0.42}, "noise": {"fid": 310.0}},
        rows=runs,
    )
    return {"mnist": Measured("mnist", rows, comparison, values)}


def lucic_fids(hinge: list[float]) -> dict[str, list[float]]:
    base = {name: [10.0, 10.4, 9.8] for name in LUCIC2018.rows_by_name}
    base["nonsat"] = [10.1, 10.2, 10.0]
    base["hinge"] = hinge
    return base


def test_report_holds_the_table_intervals_and_the_papers_figures(tmp_path):
    report = build_report(
        LUCIC2018, SETTINGS, measured(LUCIC2018, lucic_fids([10, 10.3, 9.9]), tmp_path), tmp_path
    )
    (mnist,) = report["datasets"]
    rows = {r["row"]: r for r in mnist["rows"]}
    nonsat = rows["nonsat"]
    assert nonsat["fid"]["mean"] == pytest.approx(10.1) and nonsat["fid"]["half_width"] > 0
    assert nonsat["fid"]["values"] == [10.1, 10.2, 10.0]
    assert nonsat["paper"] == {"fid": 6.8, "source": LUCIC2018.row("nonsat").source}
    assert rows["hinge"]["paper"] is None  # not in the paper's table
    assert nonsat["runs"][0]["path"] == "runs/mnist/nonsat/seed1"  # relative: the folder moves
    assert nonsat["search"]["trials"] == 4 and nonsat["params"] == {"lr": 3e-4, "d_steps": 2}
    assert mnist["floors"] == {"real": 0.42, "noise": 310.0}
    text = render_markdown(report)
    assert "| NS GAN (dcgan+nonsat) | d_steps=2, lr=0.0003 (4 trials) | 10.10 ± 0.25 " in text
    assert "| 6.8 |" in text and "| 9.8 |" in text  # NS and MM GAN's published FIDs beside
    assert "The extractor differs from the paper's" in text and "Inception-v3" in text
    assert "WGAN 6.7 (weight clipping is not in the zoo" in text
    assert "Lucic et al. 2018, Table 2" in text
    assert "real data" in text.lower() and "0.42" in text
    json.dumps(report)  # every value is JSON


def test_a_report_of_some_rows_names_the_rows_it_left_out(tmp_path):
    part = LUCIC2018.only(["nonsat", "hinge"])
    fids = {k: v for k, v in lucic_fids([10, 10.3, 9.9]).items() if k in ("nonsat", "hinge")}
    report = build_report(part, SETTINGS, measured(part, fids, tmp_path), tmp_path)
    assert [r["row"] for r in report["datasets"][0]["rows"]] == ["nonsat", "hinge"]
    assert [c["id"] for c in report["claims"]] == ["hinge-not-better-than-nonsat"]
    assert [r["row"] for r in report["left_out"]] == [
        "minimax",
        "lsgan",
        "wgan-gp",
        "rsgan",
        "ragan",
    ]
    text = render_markdown(report)
    assert "left out (`--rows`): MM GAN, LSGAN, WGAN-GP, RSGAN, RaGAN; the claims" in text
    assert text.index("left out (`--rows`)") < text.index("## MNIST")  # of the run, not a dataset
    alone = LUCIC2018.only(["nonsat"])
    fids = {"nonsat": [10.1, 10.2, 10.0]}
    lone = build_report(alone, SETTINGS, measured(alone, fids, tmp_path), tmp_path)
    assert lone["claims"] == []
    assert "## Claims\n\nNo claim of the study compares two of the rows run." in render_markdown(
        lone
    )
    whole = build_report(
        LUCIC2018, SETTINGS, measured(LUCIC2018, lucic_fids([10, 10.3, 9.9]), tmp_path), tmp_path
    )
    assert whole["left_out"] == [] and "left out (`--rows`)" not in render_markdown(whole)


def test_trials_a_kill_stopped_and_the_search_redid_are_shown_apart(tmp_path):
    report = build_report(
        LUCIC2018, SETTINGS, measured(LUCIC2018, lucic_fids([10, 10.3, 9.9]), tmp_path), tmp_path
    )
    nonsat = report["datasets"][0]["rows"][1]
    interrupted = {"counted": False, "error": "interrupted (its process stopped); redone as 4"}
    nonsat["search"]["trial_list"] = [interrupted] * 2 + [{"counted": True}] * 4
    nonsat["search"]["trials"] = 6
    text = render_markdown(report)
    assert "lr=0.0003 (4 trials; not counted: 2 interrupted) |" in text
    assert text.count("(4 trials) |") == len(LUCIC2018.rows) - 1  # the others: 4 counted


def test_each_claim_gets_the_verdict_its_numbers_give(tmp_path):
    # hinge far below NS GAN on every seed: "no better than NS GAN" is not reproduced for it
    report = build_report(
        LUCIC2018, SETTINGS, measured(LUCIC2018, lucic_fids([5.0, 5.1, 4.9]), tmp_path), tmp_path
    )
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts["hinge-not-better-than-nonsat"] == "not reproduced"
    assert set(verdicts.values()) <= set(VERDICTS)
    assert len(verdicts) == len(LUCIC2018.claims)
    claim = next(c for c in report["claims"] if c["id"] == "hinge-not-better-than-nonsat")
    (on_mnist,) = claim["on"]
    assert on_mnist["difference"]["high"] < -on_mnist["margin"] < 0
    text = render_markdown(report)
    assert "**not reproduced** — No loss consistently beats" in text
    assert "a not < b, margin 1.010" in text


def test_a_verdict_changes_when_the_numbers_do(tmp_path):
    seeds = {n: [10.0, 10.2, 9.9] for n in SEED.rows_by_name}
    extra = {
        ("minimax", "g_grad_early"): [0.01, 0.012, 0.011],
        ("nonsat", "g_grad_early"): [0.2, 0.22, 0.21],
        ("nonsat", "fid_first"): [30.0, 31.0, 29.0],
        ("nonsat", "fid_last"): [10.0, 10.5, 9.5],
    }
    settings = {**SETTINGS, "study": "seed", "budget": 0}
    report = build_report(SEED, settings, measured(SEED, seeds, tmp_path, extra), tmp_path)
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert verdicts["minimax-gradient-vanishes"] == REPRODUCED
    assert verdicts["p_g-approaches-p_data"] == REPRODUCED
    assert verdicts["nonsat-learns-better"] == NOT_SIGNIFICANT  # same FIDs: nothing to tell
    assert verdicts["d-approaches-half"] == NOT_SIGNIFICANT  # not measured: no seeds
    extra[("minimax", "g_grad_early")] = [0.5, 0.52, 0.51]
    again = build_report(SEED, settings, measured(SEED, seeds, tmp_path, extra), tmp_path)
    verdicts = {c["id"]: c["verdict"] for c in again["claims"]}
    assert verdicts["minimax-gradient-vanishes"] == "not reproduced"
    assert "no search (the zoo's defaults), trained with seeds 1, 2, 3" in render_markdown(again)


def test_write_report_writes_both_files(tmp_path):
    report = build_report(
        LUCIC2018, SETTINGS, measured(LUCIC2018, lucic_fids([10, 10.3, 9.9]), tmp_path), tmp_path
    )
    json_path, md_path = write_report(report, tmp_path)
    assert json.loads(json_path.read_text())["figures"] == {"mnist": "fid-mnist.png"}
    assert (tmp_path / "fid-mnist.png").read_bytes()[:4] == b"\x89PNG"
    assert md_path.read_text() == render_markdown(report)
    assert "![FID on MNIST: ganzoo's rows and the paper's](fid-mnist.png)" in md_path.read_text()
