"""An evaluation result is one typed record (issue 22) with one serialiser to its JSON keys.

Results stored by older ganzoo versions (before floors, intervals, precision/recall and
provenance existed) still load, and a result written again keeps exactly its keys.
"""

from __future__ import annotations

import json
import warnings

import pytest

from ganzoo.metrics.results import (
    EvalResult,
    attach_run,
    load_results,
    result_path,
    save_result,
    summary_line,
)

#: a result file in the shape ganzoo 0.1 wrote (no floors, intervals, provenance, ...)
OLD_SHAPE = {
    "extractor": "domain-digits-r1-0123456789ab",
    "samples": 500,
    "dataset": "digits",
    "split": "test",
    "step": 1200,
    "seed": 0,
    "inception_score_mean": 7.5,
    "inception_score_std": 0.25,
    "fid": 3.25,
    "kid_mean": 0.0125,
    "kid_std": 0.003,
    "seconds": 12.5,
    "created": "2026-01-01T12:00:00",
    "versions": {"ganzoo": "0.1.0", "torch_fidelity": "0.3.0", "torch": "2.5.0"},
    "run": "runs/old",
    "model": "vanilla",
    "loss": "nonsat",
    "checkpoint": "step_00001200.pt",
    "a_key_from_the_future": [1, 2],
}


def test_a_result_in_the_old_shape_loads_and_keeps_exactly_its_keys(tmp_path):
    path = tmp_path / "eval" / "step_00001200-old.json"
    path.parent.mkdir()
    path.write_text(json.dumps(OLD_SHAPE))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a valid old file is not skipped
        (result,) = load_results(tmp_path)
    assert isinstance(result, EvalResult)
    assert (result.fid, result.kid_mean, result.step, result.model) == (
        3.25,
        0.0125,
        1200,
        "vanilla",
    )
    assert result.provenance is None and result.floors is None and result.precision is None
    # nothing added, nothing lost; the domain classifier's IS is read as its classifier score
    renamed = {k.replace("inception_score", "classifier_score"): v for k, v in OLD_SHAPE.items()}
    assert result.to_dict() == renamed and result.score == (7.5, 0.25)
    assert result["fid"] == 3.25 and "floors" not in result  # scripts' dict view
    assert "FID 3.250" in summary_line(result) and "precision" not in summary_line(result)


def test_a_saved_result_round_trips_through_its_file(tmp_path):
    result = EvalResult.from_dict({**OLD_SHAPE, "precision": 0.5, "recall": 0.25})
    path = save_result(tmp_path, result)
    assert path == result_path(tmp_path, result)
    assert json.loads(path.read_text()) == result.to_dict()
    (loaded,) = load_results(tmp_path)
    assert loaded == result and loaded.recall == 0.25


def test_a_result_lacking_a_required_key_is_refused_and_skipped_on_load(tmp_path):
    broken = {k: v for k, v in OLD_SHAPE.items() if k != "fid"}
    with pytest.raises(ValueError, match="evaluation result lacks fid"):
        save_result(tmp_path, broken)
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "broken.json").write_text(json.dumps(broken))
    with pytest.warns(UserWarning, match="not a ganzoo evaluation result"):
        assert load_results(tmp_path) == []


def test_attach_run_is_the_one_place_a_run_completes_the_provenance():
    bare = {k: v for k, v in OLD_SHAPE.items() if k not in ("run", "model", "loss", "checkpoint")}
    result = EvalResult.from_dict({**bare, "provenance": {"distributions": {"torch": "2"}}})
    stored = {
        "config": {"model": "dcgan", "loss": "hinge"},
        "distributions": {"ganzoo-gans": "1.0"},
        "components": {"model": {"provider": "ganzoo-gans 1.0"}},
    }
    during_training = attach_run(result, stored, run="runs/r", checkpoint=None, ema=True)
    data = during_training.to_dict()
    assert (data["run"], data["model"], data["loss"], data["ema"]) == (
        "runs/r",
        "dcgan",
        "hinge",
        True,
    )
    assert "checkpoint" not in data  # the model in memory was measured, not a file
    assert data["provenance"] == {
        "distributions": {"torch": "2", "ganzoo-gans": "1.0"},
        "checkpoint": None,
        "step": 1200,
        "ema": True,
        "components": {"model": "ganzoo-gans 1.0"},
    }
    from_file = attach_run(result, stored, run="runs/r", checkpoint="step_00001200.pt", ema=False)
    assert from_file.checkpoint == "step_00001200.pt" and from_file.provenance["ema"] is False


def test_adding_a_field_is_all_a_new_metric_needs():
    result = EvalResult.from_dict(OLD_SHAPE).with_fields(precision=0.75)
    assert result.to_dict()["precision"] == 0.75
    assert result.with_fields(density=1.0).to_dict()["density"] == 1.0
    with pytest.raises(TypeError, match="no field sharpness"):
        result.with_fields(sharpness=1.0)
