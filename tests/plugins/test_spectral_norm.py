"""Spectral normalisation (Miyato et al. 2018) as a discriminator option of dcgan and vanilla."""

from __future__ import annotations

import pytest
import torch

from ganzoo.host.build import create_model, load_dataset
from ganzoo.runs.rundir import RunDir
from ganzoo.training.config import TrainConfig
from ganzoo.training.loop import resume, train


def _config(tmp_path, name: str, steps: int, model: str = "dcgan") -> TrainConfig:
    return TrainConfig(
        model=model, dataset="digits", steps=steps, batch_size=32, checkpoint_every=4,
        log_every=4, seed=3, out=str(tmp_path / name),
        model_options={"spectral_norm": True, "width": 16},
    )  # fmt: skip


def _sn_state(path) -> dict[str, torch.Tensor]:
    state = RunDir.open(path).load_checkpoint()["model"]
    return {k: v for k, v in state.items() if k.startswith("discriminator.")}


@pytest.mark.parametrize("model", ["dcgan", "vanilla"])
def test_spectral_norm_normalises_every_weight_of_d_and_only_d(model):
    info = load_dataset("digits").info
    options = {"spectral_norm": True} | ({"width": 16} if model == "dcgan" else {})
    gan = create_model(model, info, options=options)
    from ganzoo_gans.spectral import normalised_weights

    d_weights = [m for m in gan.discriminator.modules() if hasattr(m, "weight")]
    d_layers = [m for m in d_weights if isinstance(m, torch.nn.Linear | torch.nn.Conv2d)]
    assert d_layers and set(normalised_weights(gan.discriminator)) == set(d_layers)
    assert normalised_weights(gan.generator) == []
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in gan.discriminator.modules())


def test_spectral_norm_state_resumes_bit_exact(tmp_path):
    """Train 8 steps; train 4, stop, resume to 8: same weights and the same u, v vectors."""
    train(_config(tmp_path, "straight", 8))
    train(_config(tmp_path, "stopped", 4))
    resume(tmp_path / "stopped", steps=8)
    straight, resumed = _sn_state(tmp_path / "straight"), _sn_state(tmp_path / "stopped")
    u_keys = [k for k in straight if k.endswith("._u")]
    assert u_keys and all(k[:-2] + "_v" in straight for k in u_keys)  # u, v are checkpointed
    assert straight.keys() == resumed.keys()
    for key in straight:
        assert torch.equal(straight[key], resumed[key]), key


def test_largest_singular_value_of_every_normalised_weight_is_one_after_training(tmp_path):
    """W / σ̂(W) with σ̂ from the running power iteration: σ_max(W_SN) ≈ 1 (within 5%)."""
    out = tmp_path / "run"
    train(_config(tmp_path, "run", 30))
    config = TrainConfig.from_dict(RunDir.open(out).read_config()["config"])
    gan = create_model("dcgan", load_dataset("digits").info, options=config.model_options)
    gan.load_state_dict(RunDir.open(out).load_checkpoint()["model"])
    gan.eval()  # the weight as trained: no further power iteration
    from ganzoo_gans.spectral import normalised_weights

    layers = normalised_weights(gan.discriminator)
    assert len(layers) == 2  # 8-px digits: the input convolution and the head
    for layer in layers:
        sigma = torch.linalg.svdvals(layer.weight.detach().flatten(1))[0].item()
        assert sigma == pytest.approx(1.0, abs=0.05)
        raw = torch.linalg.svdvals(layer.parametrizations.weight.original.flatten(1))[0].item()
        assert raw != pytest.approx(1.0, abs=0.05)  # the raw weight is not: SN does the work
