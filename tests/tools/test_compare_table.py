"""``compare``'s table and JSON name the score for its extractor and carry density/coverage."""

from __future__ import annotations

from pathlib import Path

from ganzoo.metrics.results import EvalResult
from ganzoo.tools.compare import Comparison, RunRow, differences, table_rows

FLOORS = {
    "real": {"source": "train split", "samples": 100, "fid": 0.1, "precision": 0.9,
             "recall": 0.9, "density": 0.99, "coverage": 0.98, "classifier_score_mean": 9.1},
    "noise": {"source": "uniform noise", "samples": 100, "fid": 6.0, "precision": 0.0,
              "recall": 0.0, "density": 0.001, "coverage": 0.004, "classifier_score_mean": 2.3},
}  # fmt: skip


def row(name: str, seed: int, fid: float, density: float, kind: str = "domain") -> RunRow:
    prefix = "classifier_score" if kind == "domain" else "inception_score"
    metrics = EvalResult.from_dict({
        "extractor": f"{kind}-x", "samples": 100, "dataset": "digits", "split": "test",
        "step": 10, "seconds": 1.0,
        "extractor_kind": kind, f"{prefix}_mean": 5.0 + seed, f"{prefix}_std": 0.1, "fid": fid,
        "kid_mean": 0.01, "kid_std": 0.001, "precision": 0.5, "recall": 0.4,
        "density": density, "coverage": 0.3,
    })  # fmt: skip
    return RunRow(name, Path(name), "vanilla", "nonsat", "digits", seed, 10, 1.0, 100, metrics)


def test_a_domain_comparison_shows_the_classifier_score_and_density_coverage():
    rows = [row("a", 0, 2.0, 0.4), row("b", 0, 3.0, 0.2)]
    rows[1].loss = "minimax"
    header, cells = table_rows(Comparison(rows, "digits", "domain-digits-x", 100, FLOORS))
    assert header[3] == "classifier score (domain IS) ↑" and "IS ↑" not in header
    assert header[8:10] == ["density ↑", "coverage ↑"]
    assert cells[0][3] == "5.000 ± 0.100" and cells[0][8:10] == ["0.400", "0.300"]
    noise = cells[-1]
    assert (
        noise[0].startswith("noise") and noise[3] == "2.300" and noise[8:10] == ["0.001", "0.004"]
    )
    assert all(len(c) == len(header) for c in cells)


def test_seeded_groups_pool_density_and_name_the_score():
    rows = [row("a0", 0, 2.0, 0.40), row("a1", 1, 2.2, 0.42)]
    rows += [row("b0", 0, 3.0, 0.20), row("b1", 1, 3.1, 0.21)]
    for r in rows[2:]:
        r.loss = "minimax"
    comparison = Comparison(rows, "digits", "domain-digits-x", 100, FLOORS)
    header, _ = table_rows(comparison)
    assert header[2] == "classifier score (domain IS) ↑" and header[-2:] == [
        "density ↑",
        "coverage ↑",
    ]
    metrics = comparison.as_dict()["configurations"][0]["metrics"]
    assert {"classifier_score_mean", "density", "coverage"} <= set(metrics)
    assert "inception_score_mean" not in metrics
    found = {d["metric"]: d for d in differences(comparison.groups())}
    assert found["density"]["better"] == "vanilla+nonsat" and found["density"]["supported"]
    assert "classifier score (domain IS)" in found


def test_an_inception_comparison_keeps_is():
    rows = [row("a", 0, 2.0, 0.4, "inception"), row("b", 0, 3.0, 0.2, "inception")]
    rows[1].loss = "minimax"
    header, _ = table_rows(Comparison(rows, "digits", "inception-v3-compat-x", 100, {}))
    assert header[3] == "IS ↑"
