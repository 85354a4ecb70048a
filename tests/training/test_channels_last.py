"""``--channels-last``: convolution weights in NHWC memory, on by default for new runs."""

from __future__ import annotations

import torch

from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig, resolve
from ganzoo.training.loop import train


def _conv_weights(run) -> dict[str, torch.Tensor]:
    """The 4-D weights of the newest checkpoint's model (torch.save keeps their strides)."""
    state = torch.load(RunDir(run).latest_checkpoint(), weights_only=False)
    return {k: v for k, v in state["model"].items() if v.dim() == 4}


def _run(out, **changes):
    config = dict(model="dcgan", dataset="digits", steps=3, batch_size=16, seed=0, ema=0)
    train(TrainConfig(**{**config, "out": str(out), **changes}))
    return RunDir(out)


def test_a_new_run_trains_its_convolutions_channels_last_and_records_it(tmp_path):
    run = _run(tmp_path / "run")
    # a 1x1 or one-channel kernel is contiguous in both layouts: only the others can tell
    telling = [w for w in _conv_weights(run.path).values() if w.shape[1] > 1 and w.shape[2] > 1]
    assert telling
    for w in telling:
        assert w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous()
    assert run.read_config()["config"]["channels_last"] is True


def test_no_channels_last_keeps_the_default_layout_and_the_same_model(tmp_path):
    plain = _run(tmp_path / "plain", channels_last=False)
    assert all(w.is_contiguous() for w in _conv_weights(plain.path).values())
    assert plain.read_config()["config"]["channels_last"] is False
    nhwc = _conv_weights(_run(tmp_path / "nhwc").path)
    for key, weight in _conv_weights(plain.path).items():  # other rounding, the same steps
        torch.testing.assert_close(nhwc[key], weight, rtol=0, atol=1e-4)


def test_a_run_stored_before_the_option_resumes_in_its_own_layout(tmp_path):
    stored = TrainConfig(model="dcgan", dataset="digits", out=str(tmp_path))
    assert resolve(stored, steps_per_epoch=10, model_defaults=False).config.channels_last is False
    assert resolve(stored, steps_per_epoch=10).config.channels_last is True
