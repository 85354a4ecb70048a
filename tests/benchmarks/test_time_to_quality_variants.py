"""benchmarks/bench_time_to_quality.py's speed changes and its plain loop under autocast."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_quality
import bench_time_to_quality as ttq

DEFAULTS = (2e-4, 64)  # what mnist_defaults() gives: Radford's rate at batch 64


@pytest.mark.parametrize("mode", ["bf16", "none", "auto", "fp16"])
def test_amp_sets_the_runs_precision_and_nothing_else(mode):
    variant = ttq.parse_variant(f"amp={mode}", DEFAULTS)
    assert variant.config == {"amp": mode}


def test_an_unknown_precision_is_refused_before_any_training():
    with pytest.raises(SystemExit, match="amp=fp8: one of auto, none, bf16, fp16"):
        ttq.parse_variant("amp=fp8", DEFAULTS)


def test_amp_combines_with_the_other_changes():
    variant = ttq.parse_variant("batch=128,amp=bf16,d-steps=2", DEFAULTS)
    assert variant.config["amp"] == "bf16" and variant.config["d_steps"] == 2
    assert variant.config["batch_size"] == 128


def _plain(monkeypatch, amp):
    """A PlainGAN on random 32-px "images" (no MNIST needed), seed 0."""
    torch.manual_seed(1)
    images = torch.rand(256, 1, 32, 32) * 2 - 1
    monkeypatch.setattr(bench_quality, "mnist_train", lambda data_dir, side: images)
    setting = next(s for s in bench_quality.SETTINGS["dcgan"] if s.name == "like for like")
    return bench_quality.PlainGAN(setting, "unused", 16, 0, amp)


def test_the_plain_loop_under_bf16_trains_otherwise_than_in_float32(monkeypatch):
    loops = {amp: _plain(monkeypatch, amp) for amp in ("none", "bf16")}
    start = {k: v.clone() for k, v in loops["none"].g.state_dict().items()}
    for loop in loops.values():
        loop.step()
    weights = {amp: loop.g.state_dict() for amp, loop in loops.items()}
    assert all(torch.isfinite(w).all() for w in weights["bf16"].values())
    changed = [k for k, w in weights["bf16"].items() if w.is_floating_point()]
    assert any(not torch.equal(weights["bf16"][k], start[k]) for k in changed)  # it trained
    # the same seed and data, other arithmetic: the first step already differs
    assert any(not torch.equal(weights["bf16"][k], weights["none"][k]) for k in changed)


def test_the_float32_plain_loop_runs_without_autocast(monkeypatch):
    """``amp="none"`` is the examples' loop: no autocast around its forward passes."""
    loop = _plain(monkeypatch, "none")
    with loop.autocast():
        assert not torch.is_autocast_enabled("cpu")
    with _plain(monkeypatch, "bf16").autocast():
        assert torch.is_autocast_enabled("cpu")
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
