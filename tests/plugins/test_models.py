"""The GAN model plugin (``ganzoo_gans``): DCGAN shapes and initialisation, uniform dropout.

The VAE plugin is in tests/plugins/test_vae.py."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ganzoo.api.data import DataInfo
from ganzoo.api.errors import IncompatibleDataError
from ganzoo.host.build import create_model


@pytest.mark.parametrize(
    "shape",
    [(1, 8, 8), (1, 16, 16), (1, 28, 28), (3, 28, 28), (1, 32, 32), (3, 32, 32), (3, 64, 64)],
)
def test_dcgan_generates_and_judges_every_supported_shape(shape):
    torch.manual_seed(0)
    model = create_model("dcgan", DataInfo("x", shape, "image"), None, {})
    fake = model.sample(4)
    assert fake.shape == (4, *shape) and fake.min() >= -1 and fake.max() <= 1
    assert model.discriminate(fake).shape == (4,)
    assert model.latent_dim == 100


def test_dcgan_uses_the_papers_initialisation():
    torch.manual_seed(0)
    model = create_model("dcgan", DataInfo("x", (3, 64, 64), "image"), None, {})
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
    weights = torch.cat([m.weight.flatten() for m in convs])
    assert weights.mean().abs() < 1e-3 and weights.std().item() == pytest.approx(0.02, rel=0.02)
    scales = torch.cat([m.weight for m in model.modules() if isinstance(m, nn.BatchNorm2d)])
    assert scales.mean().item() == pytest.approx(1.0, abs=0.01)
    # no batch norm on D's input layer nor on G's output layer
    assert isinstance(model.discriminator[1], nn.LeakyReLU)
    assert isinstance(model.generator[-1], nn.Tanh) and isinstance(
        model.generator[-2], nn.ConvTranspose2d
    )


@pytest.mark.parametrize(
    ("shape", "kind", "why"),
    [
        ((1,), "vector", "needs C×H×W images"),
        ((3, 100, 100), "image", "b·2^n"),
        ((3, 32, 16), "image", "b·2^n"),
    ],
)
def test_dcgan_refuses_data_it_cannot_model(shape, kind, why):
    with pytest.raises(IncompatibleDataError, match=why.replace("^", r"\^")):
        create_model("dcgan", DataInfo("x", shape, kind), None, {})


def test_uniform_dropout_is_nn_dropouts_distribution():
    from ganzoo_gans.dropout import UniformDropout

    torch.manual_seed(0)
    x = torch.ones(200_000, requires_grad=True)
    drop = UniformDropout(0.3)
    y = drop(x)
    kept = y != 0
    assert abs(1 - kept.float().mean().item() - 0.3) < 0.005  # dropped share ~ p
    assert torch.allclose(y[kept], torch.full_like(y[kept], 1 / 0.7))  # kept ones scaled
    assert abs(y.mean().item() - 1.0) < 0.01  # unbiased, as nn.Dropout
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())  # the gradient is the scaled mask
    drop.eval()
    assert drop(x) is x  # identity in eval mode
    assert UniformDropout(0.0).train()(x) is x
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        UniformDropout(1.0)
