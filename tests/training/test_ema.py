"""The generator's moving average (issue 15, item 3): kept, saved, resumed, used to sample."""

from __future__ import annotations

import json
import random
import shutil

import pytest
import torch

from ganzoo.runs.loading import load_run_model
from ganzoo.runs.rundir import RunDir
from ganzoo.training.ema import warmed_up
from tests.helpers import (
    assert_same_run,
    assert_same_weights,
    ganzoo_cmd,
    run_ok,
    start_and_kill,
)

TRAIN = ["--model", "vanilla", "--dataset", "digits", "--batch-size", "32", "-q"]


def _weights(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in module.state_dict().items()}


def test_ema_is_the_moving_average_of_the_generator(tmp_path, run_cli):
    out = tmp_path / "run"
    result = run_cli("train", *TRAIN, "--steps", "8", "--ema", "0.5", "--out", out)
    assert result.exit_code == 0, result.err
    state = RunDir(out).load_checkpoint()
    average, live = state["ema"]["weights"], state["model"]
    assert int(state["ema"]["n_averaged"]) == 8
    key = next(k for k in average if k.endswith("weight"))
    assert not torch.equal(average[key], live[f"generator.{key}"])  # it lags the live G
    ema_model = load_run_model(out)
    raw_model = load_run_model(out, ema=False)
    assert ema_model.uses_ema and not raw_model.uses_ema
    assert torch.equal(ema_model.generator.state_dict()[key], average[key])
    assert torch.equal(raw_model.generator.state_dict()[key], live[f"generator.{key}"])


def test_the_decay_warms_up_as_tensorflow_does():
    assert warmed_up(0.999, 0) == pytest.approx(0.1)
    assert warmed_up(0.999, 90) == pytest.approx(0.91)
    assert warmed_up(0.999, 10**6) == 0.999
    assert warmed_up(0.5, 1) == pytest.approx(2 / 11)


def test_ema_replays_by_hand(tmp_path, run_cli):
    """Two steps by hand: copy at step 1, then avg = d avg + (1 - d) live, d warmed up."""
    out1, out2 = tmp_path / "one", tmp_path / "two"
    for out, steps in ((out1, "1"), (out2, "2")):
        cmd = ["train", *TRAIN, "--steps", steps, "--ema", "0.5", "--checkpoint-every", "1"]
        assert run_cli(*cmd, "--out", out).exit_code == 0
    one, two = RunDir(out1).load_checkpoint(), RunDir(out2).load_checkpoint()
    for key, avg in two["ema"]["weights"].items():
        if avg.is_floating_point() and "running" not in key:
            d = warmed_up(0.5, 1)
            want = d * one["ema"]["weights"][key] + (1 - d) * two["model"][f"generator.{key}"]
            assert torch.allclose(avg, want, atol=1e-6), key


def test_a_stopped_and_resumed_ema_run_equals_an_uninterrupted_one(tmp_path, run_cli):
    """In-process and cheap: a run that ends at step 6 and is resumed to 9."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    common = [*TRAIN, "--ema", "0.9", "--checkpoint-every", "3"]
    assert run_cli("train", *common, "--steps", "9", "--out", whole).exit_code == 0
    assert run_cli("train", *common, "--steps", "6", "--out", parts).exit_code == 0
    assert run_cli("train", "--resume", parts, "--steps", "9", "-q").exit_code == 0
    assert_same_weights(parts, whole)  # raw and averaged weights (its log has a line at 6)


@pytest.mark.slow  # real processes, killed
def test_a_killed_and_resumed_ema_run_equals_an_uninterrupted_one(tmp_path):
    """SIGKILL a real ``ganzoo train --ema`` process twice, mid-run, and resume it: the raw
    generator and discriminator and the moving average end bit-equal to an unkilled run's."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    common = [*TRAIN, "--ema", "0.9", "--steps", "300", "--checkpoint-every", "5"]
    common += ["--log-every", "7"]
    run_ok("train", *common, "--out", whole)
    rng, kills = random.Random(4), 0
    while kills < 2:
        if RunDir(parts).latest_checkpoint() is None:
            shutil.rmtree(parts, ignore_errors=True)  # killed before its first checkpoint
            cmd = ganzoo_cmd("train", *common, "--out", parts)
        else:
            cmd = ganzoo_cmd("train", "--resume", parts, "-q")
        if not start_and_kill(cmd, parts, rng):
            break
        kills += 1
    assert kills == 2
    run_ok("train", "--resume", parts, "-q")
    assert RunDir(parts).load_checkpoint()["ema"] is not None
    assert_same_run(parts, whole)


def test_eval_uses_the_average_and_no_ema_the_raw_generator(tmp_path, run_cli):
    out = tmp_path / "run"
    assert run_cli("train", *TRAIN, "--steps", "6", "--ema", "0.5", "--out", out).exit_code == 0
    with_ema = json.loads(run_cli("eval", out, "--samples", "20", "--json").out)
    raw = json.loads(run_cli("eval", out, "--samples", "20", "--json", "--no-ema").out)
    assert with_ema["ema"] is True and raw["ema"] is False
    assert with_ema["fid"] != raw["fid"]


@pytest.mark.parametrize("bad", ["1", "-0.1", "1.5"])
def test_a_bad_decay_is_refused(tmp_path, run_cli, bad):
    result = run_cli("train", *TRAIN, "--steps", "2", "--ema", bad, "--out", tmp_path / "r")
    assert result.exit_code == 2 and "--ema must be a decay in [0, 1)" in result.err


def test_ema_of_a_vae_is_refused(tmp_path, run_cli):
    result = run_cli("train", "--model", "vae", "--steps", "2", "--ema", "0.9", "--out", tmp_path)
    assert result.exit_code == 2 and "--ema averages a GAN's generator" in result.err


def test_gans_average_by_default_and_vaes_do_not(tmp_path, run_cli):
    gan, off, vae = tmp_path / "gan", tmp_path / "off", tmp_path / "vae"
    assert run_cli("train", *TRAIN, "--steps", "3", "--out", gan).exit_code == 0
    assert run_cli("train", *TRAIN, "--steps", "3", "--ema", "0", "--out", off).exit_code == 0
    assert run_cli("train", "--model", "vae", "--steps", "3", "-q", "--out", vae).exit_code == 0
    stored = {
        p.name: json.loads((p / "config.json").read_text())["config"] for p in (gan, off, vae)
    }
    assert stored["gan"]["ema"] == 0.999 and stored["off"]["ema"] == 0 and stored["vae"]["ema"] == 0
    assert RunDir(gan).load_checkpoint()["ema"] is not None
    assert RunDir(off).load_checkpoint()["ema"] is None
    assert load_run_model(gan).uses_ema and not load_run_model(off).uses_ema
