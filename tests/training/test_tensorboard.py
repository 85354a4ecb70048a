"""TensorBoard (issue 17): scalars and samples written, a resume never duplicates a step,
and the optional package is asked for in one line."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.usefixtures("shared_cache")  # the digits classifier trains once


def test_tensorboard_writes_scalars_and_samples_and_a_resume_does_not_duplicate(run_cli, tmp_path):
    pytest.importorskip("tensorboard", reason="the optional tensorboard package is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from ganzoo.training.loop import resume

    out = tmp_path / "run"
    result = run_cli(
        "train", "--steps", "12", "--log-every", "4", "--checkpoint-every", "4",
        "--eval-every", "12", "--eval-samples", "50", "--tensorboard", "--out", out, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.err
    # a kill after step 12's events but before its checkpoint: the resume re-runs 9..12
    (out / "checkpoints" / "step_00000012.pt").unlink()
    resume(out, steps=16)

    def load() -> EventAccumulator:
        events = EventAccumulator(str(out / "tensorboard"), size_guidance={"scalars": 0})
        return events.Reload()

    events = load()
    tags = set(events.Tags()["scalars"])
    for tag in ("train/d_loss", "train/g_loss", "train/d_real", "train/d_fake", "train/d_acc",
                "train/d_grad_norm", "train/g_grad_norm", "eval/fid", "eval/fid_real",
                "eval/fid_noise", "eval/precision", "eval/recall"):  # fmt: skip
        assert tag in tags, tag
    steps = [e.step for e in events.Scalars("train/d_loss")]
    assert steps == [4, 8, 12, 16]  # step 12 written twice, shown once (purge_step)
    logged = [json.loads(line) for line in (out / "metrics.jsonl").open()]
    d_loss = {r["step"]: r["d_loss"] for r in logged if "d_loss" in r}
    for e in events.Scalars("train/d_loss"):
        assert e.value == pytest.approx(d_loss[e.step], rel=1e-6)
    stored = json.loads(sorted((out / "eval").glob("*.json"))[0].read_text())
    assert [e.step for e in events.Scalars("eval/fid")] == [12, 16]
    assert events.Scalars("eval/fid")[0].value == pytest.approx(stored["fid"], rel=1e-6)
    assert events.Tags()["images"] == ["samples"]


def test_tensorboard_without_the_package_is_refused_in_one_line(run_cli, tmp_path, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorboard" else real_find_spec(name, *a),
    )
    result = run_cli("train", "--steps", "2", "--tensorboard", "--out", tmp_path / "x", "-q")
    assert result.exit_code == 2
    assert "pip install 'ganzoo[tensorboard]'" in result.err
    assert len(result.err.strip().splitlines()) == 1 and not (tmp_path / "x").exists()
