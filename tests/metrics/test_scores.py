"""The classifier score is named for what it is (ganzoo.metrics.scores); old files still read."""

from __future__ import annotations

import json

from ganzoo.metrics.results import EvalResult, load_results, metric_rows, save_result, summary_line
from ganzoo.metrics.scores import score_label, score_of, to_stored_names


def old_result(extractor: str = "domain-digits-0123456789ab", **extra) -> dict:
    """A result as ganzoo stored it before the rename: ``inception_score_*`` for every
    extractor, in its floors too."""
    floor = {"fid": 0.1, "inception_score_mean": 9.5, "inception_score_std": 0.1}
    return {
        "extractor": extractor, "samples": 100, "dataset": "digits", "split": "test",
        "step": 20, "seed": 0, "inception_score_mean": 4.25, "inception_score_std": 0.5,
        "inception_score_note": None, "fid": 31.5, "kid_mean": 0.0123, "kid_std": 0.001,
        "seconds": 1.0, "floors": {"real": dict(floor), "noise": dict(floor, fid=60.0)},
        **extra,
    }  # fmt: skip


def test_an_old_domain_result_file_reads_with_the_new_keys(tmp_path):
    folder = tmp_path / "eval"
    folder.mkdir()
    (folder / "old.json").write_text(json.dumps(old_result()))
    (loaded,) = load_results(tmp_path)
    assert loaded["classifier_score_mean"] == 4.25 and loaded["classifier_score_std"] == 0.5
    assert not any(k.startswith("inception_score") for k in loaded)
    assert loaded["floors"]["real"]["classifier_score_mean"] == 9.5
    assert "inception_score_mean" not in loaded["floors"]["noise"]
    assert score_of(loaded) == (4.25, 0.5)
    assert score_label(loaded) == "classifier score (domain IS)"


def test_an_inception_result_keeps_is(tmp_path):
    result = old_result("inception-v3-compat-0123456789ab", extractor_kind="inception")
    save_result(tmp_path, result)
    (loaded,) = load_results(tmp_path)
    assert loaded["inception_score_mean"] == 4.25 and "classifier_score_mean" not in loaded
    assert score_label(loaded) == "IS"
    assert metric_rows(loaded)[0][0] == "IS ↑" and " IS 4.250 ± 0.500" in summary_line(loaded)


def test_a_domain_result_is_saved_and_shown_as_a_classifier_score(tmp_path):
    path = save_result(tmp_path, old_result(extractor_kind="domain"))
    stored = json.loads(path.read_text())
    assert stored["classifier_score_mean"] == 4.25 and "inception_score_mean" not in stored
    stored = EvalResult.from_dict(stored)
    assert stored.score == (4.25, 0.5) and stored.inception_score_mean is None
    row = metric_rows(stored)[0]
    assert row[0] == "classifier score (domain IS) ↑" and row[1] == "4.250 ± 0.500"
    assert row[3] == "9.500"  # its real-data floor, renamed alike
    line = summary_line(stored)
    assert "classifier score (domain IS) 4.250" in line and " IS 4.250" not in line


def test_the_extractor_kind_decides_over_the_name():
    renamed = to_stored_names(old_result("domain-like-name", extractor_kind="inception"))
    assert "inception_score_mean" in renamed
