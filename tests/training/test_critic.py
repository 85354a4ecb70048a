"""A real WGAN-GP critic: per-sample (no batch norm), and its gradient norm goes to 1."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from ganzoo.host.build import create_loss, create_model, load_dataset
from ganzoo.training.adversarial import AdversarialTrainer
from ganzoo.training.state import BatchStream

SIXTEEN = ("-D", "image_size=16", "-M", "width=8")  # two stages: a normalisation in D


def test_wgan_gp_on_dcgan_gets_a_layer_norm_critic_recorded_in_the_config(run_cli, tmp_path):
    out = tmp_path / "run"
    result = run_cli("train", "--model", "dcgan", "--loss", "wgan-gp", *SIXTEEN,
                     "--steps", "2", "--out", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.err
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["model_options"] == {"d_norm": "layer", "width": 8}
    info = load_dataset("digits", options={"image_size": 16}).info
    gan = create_model("dcgan", info, options=config["model_options"])
    kinds = {type(m) for m in gan.discriminator.modules()}
    assert nn.GroupNorm in kinds and nn.BatchNorm2d not in kinds


@pytest.mark.parametrize(
    ("args", "who"),
    [(("--loss", "wgan-gp", "-M", "d_norm=batch"), "loss 'wgan-gp'"),
     (("--reg", "gp"), "regulariser 'gp'")],
)  # fmt: skip
def test_a_per_sample_penalty_on_a_batch_norm_d_is_refused_in_one_line(
    run_cli, tmp_path, args, who
):
    out = tmp_path / "run"
    result = run_cli("train", "--model", "dcgan", *SIXTEEN, *args, "--out", out, "-q")
    assert result.exit_code != 0
    assert f"{who} needs a per-sample critic; dcgan's D uses batch norm: add -M d_norm=layer" in (
        result.err
    )
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert not out.exists()


def test_an_explicit_d_norm_wins_over_the_critic_options(run_cli, tmp_path):
    out = tmp_path / "run"
    result = run_cli("train", "--model", "dcgan", "--loss", "wgan-gp", *SIXTEEN,
                     "-M", "d_norm=none", "--steps", "1", "--out", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.err
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["model_options"]["d_norm"] == "none"


def _interpolate_gradient_norm(gan, real: torch.Tensor) -> float:
    g = torch.Generator().manual_seed(3)
    fake = gan.generate(torch.randn(real.shape[0], gan.latent_dim, generator=g)).detach()
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=g)
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(gan.discriminate(x).sum(), x)
    return grad.flatten(1).norm(dim=1).mean().item()


@pytest.mark.slow
def test_the_critics_gradient_norm_on_interpolates_moves_toward_one():
    """Gulrajani et al. 2017: the penalty drives ‖∇f(x̂)‖ to 1 on the interpolates."""
    torch.manual_seed(0)
    data = load_dataset("digits", options={"image_size": 16})
    gan = create_model("dcgan", data.info, options={"width": 8, "d_norm": "layer"})
    real = next(iter(data.epoch(128, torch.Generator().manual_seed(9))))
    stream = BatchStream(data, 32, seed=0)  # endless, epoch after epoch
    trainer = AdversarialTrainer(gan, create_loss("wgan-gp"), 1e-4, (0.0, 0.9), d_steps=5)
    before = abs(_interpolate_gradient_norm(gan, real) - 1)
    for _ in range(10):
        trainer.step(stream)
    after = abs(_interpolate_gradient_norm(gan, real) - 1)
    assert before > 0.1 and after < before / 2
